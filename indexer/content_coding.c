#include "content_coding.h"

#include <brotli/decode.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "status.h"

/* Output is made 64 kB at a time. */
#define STEP (1u << 16)

static int inflate_into(const uint8_t *d, size_t n, int raw, size_t max, gal_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, raw ? -15 : 15 + 32) != Z_OK)
        return GAL_ENOMEM;
    z.next_in = (Bytef *)d;
    z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    size_t start = out->len;
    int zr = Z_OK, rc = 0;
    while (zr == Z_OK) {
        if (out->len - start >= max) {
            rc = -1;
            break;
        }
        if ((rc = gal_buf_reserve(out, STEP)) != 0)
            break;
        z.next_out = out->data + out->len;
        z.avail_out = STEP;
        zr = inflate(&z, Z_NO_FLUSH);
        out->len += STEP - z.avail_out;
        if (zr == Z_BUF_ERROR && z.avail_in == 0)
            break; /* cut short: keep what came out */
    }
    if (!rc && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
        rc = -1;
    inflateEnd(&z);
    return rc;
}

static int unbrotli_into(const uint8_t *d, size_t n, size_t max, gal_buf *out)
{
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!st)
        return GAL_ENOMEM;
    size_t start = out->len, avail_in = n;
    const uint8_t *next_in = d;
    int rc = 0;
    BrotliDecoderResult br = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
    while (br == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
        if (out->len - start >= max) {
            rc = -1;
            break;
        }
        if ((rc = gal_buf_reserve(out, STEP)) != 0)
            break;
        size_t avail_out = STEP;
        uint8_t *next_out = out->data + out->len;
        br = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        out->len += STEP - avail_out;
    }
    /* NEEDS_MORE_INPUT with none left: cut short, keep what came out */
    if (!rc && br == BROTLI_DECODER_RESULT_ERROR)
        rc = -1;
    BrotliDecoderDestroyInstance(st);
    return rc;
}

static int unzstd_into(const uint8_t *d, size_t n, size_t max, gal_buf *out)
{
    ZSTD_DStream *zs = ZSTD_createDStream();
    if (!zs)
        return GAL_ENOMEM;
    /* HTTP's zstd coding keeps its window to 8 MB (RFC 9659): a frame that
     * asks for more is refused rather than given the memory */
    if (ZSTD_isError(ZSTD_DCtx_setParameter(zs, ZSTD_d_windowLogMax, 23))) {
        ZSTD_freeDStream(zs);
        return GAL_ENOMEM;
    }
    ZSTD_inBuffer in = {d, n, 0};
    size_t start = out->len, zr = 1;
    int rc = 0;
    /* frames one after another, as zstd may write them */
    while (in.pos < in.size || zr != 0) {
        if (out->len - start >= max) {
            rc = -1;
            break;
        }
        if ((rc = gal_buf_reserve(out, STEP)) != 0)
            break;
        ZSTD_outBuffer o = {out->data + out->len, STEP, 0};
        zr = ZSTD_decompressStream(zs, &o, &in);
        out->len += o.pos;
        if (ZSTD_isError(zr)) {
            rc = -1;
            break;
        }
        if (in.pos == in.size && o.pos < o.size)
            break; /* all read, nothing more to flush: done, or cut short */
    }
    ZSTD_freeDStream(zs);
    return rc;
}

int gal_content_decode(gal_content_coding coding, const uint8_t *d, size_t n, size_t max,
                       gal_buf *out)
{
    switch (coding) {
    case GAL_CODING_DEFLATE:
        return inflate_into(d, n, 0, max, out);
    case GAL_CODING_RAW_DEFLATE:
        return inflate_into(d, n, 1, max, out);
    case GAL_CODING_BROTLI:
        return unbrotli_into(d, n, max, out);
    case GAL_CODING_ZSTD:
        return unzstd_into(d, n, max, out);
    }
    return -1;
}
