#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u /* CRC-32C, reflected */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int t = 1; t < 8; t++)
            table[t][n] = (table[t - 1][n] >> 8) ^ table[0][table[t - 1][n] & 0xFF];
}

uint32_t gal_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&table_once, make_table);
    const uint8_t *p = data;
    crc = ~crc;
    while (len >= 8) { /* slice by 8: one table per byte of a little-endian word */
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                      (uint32_t)p[3] << 24;
        lo ^= crc;
        crc = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^ table[5][(lo >> 16) & 0xFF] ^
              table[4][lo >> 24] ^ table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^
              table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
    return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* One crc32 instruction waits for the last (three cycles for eight bytes),
 * so long inputs run three independent streams over adjacent STREAM-byte
 * pieces and join them: the register is linear, so the CRC of a ‖ b is the
 * register of a carried over |b| zero bytes, xor the register of b alone.
 * Carrying a register over STREAM zero bytes is a 32×32 bit matrix, kept as
 * four tables of 256 (one per byte of the register). */
#define STREAM 128

static uint32_t shift_table[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

static void make_shift_table(void)
{
    pthread_once(&table_once, make_table);
    uint32_t column[32];
    for (int bit = 0; bit < 32; bit++) {
        uint32_t reg = 1u << bit;
        for (int n = 0; n < STREAM; n++) /* one zero byte */
            reg = (reg >> 8) ^ table[0][reg & 0xFF];
        column[bit] = reg;
    }
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t reg = 0;
            for (int bit = 0; bit < 8; bit++)
                if (b >> bit & 1)
                    reg ^= column[8 * k + bit];
            shift_table[k][b] = reg;
        }
}

static uint64_t shift_stream(uint64_t reg)
{
    return shift_table[0][reg & 0xFF] ^ shift_table[1][(reg >> 8) & 0xFF] ^
           shift_table[2][(reg >> 16) & 0xFF] ^ shift_table[3][(reg >> 24) & 0xFF];
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const void *data,
                                                             size_t len)
{
    const uint8_t *p = data;
    uint64_t c = ~crc;
    if (len >= 3 * STREAM)
        pthread_once(&shift_once, make_shift_table);
    while (len >= 3 * STREAM) {
        uint64_t c1 = 0, c2 = 0;
        for (size_t i = 0; i < STREAM; i += 8) {
            uint64_t w0, w1, w2;
            memcpy(&w0, p + i, 8);
            memcpy(&w1, p + STREAM + i, 8);
            memcpy(&w2, p + 2 * STREAM + i, 8);
            c = __builtin_ia32_crc32di(c, w0);
            c1 = __builtin_ia32_crc32di(c1, w1);
            c2 = __builtin_ia32_crc32di(c2, w2);
        }
        c = shift_stream(shift_stream(c) ^ c1) ^ c2;
        p += 3 * STREAM;
        len -= 3 * STREAM;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}

uint32_t gal_crc32c(uint32_t crc, const void *data, size_t len)
{
    /* every thread finds the same answer: relaxed atomics are enough */
    static int hw_known = -1;
    int hw = __atomic_load_n(&hw_known, __ATOMIC_RELAXED);
    if (hw < 0) {
        __builtin_cpu_init();
        hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&hw_known, hw, __ATOMIC_RELAXED);
    }
    return hw ? crc32c_hw(crc, data, len) : gal_crc32c_sw(crc, data, len);
}
#else
uint32_t gal_crc32c(uint32_t crc, const void *data, size_t len)
{
    return gal_crc32c_sw(crc, data, len);
}
#endif
