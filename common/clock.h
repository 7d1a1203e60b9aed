/*
 * clock.h — seconds on the monotonic clock, for the busy and waiting times
 * the builder, the optimizer and the benchmarks report, and a thread's CPU
 * seconds (differences only: their zero means nothing).
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

/* CPU seconds the calling thread has used: beside its busy seconds on the
 * clock above, which also count waits inside its work (for a core, the
 * disk, a device). */
static inline double gal_thread_cpu_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
