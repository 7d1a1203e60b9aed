/*
 * test_gzip_parallel.c — a gzip file of many members decoded on threads
 * (indexer/gzip_parallel.c) gives what one decoder gives: the same bytes,
 * and the same error after the same bytes, for clean files, files whose
 * members hold bytes that look like member headers (and whole members
 * stored inside other members), files cut short, corrupt or followed by
 * garbage, and a file of one member, which is never decoded on threads.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "input_stream.h"
#include "status.h"

static char dir[] = "/tmp/galley-gzpar-XXXXXX";

/* data[0, n) as one gzip member at level (0: stored blocks), appended. */
static void add_member(gal_buf *out, const void *data, size_t n, int level)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    size_t bound = deflateBound(&z, (uLong)n) + 64;
    CHECK(gal_buf_reserve(out, bound) == 0);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = out->data + out->len;
    z.avail_out = (uInt)bound;
    CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out->len += bound - z.avail_out;
    deflateEnd(&z);
}

typedef struct decoded {
    int rc;
    char detail[512];
    gal_buf bytes;
    uint64_t in_bytes;
    uint64_t threaded, redone; /* bytes decoded on the threads, and again on the caller's */
    uint64_t out_len;          /* bytes read in all */
} decoded;

static decoded decode_file(const char *path, unsigned threads, size_t read_size)
{
    decoded d;
    memset(&d, 0, sizeof d);
    gal_istream *s;
    d.rc = gal_istream_open_threads(path, threads, &s);
    if (d.rc)
        return d;
    uint8_t *buf = malloc(read_size);
    for (;;) {
        size_t got = 0;
        d.rc = gal_istream_read(s, buf, read_size, &got);
        if (d.rc) {
            snprintf(d.detail, sizeof d.detail, "%s", gal_error_detail(d.rc));
            break;
        }
        gal_buf_append(&d.bytes, buf, got);
        if (got < read_size)
            break;
    }
    d.in_bytes = gal_istream_in_bytes(s);
    d.threaded = gal_istream_gzip_threaded(s, &d.redone);
    d.out_len = d.bytes.len;
    gal_istream_close(s);
    free(buf);
    return d;
}

/* One decoder and several give the same; *b_out: the threaded decode. */
static void check_same(const char *name, const gal_buf *file, unsigned threads, decoded *b_out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(file->data, 1, file->len, f);
    fclose(f);
    decoded a = decode_file(path, 1, 100000);
    decoded b = decode_file(path, threads, 100000);
    int same = a.rc == b.rc && strcmp(a.detail, b.detail) == 0 && a.bytes.len == b.bytes.len &&
               (a.bytes.len == 0 || memcmp(a.bytes.data, b.bytes.data, a.bytes.len) == 0) &&
               (a.rc || a.in_bytes == b.in_bytes);
    if (!same)
        fprintf(stderr, "  %s, %u threads: rc %d/%d, %zu/%zu bytes, in %llu/%llu\n    [%s]\n    [%s]\n",
                name, threads, a.rc, b.rc, a.bytes.len, b.bytes.len,
                (unsigned long long)a.in_bytes, (unsigned long long)b.in_bytes, a.detail, b.detail);
    CHECK(same);
    CHECK(!a.threaded && !a.redone);
    gal_buf_release(&a.bytes);
    gal_buf_release(&b.bytes);
    *b_out = b;
}

/* Text of record i, of varying length. */
static size_t record_text(size_t i, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "WARC/1.0\r\nrecord %zu\r\n\r\n", i);
    size_t words = 20 + (i * 37) % 400;
    for (size_t w = 0; w < words && n + 32 < cap; w++)
        n += (size_t)snprintf(out + n, cap - n, "word%zu ", (i * 7919 + w * 104729) % 5000);
    return n;
}

/* A crawl of nrecords members; with traps, some members stored (level 0)
 * holding bytes that look like member headers, or whole members.  *first:
 * the first member's decoded size. */
static void make_crawl(gal_buf *file, size_t nrecords, int traps, size_t *first)
{
    char text[8192];
    /* a member longer than a job, so that a job that begins at it ends
     * inside it and looks whole */
    gal_buf fake;
    gal_buf_init(&fake);
    char inner[3000];
    for (size_t k = 0; k < sizeof inner; k++)
        inner[k] = (char)('a' + k % 23);
    add_member(&fake, inner, sizeof inner, 0);
    for (size_t i = 0; i < nrecords; i++) {
        size_t n = record_text(i, text, sizeof text - 3200);
        if (i == 0)
            *first = n;
        if (traps && i % 5 == 2) {
            /* in stored bytes, a whole member, and a header alone */
            static const uint8_t head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
            memcpy(text + n, fake.data, fake.len);
            n += fake.len;
            memcpy(text + n, head, sizeof head);
            n += sizeof head;
            add_member(file, text, n, 0);
        } else {
            add_member(file, text, n, 1 + (int)(i % 9));
        }
    }
    gal_buf_release(&fake);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    gal_istream_gzip_chunk(1024); /* many jobs in small files */
    decoded b;
    uint64_t redone_with_traps = 0;
    for (int traps = 0; traps < 2; traps++) {
        gal_buf crawl;
        gal_buf_init(&crawl);
        size_t first = 0;
        make_crawl(&crawl, 3000, traps, &first);
        const char *name = traps ? "traps.warc.gz" : "crawl.warc.gz";
        for (unsigned t = 2; t <= 4; t++) {
            check_same(name, &crawl, t, &b);
            /* all but the first member came through the threads; without
             * traps, every chunk from the thread that decoded it */
            CHECK_EQ_U64(b.threaded + b.redone + first, b.out_len);
            if (!traps)
                CHECK_EQ_U64(b.redone, 0);
            else
                redone_with_traps += b.redone;
            CHECK(b.threaded > b.out_len / 2);
        }
        /* cut short at several places, the last member's trailer too */
        size_t cuts[] = {crawl.len / 3, crawl.len / 2 + 7, crawl.len - 3, crawl.len - 1};
        for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
            gal_buf cut = {crawl.data, cuts[k], crawl.cap};
            check_same("cut.warc.gz", &cut, 3, &b);
        }
        /* a corrupt byte in a member in the middle (its CRC fails, or its
         * code), garbage after the last member, zeros after it */
        gal_buf bad;
        gal_buf_init(&bad);
        gal_buf_append(&bad, crawl.data, crawl.len);
        bad.data[bad.len / 2] ^= 0x55;
        check_same("corrupt.warc.gz", &bad, 2, &b);
        bad.data[bad.len / 2] ^= 0x55;
        gal_buf_append(&bad, "trailing garbage", 16);
        check_same("garbage.warc.gz", &bad, 3, &b);
        bad.len = crawl.len;
        gal_buf_append(&bad, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
        check_same("zeros.warc.gz", &bad, 2, &b);
        gal_buf_release(&bad);
        gal_buf_release(&crawl);
    }
    /* one member of the whole text: never on threads */
    gal_buf one, text;
    gal_buf_init(&one);
    gal_buf_init(&text);
    char rec[8192];
    for (size_t i = 0; i < 2000; i++)
        gal_buf_append(&text, rec, record_text(i, rec, sizeof rec));
    add_member(&one, text.data, text.len, 6);
    check_same("one.jsonl.gz", &one, 3, &b);
    CHECK(b.threaded == 0 && b.redone == 0);
    gal_buf_release(&one);
    gal_buf_release(&text);
    /* a chunk that began at a member stored inside another was decoded
     * again from the true boundary */
    CHECK(redone_with_traps > 0);
    printf("gzip members decoded on 2-4 threads: the same bytes and errors as one decoder "
           "(%llu bytes decoded again where a chunk began at a false member)\n",
           (unsigned long long)redone_with_traps);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("test_gzip_parallel");
}
