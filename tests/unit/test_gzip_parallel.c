/*
 * test_gzip_parallel.c — a gzip file decoded on threads
 * (indexer/gzip_parallel.c) gives what one decoder gives: the same bytes,
 * and the same error after the same bytes.  Files of many members: clean,
 * members that hold bytes that look like member headers (and whole
 * members stored inside other members), cut short, corrupt or followed by
 * garbage.  Files of one long member, its deflate blocks on threads: every
 * level, small and large blocks, stored and fixed-code blocks among them
 * (which no thread guesses), two long members one after the other, cut
 * short, a corrupt byte, a wrong CRC or length in the trailer, garbage
 * after, a bit flipped anywhere.
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

/* data[0, n) as one gzip member at level (0: stored blocks) and memLevel
 * (1 makes blocks of 128 symbols, 9 of 32,768), appended.  With mixed, the
 * middle fifth is written with fixed codes and the fifth after it stored,
 * blocks that no thread guesses. */
static void add_member_with(gal_buf *out, const void *data, size_t n, int level, int mem_level,
                            int mixed)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, mem_level, Z_DEFAULT_STRATEGY) ==
          Z_OK);
    size_t bound = deflateBound(&z, (uLong)n) + 4096;
    CHECK(gal_buf_reserve(out, bound) == 0);
    z.next_out = out->data + out->len;
    z.avail_out = (uInt)bound;
    const uint8_t *d = data;
    size_t cuts[6] = {0, 2 * n / 5, 3 * n / 5, 4 * n / 5, n, n};
    for (int part = 0; part < 5; part++) {
        int strategy = mixed && part == 2 ? Z_FIXED : Z_DEFAULT_STRATEGY;
        int lvl = mixed && part == 3 ? 0 : level;
        if (part > 0)
            CHECK(deflateParams(&z, lvl, strategy) == Z_OK);
        z.next_in = (Bytef *)d + cuts[part];
        z.avail_in = (uInt)(cuts[part + 1] - cuts[part]);
        CHECK(deflate(&z, part == 4 ? Z_FINISH : Z_NO_FLUSH) ==
              (part == 4 ? Z_STREAM_END : Z_OK));
    }
    out->len += bound - z.avail_out;
    deflateEnd(&z);
}

static void add_member(gal_buf *out, const void *data, size_t n, int level)
{
    add_member_with(out, data, n, level, 8, 0);
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
    /* a damage after bytes decoded: those first, then the error */
    if (!d.rc && (d.rc = gal_istream_end_status(s)))
        snprintf(d.detail, sizeof d.detail, "%s", gal_error_detail(d.rc));
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

/* Bytes of one member on 2 and 4 threads, and damaged; mixed: two fifths
 * of it in blocks no thread guesses. */
static void check_one_member(const char *name, const gal_buf *file, int mixed, int damage,
                             uint64_t *redone)
{
    decoded b;
    for (unsigned t = 2; t <= 4; t += 2) {
        check_same(name, file, t, &b);
        /* most of it on the threads; the first jobs' worth is decoded
         * before they start */
        if (b.threaded <= b.out_len / (mixed ? 4 : 2))
            fprintf(stderr, "  %s: %llu of %llu bytes on %u threads\n", name,
                    (unsigned long long)b.threaded, (unsigned long long)b.out_len, t);
        CHECK(b.threaded > b.out_len / (mixed ? 4 : 2));
        *redone += b.redone;
        gal_buf_release(&b.bytes);
    }
    if (!damage)
        return;
    size_t cuts[] = {file->len / 2, file->len - 9, file->len - 5, file->len - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
        gal_buf cut = {file->data, cuts[k], file->cap};
        check_same("cut.jsonl.gz", &cut, 3, &b);
        gal_buf_release(&b.bytes);
    }
    gal_buf bad;
    gal_buf_init(&bad);
    gal_buf_append(&bad, file->data, file->len);
    /* a corrupt byte early, in the middle and late (a code that fails, or
     * the CRC), the trailer's CRC and its length wrong, garbage after */
    size_t at[] = {file->len / 5, file->len / 2, file->len - 200, file->len - 8, file->len - 2};
    for (size_t k = 0; k < sizeof at / sizeof *at; k++) {
        bad.data[at[k]] ^= 0x21;
        check_same("corrupt.jsonl.gz", &bad, 3, &b);
        gal_buf_release(&b.bytes);
        bad.data[at[k]] ^= 0x21;
    }
    /* a wrong CRC in a trailer cut short: the CRC's error, as zlib's */
    bad.data[file->len - 7] ^= 0x21;
    gal_buf cut = {bad.data, file->len - 1, bad.cap};
    check_same("crc-cut.jsonl.gz", &cut, 3, &b);
    gal_buf_release(&b.bytes);
    bad.data[file->len - 7] ^= 0x21;
    gal_buf_append(&bad, "garbage!", 8);
    check_same("garbage.jsonl.gz", &bad, 4, &b);
    gal_buf_release(&b.bytes);
    gal_buf_release(&bad);
}

/* Lines of JSON of record i's text, as a .jsonl.gz holds. */
static void make_lines(gal_buf *text, size_t nrecords)
{
    char rec[8192];
    for (size_t i = 0; i < nrecords; i++) {
        size_t n = record_text(i, rec, sizeof rec);
        char head[64];
        int h = snprintf(head, sizeof head, "{\"id\": \"%zu\", \"text\": \"", i);
        gal_buf_append(text, head, (size_t)h);
        gal_buf_append(text, rec + 10, n - 10); /* past "WARC/1.0\r\n" */
        gal_buf_append(text, "\"}\n", 3);
    }
}

static void one_member_files(void)
{
    gal_istream_gzip_chunk(16 << 10);
    gal_buf text, one;
    gal_buf_init(&text);
    gal_buf_init(&one);
    make_lines(&text, 2000);
    uint64_t redone = 0;
    decoded b;
    struct {
        int level, mem_level, mixed;
    } kinds[] = {{1, 8, 0}, {6, 8, 0}, {9, 9, 0}, {6, 1, 0}, {6, 8, 1}, {4, 2, 1}};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        one.len = 0;
        add_member_with(&one, text.data, text.len, kinds[k].level, kinds[k].mem_level,
                        kinds[k].mixed);
        check_one_member("one.jsonl.gz", &one, kinds[k].mixed, k == 1 || k == 4, &redone);
    }
    /* a byte flipped anywhere in the member: the threads' decoder refuses
     * what zlib refuses, or the CRC does */
    one.len = 0;
    add_member_with(&one, text.data, text.len / 2, 6, 4, 0);
    uint32_t seed = 12345;
    for (int k = 0; k < 24; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t at = 20 + (seed >> 8) % (one.len - 28);
        uint8_t flip = (uint8_t)(1u << (seed & 7));
        one.data[at] ^= flip;
        check_same("flipped.jsonl.gz", &one, 3, &b);
        gal_buf_release(&b.bytes);
        one.data[at] ^= flip;
    }
    /* two long members, one after the other (`cat a.gz b.gz`) */
    one.len = 0;
    add_member_with(&one, text.data, text.len, 6, 3, 0);
    add_member_with(&one, text.data, text.len / 2, 5, 4, 0);
    check_same("two-members.jsonl.gz", &one, 3, &b);
    CHECK(b.threaded > b.out_len / 2);
    gal_buf_release(&b.bytes);
    /* where stored and fixed-code blocks stood, the caller decoded again */
    CHECK(redone > 0);
    printf("one gzip member's blocks decoded on 2-4 threads: the same bytes and errors as one "
           "decoder (%llu bytes decoded again where no thread guessed a block)\n",
           (unsigned long long)redone);
    gal_buf_release(&one);
    gal_buf_release(&text);
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
    one_member_files();
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
