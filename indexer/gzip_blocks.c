#include "gzip_blocks.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define OUT_STEP ((size_t)1 << 18)
/* Pass two is run this much at a time, compared with pass one as it goes. */
#define FLIP_STEP ((size_t)64 << 10)

enum { RUN_LIMIT = GAL_BLOCKS_FAILED + 1 }; /* the output reached its limit */

/* zlib on a raw deflate stream from any bit of a file. */
typedef struct raw_in {
    z_stream z;
    int ready;
    int fd;
    uint64_t size;
    uint64_t base; /* the file offset of buf[0] */
    size_t len;    /* bytes read into buf */
    uint8_t *buf;
} raw_in;

static int refill(raw_in *r)
{
    r->base += r->len;
    r->len = 0;
    while (r->base < r->size && r->len < GAL_BLOCKS_READ) {
        size_t want = GAL_BLOCKS_READ - r->len;
        if (want > r->size - r->base - r->len)
            want = (size_t)(r->size - r->base - r->len);
        if (want == 0)
            break;
        ssize_t got = pread(r->fd, r->buf + r->len, want, (off_t)(r->base + r->len));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        r->len += (size_t)got;
    }
    r->z.next_in = r->buf;
    r->z.avail_in = (uInt)r->len;
    return r->len ? 0 : -1; /* nothing left: cut short, or a failed read */
}

static int raw_open(raw_in *r, int fd, uint64_t size, uint64_t start,
                    const uint8_t window[GAL_WINDOW], uint8_t *buf)
{
    memset(r, 0, sizeof *r);
    if (inflateInit2(&r->z, -MAX_WBITS) != Z_OK)
        return -1;
    r->ready = 1;
    if (inflateSetDictionary(&r->z, window, GAL_WINDOW) != Z_OK)
        return -1;
    r->fd = fd;
    r->size = size;
    r->buf = buf;
    r->base = start >> 3;
    if (refill(r))
        return -1;
    unsigned used = (unsigned)(start & 7); /* bits of the first byte before the block */
    if (used) {
        if (inflatePrime(&r->z, (int)(8 - used), r->buf[0] >> used) != Z_OK)
            return -1;
        r->z.next_in++;
        r->z.avail_in--;
    }
    return 0;
}

static void raw_close(raw_in *r)
{
    if (r->ready)
        inflateEnd(&r->z);
    r->ready = 0;
}

/* Decode into out until it holds limit bytes (RUN_LIMIT) or a block
 * boundary at bit >= stop: GAL_BLOCKS_ with *end. */
static int raw_run(raw_in *r, gal_buf *out, size_t limit, uint64_t stop, uint64_t *end)
{
    for (;;) {
        if (out->len >= limit)
            return RUN_LIMIT;
        if (r->z.avail_in == 0 && refill(r))
            return GAL_BLOCKS_FAILED;
        size_t room = limit - out->len < OUT_STEP ? limit - out->len : OUT_STEP;
        if (gal_buf_reserve(out, room))
            return GAL_BLOCKS_FAILED;
        r->z.next_out = out->data + out->len;
        r->z.avail_out = (uInt)room;
        int zr = inflate(&r->z, Z_BLOCK);
        out->len += room - r->z.avail_out;
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return GAL_BLOCKS_FAILED; /* not deflate; a stream end comes after LAST */
        if (r->z.data_type & 128) { /* between two blocks */
            uint64_t taken = r->base + (r->len - r->z.avail_in);
            *end = taken * 8 - (uint64_t)(r->z.data_type & 63);
            if (r->z.data_type & 64)
                return GAL_BLOCKS_LAST;
            if (*end >= stop)
                return GAL_BLOCKS_BOUNDARY;
        }
    }
}

int gal_blocks_decode(int fd, uint64_t size, uint64_t start, uint64_t stop,
                      const uint8_t window[GAL_WINDOW], gal_buf *out, size_t limit, uint64_t *end,
                      uint8_t *inbuf)
{
    raw_in r;
    int rc = GAL_BLOCKS_FAILED;
    if (raw_open(&r, fd, size, start, window, inbuf) == 0)
        rc = raw_run(&r, out, limit, stop, end);
    raw_close(&r);
    return rc == RUN_LIMIT ? GAL_BLOCKS_FAILED : rc;
}

/* The stand-in windows: pass one's byte at place j is j's low byte, pass
 * two's that plus one plus j's high byte, so the two differ at every place
 * and the pair says which. */
static uint8_t stand_one[GAL_WINDOW], stand_two[GAL_WINDOW];
static pthread_once_t stand_once = PTHREAD_ONCE_INIT;

static void make_stand_ins(void)
{
    for (unsigned j = 0; j < GAL_WINDOW; j++) {
        stand_one[j] = (uint8_t)j;
        stand_two[j] = (uint8_t)(j + 1 + (j >> 8));
    }
}

/* A bit for each of a[0, n) that differs from b's, n <= 16. */
static inline unsigned differing(const uint8_t *a, const uint8_t *b, size_t n)
{
#ifdef __SSE2__
    if (n == 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)a), y = _mm_loadu_si128((const __m128i *)b);
        return ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) & 0xFFFFu;
    }
#endif
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++)
        mask |= (unsigned)(a[i] != b[i]) << i;
    return mask;
}

/* Pass two, FLIP_STEP at a time into scratch, each step compared with pass
 * one: a run for every stretch of bytes that differ.  It stops once 32 KiB in a row
 * agree (nothing later can reach the window) or the piece ends. */
static int find_runs(int fd, uint64_t size, uint64_t start, uint64_t stop, gal_blocks_piece *pc,
                      gal_buf *scratch, uint8_t *inbuf)
{
    raw_in r;
    int rc = 0;
    size_t total = pc->out.len, done = 0, agree_from = 0;
    gal_blocks_run *last = NULL; /* the run before, in pc->runs */
    if (raw_open(&r, fd, size, start, stand_two, inbuf)) {
        raw_close(&r);
        return -1;
    }
    while (done < total && done - agree_from < GAL_WINDOW) {
        size_t want = total - done < FLIP_STEP ? total - done : FLIP_STEP;
        uint64_t end;
        gal_buf_clear(scratch);
        if (raw_run(&r, scratch, want, stop, &end) == GAL_BLOCKS_FAILED || scratch->len != want) {
            rc = -1;
            break;
        }
        /* room for a run per byte, so that runs are written in place */
        size_t last_at = last ? (size_t)((uint8_t *)last - pc->runs.data) : 0;
        if (gal_buf_reserve(&pc->runs, want * sizeof(gal_blocks_run))) {
            rc = -1;
            break;
        }
        if (last) /* the buffer may have moved */
            last = (gal_blocks_run *)(pc->runs.data + last_at);
        gal_blocks_run *runs = (gal_blocks_run *)(pc->runs.data + pc->runs.len);
        size_t nruns = 0;
        const uint8_t *one = pc->out.data + done, *two = scratch->data;
        for (size_t i = 0; i < want && !rc; i += 16) {
            unsigned differ = differing(one + i, two + i, want - i < 16 ? want - i : 16);
            while (differ) {
                size_t k = i + (size_t)__builtin_ctz(differ);
                differ &= differ - 1;
                uint8_t high = (uint8_t)(two[k] - one[k] - 1);
                uint32_t at = (uint32_t)(done + k), from = (uint32_t)high << 8 | one[k];
                if (high >= GAL_WINDOW >> 8) {
                    rc = -1;
                    break;
                }
                agree_from = done + k + 1;
                /* a copy from the window is a run of places, often carried
                 * on by copies of the copy: one run for it */
                if (last && last->at + last->len == at && last->from + last->len == from) {
                    last->len++;
                    continue;
                }
                last = &runs[nruns++];
                *last = (gal_blocks_run){at, from, 1};
            }
        }
        pc->runs.len += nruns * sizeof(gal_blocks_run);
        done += want;
        if (rc)
            break;
    }
    raw_close(&r);
    return rc;
}

int gal_blocks_guess(int fd, uint64_t size, uint64_t start, uint64_t stop, gal_blocks_piece *pc,
                     size_t limit, gal_buf *scratch, uint8_t *inbuf)
{
    pthread_once(&stand_once, make_stand_ins);
    gal_buf_clear(&pc->out);
    gal_buf_clear(&pc->runs);
    int rc = gal_blocks_decode(fd, size, start, stop, stand_one, &pc->out, limit, &pc->end, inbuf);
    if (rc == GAL_BLOCKS_FAILED)
        return rc;
    if (find_runs(fd, size, start, stop, pc, scratch, inbuf))
        return GAL_BLOCKS_FAILED;
    return rc;
}

void gal_blocks_resolve(gal_blocks_piece *pc, const uint8_t window[GAL_WINDOW])
{
    const gal_blocks_run *run = (const gal_blocks_run *)pc->runs.data;
    size_t n = pc->runs.len / sizeof *run;
    uint8_t *o = pc->out.data;
    for (size_t k = 0; k < n; k++) {
        uint8_t *dst = o + run[k].at;
        const uint8_t *src = window + run[k].from;
        for (uint32_t i = 0; i < run[k].len; i++) /* mostly a byte or two */
            dst[i] = src[i];
    }
}

void gal_blocks_window_after(const gal_blocks_piece *pc, const uint8_t before[GAL_WINDOW],
                             uint8_t after[GAL_WINDOW])
{
    size_t len = pc->out.len;
    size_t keep = len < GAL_WINDOW ? GAL_WINDOW - len : 0; /* of before, at its end */
    size_t tail = len - (len < GAL_WINDOW ? 0 : len - GAL_WINDOW); /* of the piece */
    size_t start = len - tail;
    memcpy(after, before + GAL_WINDOW - keep, keep);
    memcpy(after + keep, pc->out.data + start, tail);
    /* the runs that reach into the piece's last tail bytes, from the end */
    const gal_blocks_run *run = (const gal_blocks_run *)pc->runs.data;
    for (size_t k = pc->runs.len / sizeof *run; k-- > 0 && run[k].at + run[k].len > start;) {
        for (uint32_t i = 0; i < run[k].len; i++)
            if (run[k].at + i >= start)
                after[keep + run[k].at + i - start] = before[run[k].from + i];
    }
}

void gal_blocks_piece_release(gal_blocks_piece *pc)
{
    gal_buf_release(&pc->out);
    gal_buf_release(&pc->runs);
}
