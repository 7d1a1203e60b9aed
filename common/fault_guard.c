#include "fault_guard.h"

#include <string.h>
#include <unistd.h>

static sigjmp_buf *volatile fault_jmp;

static void on_fault(int sig)
{
    if (fault_jmp)
        siglongjmp(*fault_jmp, sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

void gal_fault_arm(gal_fault_guard *g, sigjmp_buf *jb)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g->old_segv);
    sigaction(SIGBUS, &sa, &g->old_bus);
    g->armed = 1;
    fault_jmp = jb;
}

void gal_fault_disarm(gal_fault_guard *g)
{
    if (!g->armed)
        return;
    fault_jmp = NULL;
    sigaction(SIGSEGV, &g->old_segv, NULL);
    sigaction(SIGBUS, &g->old_bus, NULL);
    g->armed = 0;
}

void gal_fault_lmdb_assert(MDB_env *env, const char *msg)
{
    (void)env;
    if (fault_jmp)
        siglongjmp(*fault_jmp, SIGABRT);
    static const char head[] = "galley: error: index is corrupt: LMDB found a damaged page (",
                      tail[] = "); 'galley verify' checks it\n";
    ssize_t n = write(2, head, sizeof head - 1);
    n = write(2, msg, strlen(msg));
    n = write(2, tail, sizeof tail - 1);
    (void)n;
    _exit(3);
}
