/*
 * fuzz_istream.c — libFuzzer target for the input layer: compression
 * sniffing and gzip/zstd/plain decoding (input_stream.h).
 *
 * Properties: no memory error, no hang; reads return at most what was asked;
 * a short read comes only at the end; after an error the stream stays failed
 * with the same status; the decompressed byte count matches what was read
 * (or exceeds it after an error, by the part of a block decoded before it).
 * Decompression stops after 32 MiB so a small bomb does not stall the run.
 */
#include <string.h>

#include "fuzz_common.h"
#include "input_stream.h"
#include "status.h"

#define FUZZ_MAX_OUT ((uint64_t)32 << 20)

static uint8_t block[1 << 16];

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
    gal_error_clear();
    return 0;
}
