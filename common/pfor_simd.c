/*
 * pfor_simd.c — AVX2 unpacking of eight bit-packed values at a time; see
 * pfor_simd.h.  Compiled for every x86-64 (the AVX2 code is a function
 * target of its own) and chosen at run time by what the CPU reports.
 */
#include "pfor_simd.h"

#include <pthread.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Per width b: the byte shuffle that puts value j's four bytes (from byte
 * j * b / 8 of the group) in 32-bit lane j, both 16-byte halves reading the
 * same group; and lane j's right shift, (j * b) % 8.  A byte past the 16
 * loaded is never one a value needs (value 7 ends in byte b - 1), so its
 * index is 0x80: zero. */
static uint8_t shuffles[17][32];
static uint32_t shifts[17][8];
static int simd; /* set by init(), then by gal_pfor_simd_enable() */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    for (unsigned b = 1; b <= 16; b++)
        for (unsigned j = 0; j < 8; j++) {
            unsigned first = j * b / 8;
            for (unsigned t = 0; t < 4; t++) {
                unsigned at = first + t;
                /* lane j is in half j / 4, which holds bytes 0..15 again */
                shuffles[b][(j / 4) * 16 + (j % 4) * 4 + t] = (uint8_t)(at < 16 ? at : 0x80);
            }
            shifts[b][j] = j * b % 8;
        }
    __builtin_cpu_init();
    simd = __builtin_cpu_supports("avx2") != 0;
}

__attribute__((target("avx2"))) static size_t groups_avx2(const uint8_t *q, const uint8_t *pend,
                                                          unsigned b, size_t ngroups, uint32_t *v)
{
    const __m256i shuffle = _mm256_loadu_si256((const __m256i *)shuffles[b]);
    const __m256i shift = _mm256_loadu_si256((const __m256i *)shifts[b]);
    const __m256i mask = _mm256_set1_epi32((int)((1u << b) - 1));
    size_t g = 0;
    for (; g < ngroups && pend - q >= 16; g++, q += b, v += 8) {
        __m256i x = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)q));
        x = _mm256_shuffle_epi8(x, shuffle);
        x = _mm256_and_si256(_mm256_srlv_epi32(x, shift), mask);
        _mm256_storeu_si256((__m256i *)v, x);
    }
    return g;
}

size_t gal_pfor_unpack_groups(const uint8_t *q, const uint8_t *pend, unsigned b, size_t ngroups,
                              uint32_t *v)
{
    pthread_once(&once, init);
    if (!simd || b < 1 || b > 16)
        return 0;
    return groups_avx2(q, pend, b, ngroups, v);
}

void gal_pfor_simd_enable(int on)
{
    pthread_once(&once, init);
    simd = on && __builtin_cpu_supports("avx2");
}

#else

size_t gal_pfor_unpack_groups(const uint8_t *q, const uint8_t *pend, unsigned b, size_t ngroups,
                              uint32_t *v)
{
    (void)q, (void)pend, (void)b, (void)ngroups, (void)v;
    return 0;
}

void gal_pfor_simd_enable(int on)
{
    (void)on;
}

#endif
