/*
 * test_fault_guard.c — what happens when LMDB's own checks fail on a damaged
 * page (fault_guard.h): inside a guarded walk the walk jumps back to its
 * sigsetjmp() point, as it does for a fault; elsewhere the process reports
 * the index as corrupt and exits with status 3 instead of aborting; two
 * threads' guards armed at once each bring their own thread back;
 * gal_fault_call runs a function under a guard, and a paused guard lets a
 * fault take its default course.  (A page
 * damaged just so is hard to make on purpose: the handler is called as LMDB
 * calls it.)
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
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

static int assert_fails(void *arg)
{
    (void)arg;
    gal_fault_lmdb_assert(NULL, "test: IS_LEAF(mp)");
    return 99; /* the handler must not return */
}

static int returns_seven(void *arg)
{
    (void)arg;
    return 7;
}

/* A check that fails while the guard is paused, then one after it resumes:
 * the first must take the unguarded course (exit 3), so this never gets
 * to the second. */
static int paused_then_fails(void *arg)
{
    (void)arg;
    sigjmp_buf *jb = gal_fault_pause();
    gal_fault_lmdb_assert(NULL, "test: paused");
    gal_fault_resume(jb);
    return assert_fails(NULL);
}

/* A guarded call inside a guarded call (a write within a walk): after the
 * inner one returns, a fault jumps back to the outer one's point. */
static int inner_then_fails(void *arg)
{
    int *inner_sig = arg;
    int inner = gal_fault_call(returns_seven, NULL, inner_sig);
    if (inner != 7)
        return 1;
    return assert_fails(NULL);
}

/* gal_fault_call: fn's status when it returns, 0 and the signal when a
 * fault jumped back; a paused guard lets the fault take its default
 * course (here LMDB's failed check: the corrupt-index exit, status 3). */
static void test_call(void)
{
    int sig = -1;
    CHECK(gal_fault_call(returns_seven, NULL, &sig) == 7 && sig == 0);
    CHECK(gal_fault_call(assert_fails, NULL, &sig) == 0 && sig == SIGABRT);
    CHECK(gal_fault_call(returns_seven, NULL, &sig) == 7 && sig == 0); /* usable again */
    int inner_sig = -1;
    CHECK(gal_fault_call(inner_then_fails, &inner_sig, &sig) == 0 && sig == SIGABRT &&
          inner_sig == 0);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        gal_fault_call(paused_then_fails, NULL, &sig);
        _exit(sig == SIGABRT ? 98 : 99); /* the paused check must not jump back */
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

/* Two threads, each with its own guard armed at once, fault in turn: each
 * lands back at its own jump point (LMDB's check on one, a read of a page
 * that may not be read on the other), and the first's disarming leaves the
 * second's guard working. */
typedef struct faulting {
    pthread_barrier_t *both_armed, *first_done;
    int first;     /* faults before the other does */
    int sig;       /* what sigsetjmp returned */
    int own_stack; /* the jump came back to this thread's frame */
} faulting;

static void *fault_in_turn(void *arg)
{
    faulting *f = arg;
    sigjmp_buf jb;
    gal_fault_guard g = {.armed = 0};
    volatile int marker = 12345;
    int sig = sigsetjmp(jb, 1);
    if (sig == 0) {
        gal_fault_arm(&g, &jb);
        pthread_barrier_wait(f->both_armed);
        if (!f->first)
            pthread_barrier_wait(f->first_done);
        if (f->first) {
            gal_fault_lmdb_assert(NULL, "test: IS_LEAF(mp)");
        } else {
            long page = sysconf(_SC_PAGESIZE);
            char *p = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p != MAP_FAILED)
                marker = *(volatile char *)p; /* faults */
        }
    }
    gal_fault_disarm(&g);
    f->sig = sig;
    f->own_stack = marker == 12345;
    if (f->first)
        pthread_barrier_wait(f->first_done);
    return NULL;
}

static void test_guarded_threads(void)
{
    alarm(30); /* a jump to the other thread's frame hangs or crashes: end it */
    pthread_barrier_t both_armed, first_done;
    pthread_barrier_init(&both_armed, NULL, 2);
    pthread_barrier_init(&first_done, NULL, 2);
    faulting f[2] = {{&both_armed, &first_done, 1, -1, 0}, {&both_armed, &first_done, 0, -1, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&t[i], NULL, fault_in_turn, &f[i]) == 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    alarm(0);
    CHECK(f[0].sig == SIGABRT && f[0].own_stack);
    CHECK(f[1].sig == SIGSEGV && f[1].own_stack);
    pthread_barrier_destroy(&both_armed);
    pthread_barrier_destroy(&first_done);
}

int main(void)
{
    test_guarded();
    test_call();
    test_guarded_threads();
    test_unguarded();
    return check_exit("test_fault_guard");
}
