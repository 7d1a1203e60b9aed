/*
 * input_stream.c — plain, gzip and zstd input behind one read call.
 *
 * Compressed bytes come from the file descriptor into one fixed 1 MiB block
 * (`in`); the decoder writes straight into the caller's buffer.  zlib and
 * zstd codes are translated here, once, into GAL_EINPUT / GAL_EIO / GAL_ENOMEM
 * with the library's own message kept in the detail.
 */
#include "input_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "alloc.h"
#include "status.h"

#define IN_BLOCK ((size_t)1 << 20)

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
    /* zstd */
    ZSTD_DCtx *zd;
    size_t zd_last;       /* last ZSTD_decompressStream() hint; 0 = frame done */
};

static int fail(gal_istream *s, int status)
{
    s->failed = status;
    return status;
}

/* Top up the input block: move what is left to the front and read until it
 * is full or the file ends. */
static int refill(gal_istream *s)
{
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    while (!s->in_eof && s->in_len < IN_BLOCK) {
        ssize_t r = read(s->fd, s->in + s->in_len, IN_BLOCK - s->in_len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return fail(s, gal_error_set(GAL_EIO, "%s: read failed at offset %llu: %s",
                                         s->name, (unsigned long long)s->in_total,
                                         strerror(errno)));
        }
        if (r == 0) {
            s->in_eof = 1;
            break;
        }
        s->in_len += (size_t)r;
        s->in_total += (uint64_t)r;
    }
    return 0;
}

int gal_istream_open(const char *path, gal_istream **out)
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
    rc = refill(s);
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
    } else if (s->in_len >= 4 && s->in[0] == 0x28 && s->in[1] == 0xb5 && s->in[2] == 0x2f &&
               s->in[3] == 0xfd) {
        s->comp = GAL_COMPRESSION_ZSTD;
        s->zd = ZSTD_createDCtx();
        if (!s->zd) {
            rc = gal_error_set(GAL_ENOMEM, "%s: cannot start zstd decoder", s->name);
            goto fail;
        }
    }
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
            int rc = refill(s);
            if (rc)
                return rc;
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

static int read_gzip(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    z_stream *z = &s->z;
    size_t have = 0;
    while (have < n) {
        if (s->in_pos == s->in_len && !s->in_eof) {
            int rc = refill(s);
            if (rc)
                return rc;
        }
        if (s->z_between) {
            if (s->in_pos == s->in_len && s->in_eof)
                break; /* clean end after the last member */
            if (inflateReset(z) != Z_OK)
                return fail(s, gal_error_set(GAL_EINPUT, "%s: gzip decoder reset failed",
                                             s->name));
            s->z_between = 0;
        }
        z->next_in = s->in + s->in_pos;
        z->avail_in = (uInt)(s->in_len - s->in_pos);
        z->next_out = dst + have;
        size_t room = n - have;
        z->avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        uInt before_out = z->avail_out;
        int zr = inflate(z, Z_NO_FLUSH);
        size_t made = before_out - z->avail_out;
        s->in_pos = s->in_len - z->avail_in;
        have += made;
        s->out_total += made;
        if (zr == Z_STREAM_END) {
            s->z_between = 1;
        } else if (zr == Z_OK) {
            continue;
        } else if (zr == Z_BUF_ERROR) {
            if (s->in_pos == s->in_len && s->in_eof)
                return fail(s, gal_error_set(GAL_EINPUT,
                                             "%s: truncated gzip stream at offset %llu",
                                             s->name, (unsigned long long)s->out_total));
        } else if (zr == Z_MEM_ERROR) {
            return fail(s, gal_error_set(GAL_ENOMEM, "%s: out of memory in the gzip decoder",
                                         s->name));
        } else {
            return fail(s, gal_error_set(GAL_EINPUT,
                                         "%s: corrupt gzip stream at offset %llu (%s)", s->name,
                                         (unsigned long long)s->out_total,
                                         z->msg ? z->msg : "Z_DATA_ERROR"));
        }
    }
    *got = have;
    return 0;
}

static int read_zstd(gal_istream *s, uint8_t *dst, size_t n, size_t *got)
{
    ZSTD_outBuffer out = {dst, n, 0};
    while (out.pos < n) {
        if (s->in_pos == s->in_len && !s->in_eof) {
            int rc = refill(s);
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
        if (ZSTD_isError(r)) {
            ZSTD_ErrorCode code = ZSTD_getErrorCode(r);
            if (code == ZSTD_error_memory_allocation)
                return fail(s, gal_error_set(GAL_ENOMEM, "%s: out of memory in the zstd decoder",
                                             s->name));
            return fail(s, gal_error_set(GAL_EINPUT,
                                         "%s: corrupt zstd stream at offset %llu (%s)", s->name,
                                         (unsigned long long)s->out_total, ZSTD_getErrorName(r)));
        }
        s->zd_last = r;
        if (at_end && r != 0 && out.pos == before)
            return fail(s, gal_error_set(GAL_EINPUT, "%s: truncated zstd stream at offset %llu",
                                         s->name, (unsigned long long)s->out_total));
    }
    *got = out.pos;
    return 0;
}

int gal_istream_read(gal_istream *s, void *dst, size_t n, size_t *got)
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
    if (rc)
        return rc;
    if (have < n)
        s->done = 1;
    *got = have;
    return 0;
}

gal_compression gal_istream_compression(const gal_istream *s) { return s->comp; }
uint64_t gal_istream_in_bytes(const gal_istream *s) { return s->in_total; }
uint64_t gal_istream_out_bytes(const gal_istream *s) { return s->out_total; }
const char *gal_istream_name(const gal_istream *s) { return s->name; }

void gal_istream_close(gal_istream *s)
{
    if (!s)
        return;
    if (s->z_ready)
        inflateEnd(&s->z);
    ZSTD_freeDCtx(s->zd);
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    gal_free(s->in);
    gal_free(s->name);
    gal_free(s);
}
