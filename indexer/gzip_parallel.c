#include "gzip_parallel.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <zlib.h>

#include "alloc.h"
#include "buf.h"
#include "deflate_scan.h"
#include "gzip_blocks.h"

#define READ_BLOCK ((size_t)1 << 20)
#define OUT_STEP ((size_t)1 << 18)
/* A chunk whose members decode to more than this (one huge member) is not
 * decoded ahead: the caller goes on as one stream. */
#define CHUNK_OUT_MAX ((size_t)64 << 20)

/* A chunk whose first guessed block start does not decode is tried again
 * from the next guess, this many times. */
#define GUESSES_MAX 8
/* Bytes read past a chunk's end, where its last block ends (a block of
 * gzip's is rarely over 100 kB). */
#define BLOCK_PAST ((uint64_t)256 << 10)

enum { CHUNK_OK, CHUNK_NO_HEADER, CHUNK_FAILED, CHUNK_LAST };

/* Positions are in bytes (members) or bits (blocks). */
typedef struct chunk {
    uint64_t lo, hi;     /* the compressed range in which its members (blocks) start */
    uint64_t start, end; /* where its first member (block) starts and its last ends */
    int result;          /* CHUNK_ */
    int done;            /* decoded (under the lock) */
    gal_buf out;         /* members */
    gal_blocks_piece piece; /* blocks */
    uint64_t index;      /* blocks: its number, from 0 */
    int resolved;        /* blocks: the window's bytes filled in on its thread */
    uint32_t crc;        /* blocks: then the CRC-32 of its output */
} chunk;

struct gal_gzpar {
    int fd;
    int blocks;          /* one member's deflate blocks, not many members */
    uint64_t from, size; /* size in positions */
    uint64_t file_size;  /* in bytes */
    uint64_t csize;      /* in positions */
    uint8_t window[GAL_WINDOW]; /* blocks: the 32 KiB before what is handed out next */
    uint8_t first_window[GAL_WINDOW]; /* blocks: the one before `from` */
    uint32_t crc;        /* blocks: CRC-32 of what was handed out */
    /* blocks: the window passed on from chunk to chunk by the threads, so
     * that each fills in its own chunk: the window before chunk chain_k,
     * which begins at chain_end; broken where a chunk does not begin there
     * (the caller fills in from that one on) */
    uint64_t chain_k, chain_end;
    int chain_broken;
    uint8_t chain_window[GAL_WINDOW];
    pthread_cond_t chain_cv;
    uint64_t nchunks;
    chunk *ring;         /* chunk k in ring[k % nslots] */
    unsigned nslots;
    uint64_t made;       /* chunks queued */
    uint64_t taken;      /* of those, taken by a thread */
    uint64_t freed;      /* chunks whose slot is free again, in order */
    uint64_t next;       /* the chunk to hand out next */
    const gal_buf *cur;  /* the output being handed out, from `at` */
    size_t at;
    uint64_t cur_end;    /* the member boundary where it ends */
    int cur_in_ring;     /* cur is a slot's (freed once handed out) */
    uint64_t v;          /* the member boundary where what was handed out ends */
    int give_up;         /* a chunk that decodes from v on no thread: resume at v */
    uint64_t from_threads, redone; /* bytes handed out, by where they were decoded */
    gal_buf own;         /* a chunk decoded again on the caller's thread */
    uint8_t *own_in;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    int stop;
    pthread_t *threads;
    unsigned nthreads;
};

/* Whether b[0, 10) could be a gzip member's header: magic, deflate, no
 * reserved flag, a known extra-flags value.  The decoder has the last word. */
static int header_at(const uint8_t *b)
{
    return b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 && (b[3] & 0xE0) == 0 &&
           (b[8] == 0 || b[8] == 2 || b[8] == 4);
}

/* The first offset in [lo, hi) where a member header could start: 0 with
 * *at, or 1 when there is none, -1 when a read fails. */
static int find_header(int fd, uint64_t lo, uint64_t hi, uint64_t size, uint8_t *buf,
                       uint64_t *at)
{
    for (uint64_t pos = lo; pos < hi;) {
        size_t want = READ_BLOCK, got;
        if (want > size - pos)
            want = (size_t)(size - pos);
        if (gal_pread_full(fd, buf, want, pos, &got))
            return -1;
        if (got < 10)
            return 1;
        size_t last = got - 9; /* candidates whose header is whole in buf */
        for (size_t i = 0; i < last && pos + i < hi;) {
            const uint8_t *p = memchr(buf + i, 0x1f, last - i);
            if (!p)
                break;
            i = (size_t)(p - buf);
            if (pos + i >= hi)
                break;
            if (header_at(p)) {
                *at = pos + i;
                return 0;
            }
            i++;
        }
        pos += last;
    }
    return 1;
}

/* Decode members from `start`, one after another, until one ends at or
 * past `hi` or at the end of the file: 0 with *end, or -1 when they do not
 * decode (not a member there, corrupt, cut short, more than CHUNK_OUT_MAX)
 * or a read fails.  inbuf: READ_BLOCK bytes of room. */
static int decode_members(int fd, uint64_t start, uint64_t hi, uint64_t size, gal_buf *out,
                          uint64_t *end, uint8_t *inbuf)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return -1;
    uint64_t base = start; /* file offset of inbuf[0] */
    size_t inlen = 0, inpos = 0;
    int rc = -1;
    for (;;) {
        if (inflateReset(&z) != Z_OK)
            break;
        int zr = Z_OK;
        while (zr != Z_STREAM_END) {
            if (inpos == inlen) {
                base += inlen;
                inlen = inpos = 0;
                if (base >= size || gal_pread_full(fd, inbuf, READ_BLOCK, base, &inlen) || !inlen)
                    goto done; /* cut short, or a failed read */
            }
            if (out->len > CHUNK_OUT_MAX || gal_buf_reserve(out, OUT_STEP))
                goto done;
            z.next_in = inbuf + inpos;
            z.avail_in = (uInt)(inlen - inpos);
            z.next_out = out->data + out->len;
            z.avail_out = (uInt)(out->cap - out->len);
            uInt room = z.avail_out;
            zr = inflate(&z, Z_NO_FLUSH);
            out->len += room - z.avail_out;
            inpos = inlen - z.avail_in;
            if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
                goto done;
        }
        uint64_t member_end = base + inpos;
        if (member_end >= hi || member_end >= size) {
            *end = member_end;
            rc = 0;
            break;
        }
    }
done:
    inflateEnd(&z);
    return rc;
}

static void decode_members_chunk(gal_gzpar *p, chunk *c, uint8_t *inbuf)
{
    gal_buf_clear(&c->out);
    int f = find_header(p->fd, c->lo, c->hi, p->file_size, inbuf, &c->start);
    if (f)
        c->result = f > 0 ? CHUNK_NO_HEADER : CHUNK_FAILED;
    else
        c->result =
            decode_members(p->fd, c->start, c->hi, p->file_size, &c->out, &c->end, inbuf)
                ? CHUNK_FAILED
                : CHUNK_OK;
}

static int chunk_result(int blocks_rc)
{
    return blocks_rc == GAL_BLOCKS_BOUNDARY ? CHUNK_OK
           : blocks_rc == GAL_BLOCKS_LAST   ? CHUNK_LAST
                                            : CHUNK_FAILED;
}

/* Blocks: the first chunk from `from`, whose window is known; any other
 * from the first guess of a block start in it that decodes. */
static void decode_blocks_chunk(gal_gzpar *p, chunk *c, uint8_t *inbuf, gal_buf *input)
{
    gal_blocks_piece *pc = &c->piece;
    if (c->lo == p->from) {
        gal_buf_clear(&pc->out);
        pc->marked = 0;
        c->start = p->from;
        int rc = gal_blocks_decode(p->fd, p->file_size, c->start, c->hi, p->first_window,
                                   &pc->out, CHUNK_OUT_MAX, &pc->end, inbuf);
        c->end = pc->end;
        c->result = chunk_result(rc);
        return;
    }
    /* the chunk's bytes and a block's worth past them: to guess in, and to
     * decode from the guess (more are read if a block runs on) */
    uint64_t base = c->lo / 8;
    c->result = CHUNK_FAILED;
    if (gal_blocks_read(p->fd, p->file_size, input, base, (c->hi + 7) / 8 + BLOCK_PAST))
        return;
    uint64_t at = c->lo;
    for (int guess = 0; guess < GUESSES_MAX; guess++, at++) {
        at = base * 8 + gal_deflate_find_dynamic(input->data, (uint64_t)input->len * 8,
                                                 at - base * 8, c->hi - base * 8);
        if (at >= c->hi) {
            c->result = CHUNK_NO_HEADER;
            return;
        }
        int rc = gal_blocks_guess(p->fd, p->file_size, input, base, at, c->hi, pc, CHUNK_OUT_MAX);
        if (rc != GAL_BLOCKS_FAILED) {
            c->start = at;
            c->end = pc->end;
            c->result = chunk_result(rc);
            return;
        }
    }
}

/* Blocks: when the window before chunk c is known (the chunk before it
 * has passed it on), pass on the window after c, then fill in c's bytes
 * from the window and take its CRC, here rather than on the caller's
 * thread, where they would set the pace.  The chain follows the caller's
 * rules (next_output): a chunk inside output before it is passed over, one
 * that does not begin where that output ended breaks the chain.  before:
 * GAL_WINDOW bytes of the thread's. */
static void pass_chain(gal_gzpar *p, chunk *c, uint8_t *before)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stop && !p->chain_broken && p->chain_k != c->index)
        pthread_cond_wait(&p->chain_cv, &p->mu);
    int mine = !p->stop && !p->chain_broken;
    if (mine && p->chain_end < c->hi) {
        if (c->result == CHUNK_OK && c->start == p->chain_end) {
            memcpy(before, p->chain_window, GAL_WINDOW);
            gal_blocks_window_after(&c->piece, before, p->chain_window);
            p->chain_end = c->end;
        } else {
            p->chain_broken = 1;
            mine = 0;
        }
    } else {
        mine = 0;
    }
    if (!p->chain_broken)
        p->chain_k++;
    pthread_cond_broadcast(&p->chain_cv);
    pthread_mutex_unlock(&p->mu);
    if (!mine)
        return;
    if (gal_blocks_resolve(&c->piece, before) == 0) { /* else the caller tries */
        c->crc = (uint32_t)crc32(0, c->piece.out.data, (uInt)c->piece.out.len);
        c->resolved = 1;
    }
}

static void *decoder_main(void *arg)
{
    gal_gzpar *p = arg;
    prctl(PR_SET_NAME, "galley-gunzip"); /* for top -H and perf --comm */
    uint8_t *inbuf = gal_malloc(READ_BLOCK);
    uint8_t *before = p->blocks ? gal_malloc(GAL_WINDOW) : NULL;
    gal_buf input;
    gal_buf_init(&input);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->taken == p->made)
            pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->stop)
            break;
        chunk *c = &p->ring[p->taken++ % p->nslots];
        pthread_mutex_unlock(&p->mu);
        c->resolved = 0;
        if (inbuf && p->blocks) {
            decode_blocks_chunk(p, c, inbuf, &input);
            if (before)
                pass_chain(p, c, before);
            else
                c->result = CHUNK_FAILED; /* the chain must not wait for it */
        } else if (inbuf)
            decode_members_chunk(p, c, inbuf);
        else
            c->result = CHUNK_FAILED;
        pthread_mutex_lock(&p->mu);
        c->done = 1;
        pthread_cond_broadcast(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    gal_free(inbuf);
    gal_free(before);
    gal_buf_release(&input);
    return NULL;
}

/* Queue chunks while a slot is free (the caller holds the lock). */
static void queue_chunks(gal_gzpar *p)
{
    while (p->made < p->nchunks && p->made < p->freed + p->nslots) {
        chunk *c = &p->ring[p->made % p->nslots];
        c->index = p->made;
        c->lo = p->from + p->made * (uint64_t)p->csize;
        c->hi = c->lo + p->csize < p->size ? c->lo + p->csize : p->size;
        c->done = 0;
        p->made++;
        pthread_cond_signal(&p->work_cv);
    }
}

/* The oldest chunk's slot is free again: queue the next chunks. */
static void free_slot(gal_gzpar *p)
{
    pthread_mutex_lock(&p->mu);
    p->freed++;
    queue_chunks(p);
    pthread_mutex_unlock(&p->mu);
}

/* window: NULL for members, else the 32 KiB before bit `from`. */
static gal_gzpar *start(int fd, uint64_t from, uint64_t file_size, unsigned nthreads,
                        size_t chunk_bytes, const uint8_t *window)
{
    unsigned unit = window ? 8 : 1;
    if (from >= file_size * unit || nthreads == 0 || chunk_bytes < 16)
        return NULL;
    gal_gzpar *p = gal_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fd = fd;
    p->blocks = window != NULL;
    if (window) {
        memcpy(p->window, window, GAL_WINDOW);
        memcpy(p->first_window, window, GAL_WINDOW);
        memcpy(p->chain_window, window, GAL_WINDOW);
    }
    p->chain_end = from;
    p->from = p->v = from;
    p->file_size = file_size;
    p->size = file_size * unit;
    p->csize = (uint64_t)chunk_bytes * unit;
    p->nchunks = (p->size - from + p->csize - 1) / p->csize;
    p->nslots = 2 * nthreads + 1; /* one decoding per thread, as many ready */
    p->ring = gal_calloc(p->nslots, sizeof *p->ring);
    p->threads = gal_calloc(nthreads, sizeof *p->threads);
    p->own_in = gal_malloc(READ_BLOCK);
    if (!p->ring || !p->threads || !p->own_in) {
        gal_free(p->ring);
        gal_free(p->threads);
        gal_free(p->own_in);
        gal_free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    pthread_cond_init(&p->chain_cv, NULL);
    while (p->nthreads < nthreads &&
           pthread_create(&p->threads[p->nthreads], NULL, decoder_main, p) == 0)
        p->nthreads++;
    if (p->nthreads == 0) {
        gal_gzpar_stop(p);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    queue_chunks(p);
    pthread_mutex_unlock(&p->mu);
    return p;
}

gal_gzpar *gal_gzpar_start(int fd, uint64_t from, uint64_t size, unsigned nthreads,
                           size_t chunk_bytes)
{
    return start(fd, from, size, nthreads, chunk_bytes, NULL);
}

gal_gzpar *gal_gzpar_start_blocks(int fd, uint64_t from_bit, uint64_t size, unsigned nthreads,
                                  size_t chunk_bytes, const uint8_t window[GAL_WINDOW])
{
    return start(fd, from_bit, size, nthreads, chunk_bytes, window);
}

/* Blocks: the window after n more bytes of output. */
static void window_push(uint8_t *w, const uint8_t *d, size_t n)
{
    if (n >= GAL_WINDOW) {
        memcpy(w, d + n - GAL_WINDOW, GAL_WINDOW);
    } else {
        memmove(w, w + n, GAL_WINDOW - n);
        memcpy(w + GAL_WINDOW - n, d, n);
    }
}

/* Blocks: output about to be handed out, of CRC-32 crc. */
static void blocks_taken(gal_gzpar *p, const gal_buf *out, uint32_t crc)
{
    p->crc = (uint32_t)crc32_combine(p->crc, crc, (z_off_t)out->len);
    window_push(p->window, out->data, out->len);
}

static uint32_t crc_of(const gal_buf *b)
{
    return (uint32_t)crc32(0, b->data, (uInt)b->len);
}

/* Decode from p->v to the first boundary at or past hi on this thread:
 * 0, or -1 when it does not (then the stream goes on as one decoder). */
static int decode_again(gal_gzpar *p, uint64_t hi, uint64_t *end)
{
    gal_buf_clear(&p->own);
    if (!p->blocks)
        return decode_members(p->fd, p->v, hi, p->file_size, &p->own, end, p->own_in);
    if (gal_blocks_decode(p->fd, p->file_size, p->v, hi, p->window, &p->own, CHUNK_OUT_MAX, end,
                          p->own_in) != GAL_BLOCKS_BOUNDARY)
        return -1; /* damaged, or the member's last block: one decoder finishes it */
    blocks_taken(p, &p->own, crc_of(&p->own));
    return 0;
}

/* The next chunk's output to hand out, from the member boundary p->v: the
 * chunk's own when it starts there, else decoded again here; 0 when none
 * is left or none decodes from v (p->give_up). */
static int next_output(gal_gzpar *p)
{
    while (!p->give_up && p->next < p->nchunks) {
        chunk *c = &p->ring[p->next % p->nslots];
        pthread_mutex_lock(&p->mu);
        while (!c->done)
            pthread_cond_wait(&p->done_cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        p->next++;
        if (p->v >= c->hi) { /* inside members (blocks) handed out already */
            free_slot(p);
            continue;
        }
        if (c->result == CHUNK_LAST && c->start == p->v) {
            free_slot(p); /* the member's last blocks and trailer: one decoder's */
            p->give_up = 1;
            return 0;
        }
        /* blocks the chain did not reach (it broke before them): here */
        int ok = c->result == CHUNK_OK && c->start == p->v &&
                 (!p->blocks || c->resolved || gal_blocks_resolve(&c->piece, p->window) == 0);
        if (ok) {
            gal_buf *out = p->blocks ? &c->piece.out : &c->out;
            if (p->blocks)
                blocks_taken(p, out, c->resolved ? c->crc : crc_of(out));
            p->cur = out;
            p->cur_end = c->end;
            p->cur_in_ring = 1;
        } else {
            /* a start found by chance, or a damaged chunk: from v here */
            uint64_t hi = c->hi, end;
            free_slot(p);
            if (decode_again(p, hi, &end)) {
                p->give_up = 1;
                return 0;
            }
            p->cur = &p->own;
            p->cur_end = end;
            p->cur_in_ring = 0;
        }
        p->at = 0;
        return 1;
    }
    return 0;
}

size_t gal_gzpar_read(gal_gzpar *p, uint8_t *dst, size_t n, uint64_t *boundary)
{
    size_t have = 0;
    while (have < n) {
        if (!p->cur && !next_output(p))
            break;
        size_t k = p->cur->len - p->at;
        if (k > n - have)
            k = n - have;
        memcpy(dst + have, p->cur->data + p->at, k);
        p->at += k;
        have += k;
        if (p->cur_in_ring)
            p->from_threads += k;
        else
            p->redone += k;
        if (p->at == p->cur->len) { /* all of it handed out */
            p->v = p->cur_end;
            if (p->cur_in_ring)
                free_slot(p);
            p->cur = NULL;
        }
    }
    *boundary = p->v;
    return have;
}

void gal_gzpar_blocks_state(const gal_gzpar *p, uint8_t window[GAL_WINDOW], uint32_t *crc)
{
    memcpy(window, p->window, GAL_WINDOW);
    *crc = p->crc;
}

void gal_gzpar_counts(const gal_gzpar *p, uint64_t *from_threads, uint64_t *redone)
{
    *from_threads = p->from_threads;
    *redone = p->redone;
}

void gal_gzpar_stop(gal_gzpar *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_cond_broadcast(&p->chain_cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->chain_cv);
    pthread_cond_destroy(&p->work_cv);
    pthread_mutex_destroy(&p->mu);
    for (unsigned i = 0; i < p->nslots; i++) {
        gal_buf_release(&p->ring[i].out);
        gal_blocks_piece_release(&p->ring[i].piece);
    }
    gal_buf_release(&p->own);
    gal_free(p->ring);
    gal_free(p->threads);
    gal_free(p->own_in);
    gal_free(p);
}
