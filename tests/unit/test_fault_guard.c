/*
 * test_fault_guard.c — what happens when LMDB's own checks fail on a damaged
 * page (fault_guard.h): inside a guarded walk the walk jumps back to its
 * sigsetjmp() point, as it does for a fault; elsewhere the process reports
 * the index as corrupt and exits with status 3 instead of aborting.  (A page
 * damaged just so is hard to make on purpose: the handler is called as LMDB
 * calls it.)
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fault_guard.h"

static void test_guarded(void)
{
    sigjmp_buf jb;
    gal_fault_guard g = {.armed = 0};
    volatile int reached_after = 0;
    int sig = sigsetjmp(jb, 1);
    if (sig == 0) {
        gal_fault_arm(&g, &jb);
        gal_fault_lmdb_assert(NULL, "test: IS_LEAF(mp)");
        reached_after = 1; /* the handler must not return */
    }
    gal_fault_disarm(&g);
    CHECK(sig == SIGABRT);
    CHECK(!reached_after);
}

static void test_unguarded(void)
{
    int out[2];
    if (pipe(out) != 0) {
        CHECK(0);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 2);
        close(out[0]);
        gal_fault_lmdb_assert(NULL, "test: IS_LEAF(mp)");
        _exit(99); /* the handler must not return */
    }
    close(out[1]);
    char msg[512];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof msg - 1 && (r = read(out[0], msg + n, sizeof msg - 1 - n)) > 0)
        n += (size_t)r;
    msg[n] = '\0';
    close(out[0]);
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    CHECK(strstr(msg, "index is corrupt") && strstr(msg, "test: IS_LEAF(mp)"));
}

int main(void)
{
    test_guarded();
    test_unguarded();
    return check_exit("test_fault_guard");
}
