#include "text_pack.h"

#include <string.h>

#define ZDICT_STATIC_LINKING_ONLY /* the fastCover trainer */
#include <zdict.h>
#include <zstd.h>

#include "alloc.h"
#include "status.h"
#include "stored_text.h"

/* The first batch with this many documents trains the dictionary; smaller
 * ones are stored with plain zstd. */
#define DICT_MIN_DOCS 256
#define DICT_BYTES (112 * 1024)
#define DICT_SAMPLE_BYTES (2u << 20)
#define TEXT_LEVEL 3

struct gal_text_dict {
    ZSTD_CDict *cdict; /* NULL until the index has a dictionary */
};

int gal_text_dict_new(const void *dict, size_t dict_len, gal_text_dict **out)
{
    gal_text_dict *td = gal_calloc(1, sizeof *td);
    if (!td)
        return gal_error_set(GAL_ENOMEM, "out of memory for zstd");
    if (dict && !(td->cdict = ZSTD_createCDict(dict, dict_len, TEXT_LEVEL))) {
        gal_text_dict_free(td);
        return gal_error_set(GAL_ECORRUPT, "corrupt index: bad zstd dictionary");
    }
    *out = td;
    return 0;
}

void gal_text_dict_free(gal_text_dict *td)
{
    if (!td)
        return;
    ZSTD_freeCDict(td->cdict);
    gal_free(td);
}

/* Train on documents spread over the batch, not only its first ones. */
static int train(gal_text_dict *td, gal_batch *b)
{
    size_t *sizes = gal_malloc(b->ndocs * sizeof *sizes);
    if (!sizes)
        return gal_error_set(GAL_ENOMEM, "out of memory training a dictionary");
    uint32_t step = 1;
    if (b->text.len > DICT_SAMPLE_BYTES)
        step = (uint32_t)(b->text.len / DICT_SAMPLE_BYTES) + 1;
    gal_buf sample;
    gal_buf_init(&sample);
    unsigned nsamples = 0;
    int rc = 0;
    for (uint32_t d = 0; d < b->ndocs && !rc; d += step) {
        size_t len = b->doc_start[d + 1] - 1 - b->doc_start[d];
        rc = gal_buf_append(&sample, b->text.data + b->doc_start[d], len);
        sizes[nsamples++] = len;
    }
    if (!rc && !(rc = gal_buf_reserve(&b->new_dict, DICT_BYTES))) {
        /* fastCover with fixed parameters trains in about a tenth of the
         * default trainer's time (0.014 s against 0.19 s on a 2 MB sample
         * of Reuters or of generated news), and its dictionary compresses
         * as well (0.406 against 0.407 of raw on Reuters, 0.433 against
         * 0.434 on news-200m) */
        ZDICT_fastCover_params_t fc;
        memset(&fc, 0, sizeof fc);
        fc.k = 200;
        fc.d = 8;
        fc.f = 18;
        fc.accel = 4;
        fc.nbThreads = 1;
        fc.zParams.compressionLevel = TEXT_LEVEL;
        size_t n = ZDICT_trainFromBuffer_fastCover(b->new_dict.data, DICT_BYTES, sample.data,
                                                   sizes, nsamples, fc);
        if (!ZDICT_isError(n)) { /* too little or too uniform text: go without */
            b->new_dict.len = n;
            if (!(td->cdict = ZSTD_createCDict(b->new_dict.data, n, TEXT_LEVEL)))
                rc = gal_error_set(GAL_ENOMEM, "out of memory for a zstd dictionary");
        }
    }
    gal_buf_release(&sample);
    gal_free(sizes);
    return rc;
}

int gal_text_dict_prepare(gal_text_dict *td, gal_batch *b)
{
    gal_buf_clear(&b->new_dict);
    int rc = 0;
    if (!td->cdict && b->ndocs >= DICT_MIN_DOCS)
        rc = train(td, b);
    b->use_dict = td->cdict != NULL;
    return rc;
}

int gal_text_pack(ZSTD_CCtx *cctx, const gal_text_dict *td, gal_batch *b)
{
    gal_buf_clear(&b->stored);
    if (b->ndocs + 1 > b->stored_cap) {
        size_t *off = gal_realloc(b->stored_off, (b->ndocs + 1) * sizeof *off);
        if (!off)
            return gal_error_set(GAL_ENOMEM, "out of memory");
        b->stored_off = off;
        b->stored_cap = b->ndocs + 1;
    }
    const ZSTD_CDict *cdict = b->use_dict ? td->cdict : NULL;
    int rc = 0;
    for (uint32_t d = 0; d < b->ndocs && !rc; d++) {
        b->stored_off[d] = b->stored.len;
        /* stored text: title '\n' body, without the batch's final newline */
        size_t len = b->doc_start[d + 1] - 1 - b->doc_start[d];
        rc = gal_stored_text_encode(cctx, cdict, TEXT_LEVEL, b->text.data + b->doc_start[d],
                                    len, b->first_doc + d, &b->stored);
    }
    b->stored_off[b->ndocs] = b->stored.len;
    return rc;
}
