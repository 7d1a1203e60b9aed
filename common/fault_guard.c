#include "fault_guard.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* Each thread's own jump point: a fault, and LMDB's assertion handler, run
 * on the thread that faulted.  The handlers are the process's, installed
 * while any thread's guard is armed. */
static _Thread_local sigjmp_buf *volatile fault_jmp;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned armed_guards; /* under install_lock */
static struct sigaction old_segv, old_bus;

static void on_fault(int sig)
{
    if (fault_jmp)
        siglongjmp(*fault_jmp, sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

void gal_fault_arm(gal_fault_guard *g, sigjmp_buf *jb)
{
    pthread_mutex_lock(&install_lock);
    if (armed_guards++ == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fault;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, &old_segv);
        sigaction(SIGBUS, &sa, &old_bus);
    }
    pthread_mutex_unlock(&install_lock);
    g->armed = 1;
    fault_jmp = jb;
}

void gal_fault_disarm(gal_fault_guard *g)
{
    if (!g->armed)
        return;
    fault_jmp = NULL;
    pthread_mutex_lock(&install_lock);
    if (--armed_guards == 0) {
        sigaction(SIGSEGV, &old_segv, NULL);
        sigaction(SIGBUS, &old_bus, NULL);
    }
    pthread_mutex_unlock(&install_lock);
    g->armed = 0;
}

int gal_fault_call(int (*fn)(void *arg), void *arg, int *sig)
{
    gal_fault_guard guard = {.armed = 0};
    sigjmp_buf jb;
    /* inside another guarded stretch (a write within a walk), the outer
     * jump point is this thread's again afterwards */
    sigjmp_buf *volatile outer = fault_jmp;
    int got = sigsetjmp(jb, 1);
    if (got) {
        gal_fault_disarm(&guard);
        fault_jmp = outer;
        *sig = got;
        return 0;
    }
    *sig = 0;
    gal_fault_arm(&guard, &jb);
    int rc = fn(arg);
    gal_fault_disarm(&guard);
    fault_jmp = outer;
    return rc;
}

sigjmp_buf *gal_fault_pause(void)
{
    sigjmp_buf *jb = fault_jmp;
    fault_jmp = NULL;
    return jb;
}

void gal_fault_resume(sigjmp_buf *jb) { fault_jmp = jb; }

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
