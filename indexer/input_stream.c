/*
 * input_stream.c — plain, gzip and zstd input behind one read call.
 *
 * Compressed bytes come from the file descriptor into one fixed 1 MiB block
 * (`in`).  zlib and zstd codes are translated here, once, into GAL_EINPUT /
 * GAL_EIO / GAL_ENOMEM with the library's own message kept in the detail.
 *
 * A stream is decoded (or only read) ahead on a thread of its own into a
 * few blocks that the reader takes in turn: decoding and parsing then
 * overlap instead of taking turns on the reader thread (crawls come as
 * .warc.gz of a gzip member per page, which decodes at about 110 MB/s here,
 * as slowly as their HTML is read; plain text costs the kernel's copy).
 * A small file, or one whose thread cannot start, is decoded straight into
 * the caller's buffer as it is asked.  A gzip file of many members can be
 * decoded on several threads besides (gzip_parallel.h).
 */
#include "input_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "alloc.h"
#include "format.h"
#include "gzip_parallel.h"
#include "status.h"

#define IN_BLOCK ((size_t)1 << 20)

/* Blocks decoded ahead: one being read, the rest being filled. */
#define AHEAD_BLOCKS 3
#define AHEAD_BYTES ((size_t)1 << 20)
/* Regular files smaller than these are read (or decoded) on demand, on the
 * reader's thread: a thread and its blocks cost more than they save there
 * (20,000 text files of a document each: 0.9 s on demand, 2.2 s ahead; 5,000
 * of them gzipped: 0.68 s ahead).  A compressed file is worth it sooner, its
 * decoding costing more than the plain file's copy. */
#define AHEAD_MIN_PLAIN ((off_t)4 << 20)
#define AHEAD_MIN_COMPRESSED ((off_t)64 << 10)

static int ahead_always;
void gal_istream_ahead_always(int on) { ahead_always = on; }

/* A gzip file of many members is decoded on several threads
 * (gzip_parallel.h) when its first member ends within FIRST_MEMBER_MAX
 * bytes (a .warc.gz's first record; a file of one member never does) and
 * it holds at least four jobs of gzpar_chunk compressed bytes. */
#define FIRST_MEMBER_MAX ((uint64_t)1 << 20)
static size_t gzpar_chunk = (size_t)2 << 20;
/* A member that has taken half a job of compressed bytes (a .jsonl.gz of
 * one member) has the rest of its blocks decoded on the threads, when what
 * is left of the file holds at least four jobs. */
static int gzpar_chunk_set; /* by the caller: GALLEY_GZIP_CHUNK is not read */
void gal_istream_gzip_chunk(size_t bytes)
{
    gzpar_chunk = bytes;
    gzpar_chunk_set = 1;
}

/* GALLEY_GZIP_CHUNK, bytes of a job (at least 1024), so that a test can put
 * a small file on the threads; anything else is ignored. */
static void gzip_chunk_from_env(void)
{
    const char *env = getenv("GALLEY_GZIP_CHUNK");
    if (gzpar_chunk_set || !env || !*env)
        return;
    char *end;
    unsigned long v = strtoul(env, &end, 10);
    if (!*end && v >= 1024 && v <= ((unsigned long)1 << 30))
        gzpar_chunk = (size_t)v;
}

typedef struct ahead_block {
    uint8_t *data;
    size_t len;
    int rc;          /* the decoder's status after this block (its detail in err) */
    int last;        /* nothing follows: the stream ended, or failed */
} ahead_block;

struct gal_istream {
    int fd;
    int own_fd;
    char *name;           /* for messages */
    gal_compression comp;
    uint8_t *in;          /* compressed (or raw) input block */
    size_t in_pos, in_len;
    int in_eof;
    int failed;           /* sticky status after an error */
    int done;             /* clean end reached */
    uint64_t in_total, out_total;
    /* gzip */
    z_stream z;
    int z_ready;
    int z_between;        /* 1 before the first member and after each one */
    unsigned gz_threads;  /* > 1: a file of many members on this many threads */
    int gz_first_done;    /* the first member has ended */
    gal_gzpar *par;       /* members being decoded on threads, from in_total */
    uint64_t par_bytes, par_redone; /* what they handed out (gal_gzpar_counts) */
    uint64_t file_size;   /* a regular file's size, else 0 */
    uint64_t member_in;   /* where the member being decoded began, in the file */
    int member_tried;     /* its blocks were put on the threads (or could not be) */
    int par_blocks;       /* par decodes the member's blocks */
    int gz_raw;           /* the member's rest after the threads: raw deflate, and
                             its trailer checked here */
    uint32_t member_crc;  /* CRC-32 and length of the member's output before */
    uint64_t member_len;  /* the threads, and since, in the raw rest */
    /* zstd */
    ZSTD_DCtx *zd;
    size_t zd_last;       /* last ZSTD_decompressStream() hint; 0 = frame done */
    /* decoding ahead: the thread fills ring[(head + k) % AHEAD_BLOCKS] for
     * k < AHEAD_BLOCKS - filled, the reader reads ring[head] from at */
    int ahead;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ahead_block ring[AHEAD_BLOCKS];
    unsigned head, filled;
    size_t at;
    int stop;             /* the reader closed the stream */
    char *err;            /* the decoder's error detail, for the reader's thread */
    int read_failed;      /* sticky status on the reader's side */
    int read_done;        /* the reader took the last block whole */
    uint64_t handed;      /* bytes the reader took */
};

static int start_ahead(gal_istream *s);

static int fail(gal_istream *s, int status)
{
    s->failed = status;
    return status;
}

/* One read() of up to room bytes into dst; *got 0 at the end of the file.
 * The decoder thread may be cancelled here, and only here: a pipe that
 * stalls (standard input) must not hold the stream's close. */
static int read_fd(gal_istream *s, uint8_t *dst, size_t room, size_t *got)
{
    for (;;) {
        int was;
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &was);
        ssize_t r = read(s->fd, dst, room);
        pthread_setcancelstate(was, NULL);
        if (r >= 0) {
            *got = (size_t)r;
            s->in_eof = r == 0;
            __atomic_add_fetch(&s->in_total, (uint64_t)r, __ATOMIC_RELAXED);
            return 0;
        }
        if (errno != EINTR)
            return fail(s, gal_error_set(GAL_EIO, "%s: read failed at offset %llu: %s",
                                         s->name, (unsigned long long)s->in_total,
                                         strerror(errno)));
    }
}

/* Top up the input block: move what is left to the front and read until it
 * holds at least `least` bytes, or is full, or the file ends.  A file gives
 * a full block at each read; a pipe what its writer has written so far,
 * which is decoded at once instead of waiting for the block to fill (a
 * writer that pauses must not hold back what it sent before). */
static int refill(gal_istream *s, size_t least)
{
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    while (!s->in_eof && s->in_len < least && s->in_len < IN_BLOCK) {
        size_t got;
        int rc = read_fd(s, s->in + s->in_len, IN_BLOCK - s->in_len, &got);
        if (rc)
            return rc;
        s->in_len += got;
    }
    return 0;
}

/* A regular file too small to be read ahead on a thread. */
static int small_file(const gal_istream *s)
{
    struct stat sb;
    off_t least = s->comp == GAL_COMPRESSION_NONE ? AHEAD_MIN_PLAIN : AHEAD_MIN_COMPRESSED;
    return !ahead_always && fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size < least;
}

int gal_istream_open(const char *path, gal_istream **out)
{
    return gal_istream_open_threads(path, 1, out);
}

int gal_istream_open_threads(const char *path, unsigned gzip_threads, gal_istream **out)
{
    int rc;
    gal_istream *s = gal_calloc(1, sizeof *s);
    if (!s)
        return gal_error_set(GAL_ENOMEM, "out of memory opening '%s'", path);
    s->fd = -1;
    int is_stdin = strcmp(path, "-") == 0;
    s->name = gal_strndup(is_stdin ? "<stdin>" : path, strlen(is_stdin ? "<stdin>" : path));
    s->in = gal_malloc(IN_BLOCK);
    if (!s->name || !s->in) {
        rc = gal_error_set(GAL_ENOMEM, "out of memory opening '%s'", path);
        goto fail;
    }
    if (is_stdin) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            rc = gal_error_set(errno == ENOENT ? GAL_ENOTFOUND : GAL_EIO,
                               "cannot open '%s': %s", path, strerror(errno));
            goto fail;
        }
        s->own_fd = 1;
    }
    rc = refill(s, 4); /* the longest magic number looked for */
    if (rc)
        goto fail;

    if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
        s->comp = GAL_COMPRESSION_GZIP;
        if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
            rc = gal_error_set(GAL_ENOMEM, "%s: cannot start gzip decoder", s->name);
            goto fail;
        }
        s->z_ready = 1;
        s->z_between = 1;
        s->gz_threads = gzip_threads;
        gzip_chunk_from_env();
        struct stat sb;
        if (s->own_fd && fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode))
            s->file_size = (uint64_t)sb.st_size;
    } else if (s->in_len >= 4 && s->in[0] == 0x28 && s->in[1] == 0xb5 && s->in[2] == 0x2f &&
               s->in[3] == 0xfd) {
        s->comp = GAL_COMPRESSION_ZSTD;
        s->zd = ZSTD_createDCtx();
        if (!s->zd) {
            rc = gal_error_set(GAL_ENOMEM, "%s: cannot start zstd decoder", s->name);
            goto fail;
        }
    }
    /* plain text too: the kernel's copy out of the page cache was half
     * the reader thread's time, and the reader alone sets the pace once
     * several shards share the writing (bench/README.md) */
    if (!small_file(s))
        start_ahead(s);
    *out = s;
    return 0;
fail:
    gal_istream_close(s);
    return rc;
}

static int read_plain(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    size_t have = 0;
    while (have < n) {
        if (s->in_pos == s->in_len) {
            if (s->in_eof)
                break;
            s->in_pos = s->in_len = 0;
            int rc;
            size_t k;
            if (n - have >= IN_BLOCK) { /* a block or more: no copy through `in` */
                if ((rc = read_fd(s, dst + have, n - have, &k)))
                    return rc;
                have += k;
            } else if ((rc = refill(s, 1))) {
                return rc;
            }
            continue;
        }
        size_t k = s->in_len - s->in_pos;
        if (k > n - have)
            k = n - have;
        memcpy(dst + have, s->in + s->in_pos, k);
        s->in_pos += k;
        have += k;
    }
    *got = have;
    return 0;
}

/* Compressed bytes taken by the decoder so far. */
static uint64_t taken(const gal_istream *s)
{
    return s->in_total - (s->in_len - s->in_pos);
}

/* The first member has ended at compressed offset `at`: decode the rest on
 * threads if the file looks like many members (gzip_parallel.h). */
static void consider_threads(gal_istream *s, uint64_t at)
{
    s->gz_first_done = 1;
    if (s->gz_threads < 2 || !s->file_size || at > FIRST_MEMBER_MAX ||
        s->file_size < 4 * (uint64_t)gzpar_chunk || at >= s->file_size)
        return;
    s->par = gal_gzpar_start(s->fd, at, s->file_size, s->gz_threads, gzpar_chunk);
    if (s->par)
        s->in_pos = s->in_len; /* the threads read the file at offsets of their own */
}

/* A long member's decoder stands between two blocks: decode the rest of
 * its blocks on threads, from here (gzip_parallel.h). */
static void consider_blocks(gal_istream *s)
{
    uint8_t window[GAL_WINDOW];
    uInt wlen = GAL_WINDOW;
    uint64_t at = taken(s);
    s->member_tried = 1;
    if (s->file_size - at < 4 * (uint64_t)gzpar_chunk ||
        inflateGetDictionary(&s->z, window, &wlen) != Z_OK || wlen != GAL_WINDOW)
        return;
    uint64_t bit = at * 8 - (uint64_t)(s->z.data_type & 63); /* bits zlib holds */
    s->par = gal_gzpar_start_blocks(s->fd, bit, s->file_size, s->gz_threads, gzpar_chunk, window);
    if (!s->par)
        return;
    s->par_blocks = 1;
    s->member_crc = (uint32_t)s->z.adler;
    s->member_len = s->z.total_out;
    s->in_pos = s->in_len;
}

/* After the threads, the member's rest from bit `at` as raw deflate with
 * the window they left, the CRC-32 and length carried on by hand. */
static int start_raw_rest(gal_istream *s, uint64_t at, uint64_t handed)
{
    uint8_t window[GAL_WINDOW];
    uint32_t crc;
    gal_gzpar_blocks_state(s->par, window, &crc);
    s->member_crc = (uint32_t)crc32_combine(s->member_crc, crc, (z_off_t)handed);
    s->member_len += handed;
    s->par_blocks = 0;
    s->gz_raw = 1;
    if (inflateReset2(&s->z, -MAX_WBITS) != Z_OK ||
        inflateSetDictionary(&s->z, window, GAL_WINDOW) != Z_OK)
        return fail(s, gal_error_set(GAL_EINPUT, "%s: gzip decoder reset failed", s->name));
    int rc = refill(s, 1);
    if (rc)
        return rc;
    unsigned used = (unsigned)(at & 7); /* bits of the first byte before the block */
    if (used && s->in_len) {
        if (inflatePrime(&s->z, (int)(8 - used), s->in[0] >> used) != Z_OK)
            return fail(s, gal_error_set(GAL_EINPUT, "%s: gzip decoder reset failed", s->name));
        s->in_pos = 1;
    }
    return 0;
}

/* Take decoded bytes from the threads; when they have no more that is
 * sure, go on as one stream from the member (block) boundary they reached. */
static int read_gzip_threads(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    uint64_t resume;
    *got = gal_gzpar_read(s->par, dst, n, &resume);
    uint64_t at = s->par_blocks ? resume / 8 : resume; /* the byte it is in */
    __atomic_store_n(&s->in_total, at, __ATOMIC_RELAXED);
    s->out_total += *got;
    if (*got)
        return 0;
    uint64_t bytes, redone;
    gal_gzpar_counts(s->par, &bytes, &redone);
    int rc = 0;
    if (lseek(s->fd, (off_t)at, SEEK_SET) < 0)
        rc = fail(s, gal_error_set(GAL_EIO, "%s: seek failed at offset %llu: %s", s->name,
                                   (unsigned long long)at, strerror(errno)));
    s->in_pos = s->in_len = 0;
    s->in_eof = 0;
    if (!rc && s->par_blocks)
        rc = start_raw_rest(s, resume, bytes + redone);
    else
        s->z_between = 1;
    gal_gzpar_stop(s->par);
    s->par = NULL;
    s->par_bytes += bytes;
    s->par_redone += redone;
    return rc;
}

/* The two ways a compressed stream is damaged, in the one wording every
 * decoder (one thread or several) gives: the file ends inside a unit
 * (gzip "member", zstd "frame"), at byte `at`; or its bytes are wrong near
 * `at`.  Both count the bytes decoded before. */
static int truncated(gal_istream *s, const char *codec, const char *unit, uint64_t at)
{
    return fail(s, gal_error_set(GAL_EINPUT,
                                 "%s: truncated %s stream: the file ends inside a %s, at byte "
                                 "%llu (%llu bytes decoded)",
                                 s->name, codec, unit, (unsigned long long)at,
                                 (unsigned long long)s->out_total));
}

static int corrupt(gal_istream *s, const char *codec, uint64_t at, const char *why)
{
    return fail(s, gal_error_set(GAL_EINPUT,
                                 "%s: corrupt %s stream near byte %llu of the file, %llu bytes "
                                 "decoded (%s)",
                                 s->name, codec, (unsigned long long)at,
                                 (unsigned long long)s->out_total, why));
}

/* The raw rest of a member has ended at its last block: check the gzip
 * trailer after it as zlib would, and go on to the next member. */
static int end_raw_member(gal_istream *s)
{
    uint64_t end_bit = taken(s) * 8 - (uint64_t)(s->z.data_type & 63);
    uint64_t past = taken(s) - (end_bit + 7) / 8; /* bytes zlib took after the block */
    if (past > s->in_pos)
        return fail(s, gal_error_set(GAL_EINPUT, "%s: gzip decoder lost its place at offset %llu",
                                     s->name, (unsigned long long)s->out_total));
    s->in_pos -= (size_t)past;
    int rc = refill(s, 8);
    if (rc)
        return rc;
    /* zlib's order: the CRC once its four bytes are there, then the length */
    const uint8_t *t = s->in + s->in_pos;
    size_t have = s->in_len - s->in_pos;
    uint32_t crc = have < 4 ? 0 : gal_get_le32(t), len = have < 8 ? 0 : gal_get_le32(t + 4);
    const char *wrong = have < 4                            ? NULL
                        : crc != s->member_crc              ? "incorrect data check"
                        : have < 8                          ? NULL
                        : len != (uint32_t)s->member_len    ? "incorrect length check"
                                                            : "";
    /* the places zlib would name: the file's end, or just past the
     * trailer's field that is wrong */
    if (!wrong)
        return truncated(s, "gzip", "member", taken(s) + have);
    if (*wrong)
        return corrupt(s, "gzip", taken(s) + (crc != s->member_crc ? 4 : 8), wrong);
    s->in_pos += 8;
    s->gz_raw = 0;
    s->z_between = 1;
    if (inflateReset2(&s->z, 16 + MAX_WBITS) != Z_OK)
        return fail(s, gal_error_set(GAL_EINPUT, "%s: gzip decoder reset failed", s->name));
    return 0;
}

static int read_gzip(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    z_stream *z = &s->z;
    size_t have = 0;
    *got = 0; /* kept up to date: what came before a damage is still handed on */
    while (have < n) {
        if (s->par) {
            size_t k;
            int rc = read_gzip_threads(s, dst + have, n - have, &k);
            if (rc)
                return rc;
            have += k;
            *got = have;
            continue;
        }
        if (s->in_pos == s->in_len && !s->in_eof) {
            int rc = refill(s, 1);
            if (rc)
                return rc;
        }
        if (s->z_between) {
            /* zeros after a member (a file padded to a block size) are
             * no member: gzip passes over them, and so does this */
            while (s->in_pos < s->in_len && s->in[s->in_pos] == 0) {
                int rc = ++s->in_pos == s->in_len && !s->in_eof ? refill(s, 1) : 0;
                if (rc)
                    return rc;
            }
            if (s->in_pos == s->in_len && s->in_eof)
                break; /* clean end after the last member */
            if (inflateReset(z) != Z_OK)
                return fail(s, gal_error_set(GAL_EINPUT, "%s: gzip decoder reset failed",
                                             s->name));
            s->z_between = 0;
            s->member_in = taken(s);
            s->member_tried = 0;
        }
        /* a long member stops between blocks, to be put on the threads */
        int to_blocks = !s->gz_raw && !s->member_tried && s->gz_threads > 1 && s->file_size &&
                        taken(s) - s->member_in > gzpar_chunk / 2;
        z->next_in = s->in + s->in_pos;
        z->avail_in = (uInt)(s->in_len - s->in_pos);
        z->next_out = dst + have;
        size_t room = n - have;
        z->avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        uInt before_out = z->avail_out;
        int zr = inflate(z, to_blocks || s->gz_raw ? Z_BLOCK : Z_NO_FLUSH);
        size_t made = before_out - z->avail_out;
        s->in_pos = s->in_len - z->avail_in;
        if (s->gz_raw) {
            s->member_crc = (uint32_t)crc32(s->member_crc, dst + have, (uInt)made);
            s->member_len += made;
        }
        have += made;
        *got = have;
        s->out_total += made;
        if ((zr == Z_OK || zr == Z_BUF_ERROR) && (z->data_type & 128)) {
            int rc = 0;
            if (s->gz_raw && (z->data_type & 64))
                rc = end_raw_member(s);
            else if (to_blocks && !(z->data_type & 64))
                consider_blocks(s);
            if (rc)
                return rc;
            if (s->par || s->z_between)
                continue;
        }
        if (zr == Z_STREAM_END) {
            s->z_between = 1;
            if (!s->gz_first_done)
                consider_threads(s, taken(s));
        } else if (zr == Z_OK) {
            continue;
        } else if (zr == Z_BUF_ERROR) {
            if (s->in_pos == s->in_len && s->in_eof)
                return truncated(s, "gzip", "member", taken(s));
        } else if (zr == Z_MEM_ERROR) {
            return fail(s, gal_error_set(GAL_ENOMEM, "%s: out of memory in the gzip decoder",
                                         s->name));
        } else {
            return corrupt(s, "gzip", taken(s), z->msg ? z->msg : "Z_DATA_ERROR");
        }
    }
    *got = have;
    return 0;
}

static int read_zstd(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    ZSTD_outBuffer out = {dst, n, 0};
    *got = 0;
    while (out.pos < n) {
        if (s->in_pos == s->in_len && !s->in_eof) {
            int rc = refill(s, 1);
            if (rc)
                return rc;
        }
        int at_end = s->in_pos == s->in_len && s->in_eof;
        if (at_end && s->zd_last == 0)
            break; /* every frame complete */
        ZSTD_inBuffer in = {s->in, s->in_len, s->in_pos};
        size_t before = out.pos;
        size_t r = ZSTD_decompressStream(s->zd, &out, &in);
        s->in_pos = in.pos;
        s->out_total += out.pos - before;
        *got = out.pos; /* what came before a damage is still handed on */
        if (ZSTD_isError(r)) {
            ZSTD_ErrorCode code = ZSTD_getErrorCode(r);
            if (code == ZSTD_error_memory_allocation)
                return fail(s, gal_error_set(GAL_ENOMEM, "%s: out of memory in the zstd decoder",
                                             s->name));
            return corrupt(s, "zstd", taken(s), ZSTD_getErrorName(r));
        }
        s->zd_last = r;
        if (at_end && r != 0 && out.pos == before)
            return truncated(s, "zstd", "frame", taken(s));
    }
    *got = out.pos;
    return 0;
}

/* Decode n bytes (fewer only at the end) into dst, on whichever thread. */
static int decode(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    if (s->failed)
        return s->failed;
    if (s->done || n == 0) {
        *got = 0;
        return 0;
    }
    size_t have = 0;
    int rc;
    switch (s->comp) {
    case GAL_COMPRESSION_GZIP: rc = read_gzip(s, dst, n, &have); break;
    case GAL_COMPRESSION_ZSTD: rc = read_zstd(s, dst, n, &have); break;
    default:
        rc = read_plain(s, dst, n, &have);
        s->out_total += have;
        break;
    }
    if (rc) {
        /* the bytes decoded before the damage first, as the last of the
         * stream (their complete records are read); the error after them
         * is gal_istream_end_status's */
        s->failed = rc;
        *got = have;
        if (!have)
            return rc;
        if (!s->err)
            s->err = gal_strndup(gal_error_detail(rc), strlen(gal_error_detail(rc)));
        s->done = 1;
        return 0;
    }
    if (have < n)
        s->done = 1;
    *got = have;
    return 0;
}

static void *decode_ahead(void *arg)
{
    gal_istream *s = arg;
    /* cancelled only inside read() (refill): never while holding the mutex
     * or in the middle of a block */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->stop && s->filled == AHEAD_BLOCKS)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->stop) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        ahead_block *b = &s->ring[(s->head + s->filled) % AHEAD_BLOCKS];
        pthread_mutex_unlock(&s->mu);
        size_t got = 0;
        b->rc = decode(s, b->data, AHEAD_BYTES, &got);
        b->len = b->rc ? 0 : got;
        b->last = b->rc || got < AHEAD_BYTES;
        if (b->rc)
            s->err = gal_strndup(gal_error_detail(b->rc), strlen(gal_error_detail(b->rc)));
        pthread_mutex_lock(&s->mu);
        s->filled++;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (b->last)
            return NULL;
    }
}

/* Start decoding ahead; 0 when the thread cannot start (then the stream is
 * decoded on demand, as before). */
static int start_ahead(gal_istream *s)
{
    for (int k = 0; k < AHEAD_BLOCKS; k++)
        if (!(s->ring[k].data = gal_malloc(AHEAD_BYTES)))
            return 0;
    if (pthread_mutex_init(&s->mu, NULL))
        return 0;
    if (pthread_cond_init(&s->cv, NULL)) {
        pthread_mutex_destroy(&s->mu);
        return 0;
    }
    if (pthread_create(&s->thread, NULL, decode_ahead, s)) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        return 0;
    }
    s->ahead = 1;
    return 1;
}

/* The reader's side of decoding ahead: copy from the blocks as they come. */
static int read_ahead(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    size_t have = 0;
    while (have < n) {
        pthread_mutex_lock(&s->mu);
        while (s->filled == 0)
            pthread_cond_wait(&s->cv, &s->mu);
        ahead_block *b = &s->ring[s->head];
        pthread_mutex_unlock(&s->mu);
        if (b->rc) { /* the detail was set on the decoder's thread */
            s->read_failed = gal_error_set(b->rc, "%s", s->err ? s->err : gal_strerror(b->rc));
            return s->read_failed;
        }
        size_t k = b->len - s->at < n - have ? b->len - s->at : n - have;
        memcpy(dst + have, b->data + s->at, k);
        s->at += k;
        have += k;
        if (s->at < b->len)
            continue;
        if (b->last) {
            s->read_done = 1;
            break;
        }
        pthread_mutex_lock(&s->mu); /* the block is read: back to the decoder */
        s->head = (s->head + 1) % AHEAD_BLOCKS;
        s->filled--;
        s->at = 0;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    s->handed += have;
    *got = have;
    return 0;
}

int gal_istream_read(gal_istream *s, void *dst, size_t n, size_t *got)
{
    if (!s->ahead)
        return decode(s, dst, n, got);
    if (s->read_failed)
        return s->read_failed;
    if (n == 0 || s->read_done) {
        *got = 0;
        return 0;
    }
    return read_ahead(s, dst, n, got);
}

int gal_istream_plain_file(const gal_istream *s, uint64_t *size)
{
    struct stat sb;
    /* standard input may be a file read from elsewhere than its start */
    if (!s->own_fd || s->comp != GAL_COMPRESSION_NONE || fstat(s->fd, &sb) != 0 ||
        !S_ISREG(sb.st_mode))
        return -1;
    *size = (uint64_t)sb.st_size;
    return s->fd;
}

int gal_istream_end_status(const gal_istream *s)
{
    /* the decoder's thread, if any, has handed on its last block, and
     * wrote these before it did */
    if (!s->failed)
        return 0;
    return gal_error_set(s->failed, "%s", s->err ? s->err : gal_strerror(s->failed));
}

gal_compression gal_istream_compression(const gal_istream *s) { return s->comp; }
uint64_t gal_istream_in_bytes(const gal_istream *s)
{
    return __atomic_load_n(&s->in_total, __ATOMIC_RELAXED); /* the decoder may be adding */
}
uint64_t gal_istream_out_bytes(const gal_istream *s) { return s->ahead ? s->handed : s->out_total; }
const char *gal_istream_name(const gal_istream *s) { return s->name; }
uint64_t gal_istream_gzip_threaded(const gal_istream *s, uint64_t *redone)
{
    *redone = s->par_redone;
    return s->par_bytes;
}

void gal_istream_close(gal_istream *s)
{
    if (!s)
        return;
    if (s->ahead) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        /* a decoder waiting in read() for more of a pipe leaves at once; one
         * decoding leaves at its next read or when it sees stop */
        pthread_cancel(s->thread);
        pthread_join(s->thread, NULL);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    gal_gzpar_stop(s->par);
    for (int k = 0; k < AHEAD_BLOCKS; k++)
        gal_free(s->ring[k].data);
    gal_free(s->err);
    if (s->z_ready)
        inflateEnd(&s->z);
    ZSTD_freeDCtx(s->zd);
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    gal_free(s->in);
    gal_free(s->name);
    gal_free(s);
}
