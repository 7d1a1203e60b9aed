/*
 * check.h — the smallest test harness that says what failed and where.
 *
 * CHECK(cond) records a failure with file and line and goes on; a test
 * program returns check_exit() from main: 0 when every check held, 1
 * otherwise, or 77 (ctest SKIP) after check_skip().
 */
#ifndef GAL_CHECK_H
#define GAL_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lmdb.h>

extern int check_failures;
extern int check_count;
extern int check_skipped;

#define CHECK(cond)                                                             \
    do {                                                                        \
        check_count++;                                                          \
        if (!(cond)) {                                                          \
            check_failures++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                       \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                      \
    do {                                                                        \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
        check_count++;                                                          \
        if (a_ != b_) {                                                         \
            check_failures++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s == %s (%llu != %llu)\n", __FILE__, \
                    __LINE__, #a, #b, a_, b_);                                  \
        }                                                                       \
    } while (0)

/* The seed of a randomised test: GALLEY_TEST_SEED when set, else one from
 * the clock and the process id; printed, so a failure can be repeated. */
unsigned long long check_seed(void);

/* A scratch LMDB environment in a new directory made from the template dir
 * (ending in XXXXXX, rewritten in place), with room for maxdbs tables and a
 * map of mapsize bytes; 0, or -1 after a failed check. */
int check_scratch_env(char *dir, unsigned maxdbs, size_t mapsize, MDB_env **env);

/* Remove dir and everything under it (a failed check when it cannot be). */
void check_remove_tree(const char *dir);

/* order[0, n) = 0 .. n - 1 by key[i], stably (equal keys by index): a batch's
 * tokens grouped by term, as a device's grouping (cl_group.h) must give. */
void check_order_by_key(const uint64_t *key, uint32_t *order, size_t n);

/* Mark the whole program skipped (e.g. ../shared is absent), with a reason. */
void check_skip(const char *why);
int check_exit(const char *name);

#endif
