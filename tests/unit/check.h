/*
 * check.h — the smallest test harness that says what failed and where.
 *
 * CHECK(cond) records a failure with file and line and goes on; a test
 * program returns check_exit() from main: 0 when every check held, 1
 * otherwise, or 77 (ctest SKIP) after check_skip().
 */
#ifndef GAL_CHECK_H
#define GAL_CHECK_H

#include <stdio.h>

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

/* Mark the whole program skipped (e.g. ../shared is absent), with a reason. */
void check_skip(const char *why);
int check_exit(const char *name);

#endif
