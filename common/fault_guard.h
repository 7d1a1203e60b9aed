/*
 * fault_guard.h — survive LMDB reading a damaged page.
 *
 * LMDB does not checksum its own pages: a damaged branch or leaf page header
 * can make mdb_cursor_get() read outside the map.  A command that walks a
 * whole index (verify, optimize) arms the guard around its walk; a SIGSEGV or
 * SIGBUS, or a failed LMDB assertion, then jumps back to its sigsetjmp()
 * point, which reports the index as damaged instead of dying:
 *
 *     sigjmp_buf jb;
 *     gal_fault_guard g;
 *     int sig = sigsetjmp(jb, 1);
 *     if (sig) { ...report, clean up, return GAL_ECORRUPT... }
 *     gal_fault_arm(&g, &jb);
 *     ...walk...
 *     gal_fault_disarm(&g);      (on every way out, after the jump too)
 *
 * A guard belongs to the thread that arms it: several threads may each arm
 * their own at once (the shards of a directory verified together, the
 * writers of `galley index --shards`), and a fault returns to the jump
 * point of the thread it happened on.
 */
#ifndef GAL_FAULT_GUARD_H
#define GAL_FAULT_GUARD_H

#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>

typedef struct gal_fault_guard {
    int armed;
} gal_fault_guard;

void gal_fault_arm(gal_fault_guard *g, sigjmp_buf *jb);
void gal_fault_disarm(gal_fault_guard *g); /* idempotent */

/* fn(arg) under a guard of its own: fn's status, or, when a fault (or a
 * failed LMDB assertion) jumped back out of it, 0 with *sig the signal, for
 * the caller to say what was damaged.  *sig is 0 when fn returned.  For a
 * walk that needs nothing cleaned up after a jump beyond what its caller
 * owns.  Inside another guard, that guard's jump point holds again after
 * it. */
int gal_fault_call(int (*fn)(void *arg), void *arg, int *sig);

/* Let a fault on this thread take its default course (a crash) until
 * gal_fault_resume(), the guard staying armed: for a callback into code
 * that reads no index in the middle of a guarded walk, where a fault is a
 * bug and jumping back out of it would leave its locks and state behind.
 * Costs no system call. */
sigjmp_buf *gal_fault_pause(void);
void gal_fault_resume(sigjmp_buf *jb); /* what gal_fault_pause() returned */

/* LMDB's assertion handler (mdb_env_set_assert), for every environment
 * galley reads: a damaged page can also fail one of LMDB's own checks,
 * which abort()s after calling this.  Inside a guarded walk it jumps back
 * as a fault does (sigsetjmp returns SIGABRT); elsewhere it reports the
 * index as corrupt, naming the check, and exits with status 3 (damaged
 * index), before LMDB could abort. */
void gal_fault_lmdb_assert(MDB_env *env, const char *msg);

#endif
