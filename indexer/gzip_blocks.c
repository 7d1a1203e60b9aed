#include "gzip_blocks.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "inflate_marked.h"

#define OUT_STEP ((size_t)1 << 18)

enum { RUN_LIMIT = GAL_BLOCKS_FAILED + 1 }; /* the output reached its limit */

int gal_pread_full(int fd, uint8_t *dst, size_t n, uint64_t at, size_t *got)
{
    size_t have = 0;
    while (have < n) {
        ssize_t r = pread(fd, dst + have, n - have, (off_t)(at + have));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        have += (size_t)r;
    }
    *got = have;
    return 0;
}

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
    size_t want = r->size - r->base < GAL_BLOCKS_READ ? (size_t)(r->size - r->base)
                                                      : GAL_BLOCKS_READ;
    if (r->base < r->size && gal_pread_full(r->fd, r->buf, want, r->base, &r->len))
        r->len = 0;
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

int gal_blocks_read(int fd, uint64_t size, gal_buf *in, uint64_t base, uint64_t end)
{
    if (end > size)
        end = size;
    size_t n = end > base ? (size_t)(end - base) : 0, got;
    gal_buf_clear(in);
    if (gal_buf_reserve(in, n + 16) || gal_pread_full(fd, in->data, n, base, &got) || got != n)
        return -1;
    memset(in->data + n, 0, 16);
    in->len = n;
    return 0;
}

int gal_blocks_guess(int fd, uint64_t size, gal_buf *in, uint64_t base, uint64_t start,
                     uint64_t stop, gal_blocks_piece *pc, size_t limit)
{
    gal_buf *symbols = &pc->symbols;
    gal_buf_clear(&pc->out);
    gal_buf_clear(symbols);
    pc->marked = 0;
    /* room for text that deflate packed four to one (more if need be) */
    size_t room = in->len * 4;
    for (;;) {
        if (room > limit)
            room = limit;
        if (gal_buf_reserve(symbols, room * sizeof(uint16_t)))
            return GAL_BLOCKS_FAILED;
        int at_end = base + in->len >= size;
        size_t n;
        uint64_t end;
        int rc = gal_inflate_marked(in->data, (uint64_t)in->len * 8, at_end, start - base * 8,
                                    stop - base * 8, (uint16_t *)symbols->data, room, &n, &end);
        if (rc == GAL_MARKED_MORE) { /* a block runs on past the bytes read */
            if (gal_blocks_read(fd, size, in, base, base + 2 * (uint64_t)in->len + 1))
                return GAL_BLOCKS_FAILED;
            continue;
        }
        if (rc == GAL_MARKED_FULL && room < limit) {
            room *= 2;
            continue;
        }
        if (rc != GAL_MARKED_BOUNDARY && rc != GAL_MARKED_LAST)
            return GAL_BLOCKS_FAILED;
        symbols->len = n * sizeof(uint16_t);
        pc->marked = 1;
        pc->end = base * 8 + end;
        return rc == GAL_MARKED_LAST ? GAL_BLOCKS_LAST : GAL_BLOCKS_BOUNDARY;
    }
}

/* A symbol's byte: its own below 256, else the window's at its place. */
static void symbol_bytes(uint8_t table[256 + GAL_WINDOW], const uint8_t window[GAL_WINDOW])
{
    for (unsigned v = 0; v < 256; v++)
        table[v] = (uint8_t)v;
    memcpy(table + 256, window, GAL_WINDOW);
}

int gal_blocks_resolve(gal_blocks_piece *pc, const uint8_t window[GAL_WINDOW])
{
    if (!pc->marked)
        return 0;
    size_t n = pc->symbols.len / sizeof(uint16_t);
    uint8_t table[256 + GAL_WINDOW];
    symbol_bytes(table, window);
    if (gal_buf_reserve(&pc->out, n))
        return -1;
    const uint16_t *sym = (const uint16_t *)pc->symbols.data;
    uint8_t *o = pc->out.data;
    for (size_t i = 0; i < n; i++) /* no branch: a third of them are places */
        o[i] = table[sym[i]];
    pc->out.len = n;
    pc->marked = 0;
    return 0;
}

void gal_blocks_window_after(const gal_blocks_piece *pc, const uint8_t before[GAL_WINDOW],
                             uint8_t after[GAL_WINDOW])
{
    size_t len = pc->marked ? pc->symbols.len / sizeof(uint16_t) : pc->out.len;
    size_t keep = len < GAL_WINDOW ? GAL_WINDOW - len : 0; /* of before, at its end */
    size_t tail = GAL_WINDOW - keep, start = len - tail;    /* of the piece */
    memcpy(after, before + GAL_WINDOW - keep, keep);
    if (!pc->marked) {
        memcpy(after + keep, pc->out.data + start, tail);
        return;
    }
    uint8_t table[256 + GAL_WINDOW];
    symbol_bytes(table, before);
    const uint16_t *sym = (const uint16_t *)pc->symbols.data + start;
    for (size_t i = 0; i < tail; i++)
        after[keep + i] = table[sym[i]];
}

void gal_blocks_piece_release(gal_blocks_piece *pc)
{
    gal_buf_release(&pc->out);
    gal_buf_release(&pc->symbols);
}
