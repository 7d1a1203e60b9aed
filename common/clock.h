/*
 * clock.h — seconds on the monotonic clock, for the busy and waiting times
 * the builder, the optimizer and the benchmarks report (differences only:
 * its zero means nothing).
 */
#ifndef GAL_CLOCK_H
#define GAL_CLOCK_H

#include <time.h>

static inline double gal_now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
