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
/* The dictionary: 512 kB when the first batch holds at least
 * DICT_LARGE_TEXT bytes of text, 256 kB from DICT_MEDIUM_TEXT, else 112 kB
 * (a small archive pays for it whole).  From 256 kB zstd sizes its match
 * tables for large inputs (dictionary and document together pass 256 kB)
 * and the documents find more of the dictionary: on ~1 kB news documents
 * held out from the training (generated news, level 3), 112 kB trained on
 * 2 MB compressed to 0.436 of raw, 224 kB to 0.437, 256 kB trained on 4 MB
 * to 0.414 (a 5.6 % smaller text table on news-200m, 0.08 s to train), 512
 * kB to 0.405.  With documents in groups (stored_text.h), 512 kB made
 * news-200m's text table 2.0 % smaller than 256 kB did, building as fast;
 * the extra 256 kB pays for itself from about 32 MB of text.  Every
 * `galley query` that prints snippets loads the dictionary (512 kB added
 * 0.4 M instructions and page faults to a 2.4 M process, 256 kB 0.16 M;
 * 100 processes printing a top 10 took 0.44 s either way). */
#define DICT_SMALL_BYTES (112u * 1024)
#define DICT_MEDIUM_BYTES (256u * 1024)
#define DICT_LARGE_BYTES (512u * 1024)
#define DICT_MEDIUM_TEXT (8u << 20)
#define DICT_LARGE_TEXT (24u << 20)
#define DICT_SAMPLE_BYTES (4u << 20)

struct gal_text_dict {
    ZSTD_CDict *cdict; /* NULL until the index has a dictionary, or at level 0 */
    int level;
};

int gal_text_dict_new(const void *dict, size_t dict_len, int level, gal_text_dict **out)
{
    gal_text_dict *td = gal_calloc(1, sizeof *td);
    if (!td)
        return gal_error_set(GAL_ENOMEM, "out of memory for zstd");
    td->level = level;
    if (dict && level && !(td->cdict = ZSTD_createCDict(dict, dict_len, level))) {
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

int gal_text_dict_train(const void *sample, const size_t *sizes, unsigned nsamples,
                        size_t dict_bytes, int level, gal_buf *dict)
{
    gal_buf_clear(dict);
    int rc = gal_buf_reserve(dict, dict_bytes);
    if (rc)
        return rc;
    /* fastCover with fixed parameters trains in about a tenth of the
     * default trainer's time (0.014 s against 0.19 s on a 2 MB sample of
     * Reuters or of generated news), and its dictionary compresses as well
     * (0.406 against 0.407 of raw on Reuters, 0.433 against 0.434 on
     * news-200m).  f: the log2 of its table of d-gram counts, larger for
     * the samples of megabytes that large dictionaries want. */
    ZDICT_fastCover_params_t fc;
    memset(&fc, 0, sizeof fc);
    fc.k = 200;
    fc.d = 8;
    fc.f = dict_bytes > DICT_LARGE_BYTES ? 20 : 18;
    fc.accel = 4;
    fc.nbThreads = 1;
    fc.zParams.compressionLevel = level;
    size_t n = ZDICT_trainFromBuffer_fastCover(dict->data, dict_bytes, sample, sizes, nsamples, fc);
    if (ZDICT_isError(n)) /* too little or too uniform text */
        return 1;
    dict->len = n;
    return 0;
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
    size_t dict_bytes = b->text.len >= DICT_LARGE_TEXT    ? DICT_LARGE_BYTES
                        : b->text.len >= DICT_MEDIUM_TEXT ? DICT_MEDIUM_BYTES
                                                          : DICT_SMALL_BYTES;
    if (!rc)
        rc = gal_text_dict_train(sample.data, sizes, nsamples, dict_bytes, td->level,
                                 &b->new_dict);
    if (rc == 1) { /* go without */
        gal_buf_clear(&b->new_dict);
        rc = 0;
    } else if (!rc && !(td->cdict = ZSTD_createCDict(b->new_dict.data, b->new_dict.len,
                                                     td->level))) {
        rc = gal_error_set(GAL_ENOMEM, "out of memory for a zstd dictionary");
    }
    gal_buf_release(&sample);
    gal_free(sizes);
    return rc;
}

int gal_text_dict_prepare(gal_text_dict *td, gal_batch *b)
{
    gal_buf_clear(&b->new_dict);
    int rc = 0;
    if (td->level && !td->cdict && b->ndocs >= DICT_MIN_DOCS)
        rc = train(td, b);
    b->use_dict = td->cdict != NULL;
    return rc;
}

/* How many documents from d the next record takes: as many as fit in a
 * group (stored_text.h), at least one. */
static uint32_t group_size(const uint32_t *doc_start, uint32_t ndocs, uint32_t d)
{
    uint32_t m = 1;
    while (d + m < ndocs && m < GAL_TEXT_GROUP_DOCS &&
           doc_start[d + m + 1] - doc_start[d] <= GAL_TEXT_GROUP_BYTES)
        m++;
    return m;
}

int gal_text_pack_docs(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, const uint8_t *text,
                       const uint32_t *doc_start, uint32_t ndocs, uint32_t first_doc,
                       gal_buf *out, size_t *off, uint32_t *doc, uint32_t *nrec)
{
    int rc = 0;
    uint32_t n = 0;
    for (uint32_t d = 0, m; d < ndocs && rc >= 0; d += m) {
        m = group_size(doc_start, ndocs, d);
        if (m > 1) {
            uint32_t lens[GAL_TEXT_GROUP_DOCS];
            for (uint32_t i = 0; i < m; i++)
                lens[i] = doc_start[d + i + 1] - 1 - doc_start[d + i];
            off[n] = out->len;
            doc[n] = d;
            rc = gal_stored_text_encode_group(cctx, cdict, level, text + doc_start[d], lens, m,
                                              first_doc + d, out);
            if (rc == 0) {
                n++;
                continue;
            }
        }
        /* alone, or a group that does not compress: one record each */
        for (uint32_t i = d; i < d + m && rc >= 0; i++) {
            off[n] = out->len;
            doc[n++] = i;
            rc = gal_stored_text_encode(cctx, cdict, level, text + doc_start[i],
                                        doc_start[i + 1] - 1 - doc_start[i], first_doc + i, out);
        }
    }
    off[n] = out->len;
    *nrec = n;
    return rc < 0 ? rc : 0;
}

/* Level 0: each document's text as it is, for `galley optimize` to pack
 * (a kind byte and a checksum more than the text). */
static int pack_raw(gal_batch *b)
{
    int rc = gal_buf_reserve(&b->stored, b->text.len + (size_t)b->ndocs * 5);
    for (uint32_t d = 0; d < b->ndocs && !rc; d++) {
        b->stored_off[d] = b->stored.len;
        b->stored_doc[d] = d;
        rc = gal_stored_text_put_raw(b->text.data + b->doc_start[d],
                                     b->doc_start[d + 1] - 1 - b->doc_start[d], b->first_doc + d,
                                     &b->stored);
    }
    b->stored_off[b->ndocs] = b->stored.len;
    b->nstored = b->ndocs;
    return rc;
}

int gal_text_pack(ZSTD_CCtx *cctx, const gal_text_dict *td, gal_batch *b)
{
    gal_buf_clear(&b->stored);
    b->nstored = 0;
    if (b->ndocs + 1 > b->stored_cap) {
        size_t *off = gal_realloc(b->stored_off, (b->ndocs + 1) * sizeof *off);
        if (off)
            b->stored_off = off;
        uint32_t *first = gal_realloc(b->stored_doc, (b->ndocs + 1) * sizeof *first);
        if (first)
            b->stored_doc = first;
        if (!off || !first)
            return gal_error_set(GAL_ENOMEM, "out of memory");
        b->stored_cap = b->ndocs + 1;
    }
    /* stored text: title '\n' body, without the document's final newline */
    if (td->level == 0)
        return pack_raw(b);
    return gal_text_pack_docs(cctx, b->use_dict ? td->cdict : NULL, td->level,
                              (const uint8_t *)b->text.data, b->doc_start, b->ndocs, b->first_doc,
                              &b->stored, b->stored_off, b->stored_doc, &b->nstored);
}
