/*
 * fuzz_istream.c — libFuzzer target for the input layer: compression
 * sniffing and gzip/zstd/plain decoding (input_stream.h).
 *
 * Properties: no memory error, no hang; reads return at most what was asked;
 * a short read comes only at the end; after an error the stream stays failed
 * with the same status; the decompressed byte count matches what was read
 * (or exceeds it after an error, by the part of a block decoded before it).
 * Decompression stops after 32 MiB so a small bomb does not stall the run.
 * A gzip input is decoded again on threads (gzip_parallel.h, jobs of 64
 * bytes), which must give the same bytes and the same error.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "input_stream.h"
#include "status.h"

#define FUZZ_MAX_OUT ((uint64_t)32 << 20)

static uint8_t block[1 << 16];

/* The whole of path read with reads of one size: status, bytes, and their
 * sum in *sum. */
static int read_all(gal_istream *s, uint64_t *total, uint32_t *sum)
{
    int rc;
    *total = 0;
    *sum = 0;
    for (;;) {
        size_t got = 0;
        if ((rc = gal_istream_read(s, block, sizeof block, &got)) != 0)
            return rc;
        for (size_t i = 0; i < got; i++)
            *sum = *sum * 31 + block[i];
        *total += got;
        if (*total >= FUZZ_MAX_OUT)
            return 0;
        if (got < sizeof block) /* the end, or a damage after these bytes */
            return gal_istream_end_status(s);
    }
}

/* gzip members decoded on threads, in jobs of 64 bytes, give what one
 * decoder gives: the same status and detail, the same bytes. */
static void same_on_threads(const char *path)
{
    gal_istream_gzip_chunk(64);
    gal_istream *one = NULL, *many = NULL;
    FUZZ_ASSERT(gal_istream_open_threads(path, 1, &one) == 0);
    FUZZ_ASSERT(gal_istream_open_threads(path, 3, &many) == 0);
    uint64_t n1, n3;
    uint32_t s1, s3;
    int r1 = read_all(one, &n1, &s1);
    char detail[512];
    snprintf(detail, sizeof detail, "%s", r1 ? gal_error_detail(r1) : "");
    int r3 = read_all(many, &n3, &s3);
    FUZZ_ASSERT(r1 == r3 && n1 == n3 && s1 == s3);
    FUZZ_ASSERT(strcmp(detail, r3 ? gal_error_detail(r3) : "") == 0);
    gal_istream_close(one);
    gal_istream_close(many);
    gal_istream_gzip_chunk((size_t)2 << 20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    /* both ways: on the reading thread, and ahead on a thread of its own */
    gal_istream_ahead_always(size % 2);
    gal_istream *s = NULL;
    int rc = gal_istream_open(path, &s);
    if (rc) {
        FUZZ_ASSERT(rc < 0 && s == NULL);
        return 0;
    }
    gal_compression c = gal_istream_compression(s);
    FUZZ_ASSERT(c == GAL_COMPRESSION_NONE || c == GAL_COMPRESSION_GZIP ||
                c == GAL_COMPRESSION_ZSTD);
    /* read sizes vary with the input, so block boundaries move around */
    size_t want = size ? (size_t)data[size / 2] * 97 % sizeof block + 1 : 1;
    uint64_t total = 0;
    int ended = 0;
    while (total < FUZZ_MAX_OUT) {
        size_t got = 12345678;
        rc = gal_istream_read(s, block, want, &got);
        if (rc) {
            FUZZ_ASSERT(rc < 0);
            size_t again = 0;
            FUZZ_ASSERT(gal_istream_read(s, block, want, &again) == rc);
            break;
        }
        FUZZ_ASSERT(got <= want);
        FUZZ_ASSERT(!ended || got == 0);
        total += got;
        if (got == 0)
            break;
        if (got < want)
            ended = 1;
        want = want * 3 % sizeof block + 1;
    }
    /* an error may come after part of a block was decoded and counted */
    FUZZ_ASSERT(rc ? gal_istream_out_bytes(s) >= total : gal_istream_out_bytes(s) == total);
    if (c == GAL_COMPRESSION_NONE && !rc && total < FUZZ_MAX_OUT)
        FUZZ_ASSERT(total == size);
    gal_istream_close(s);
    if (c == GAL_COMPRESSION_GZIP && total < FUZZ_MAX_OUT)
        same_on_threads(path);
    gal_error_clear();
    return 0;
}
