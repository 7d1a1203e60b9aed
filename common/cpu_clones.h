/*
 * cpu_clones.h — a hot function compiled twice: for the baseline x86-64
 * that the build targets, and for x86-64-v3 (AVX2, BMI2, LZCNT: Intel
 * since Haswell, AMD since Zen), the loader picking the one the CPU runs.
 *
 * The binary stays runnable on every x86-64 (the one gpu_prepare.sh copies
 * to a lent machine too), while the encoder's bit counts, shifts by
 * variables and short loops get the newer instructions where they exist.
 * Only where it measured: the postings builder alone
 * (bench/tools/encode_bench) ran 7 % faster, writing the same bytes.
 * GCC 12 or later only: clang 15 (the fuzz build) names the clones'
 * dispatcher so that callers in other files must see the attribute too.
 * Not under ThreadSanitizer: the loader runs the dispatcher while it
 * relocates, before the sanitizer's runtime is up, and every program that
 * links the encoder died at start (AddressSanitizer runs them).  Elsewhere,
 * or with -DGAL_NO_CPU_CLONES, it is nothing.
 */
#ifndef GAL_CPU_CLONES_H
#define GAL_CPU_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__) && !defined(GAL_NO_CPU_CLONES)
#define GAL_CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define GAL_CPU_CLONES_BUILT 1
#else
#define GAL_CPU_CLONES
#define GAL_CPU_CLONES_BUILT 0
#endif

/* Which copy this CPU runs, for benchmarks to say beside their figures:
 * "x86-64-v3", "x86-64", or "baseline" when this build has no clones. */
static inline const char *gal_cpu_clones_running(void)
{
#if GAL_CPU_CLONES_BUILT
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") ? "x86-64-v3" : "x86-64";
#else
    return "baseline";
#endif
}

#endif
