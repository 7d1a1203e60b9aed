#include "doc_record.h"

#include <stdio.h>
#include <string.h>

#include "crc32c.h"
#include "index.h"
#include "record.h"
#include "status.h"
#include "varint.h"

static int put_varint(gal_buf *b, uint64_t v)
{
    uint8_t tmp[GAL_VARINT_MAX];
    return gal_buf_append(b, tmp, gal_varint_put(tmp, v));
}

static size_t shared_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* s front-coded against prev (the previous entry's string, or none). */
static int put_front_coded(gal_buf *b, const char *prev, size_t prev_len, const char *s,
                           size_t len)
{
    size_t shared = shared_prefix(prev, prev_len, s, len);
    int rc;
    if ((rc = put_varint(b, shared)) || (rc = put_varint(b, len - shared)))
        return rc;
    return gal_buf_append(b, s + shared, len - shared);
}

int gal_doc_block_encode(const gal_doc_fields *f, uint32_t n, uint32_t first_doc, gal_buf *out)
{
    if (n == 0 || n > GAL_DOC_BLOCK_DOCS || (uint64_t)first_doc + n - 1 > UINT32_MAX)
        return gal_error_set(GAL_EUSAGE, "a docs block of %u documents at doc %u", n, first_doc);
    size_t start = out->len;
    int rc = put_varint(out, n);
    static const gal_doc_fields none = {"", 0, 0, "", 0, 0, "", 0};
    for (uint32_t i = 0; i < n && !rc; i++) {
        const gal_doc_fields *prev = i ? &f[i - 1] : &none, *e = &f[i];
        if (!(rc = put_front_coded(out, prev->id, prev->id_len, e->id, e->id_len)) &&
            !(rc = put_varint(out, e->title_len)) &&
            !(rc = put_front_coded(out, prev->date, prev->date_len, e->date, e->date_len)) &&
            !(rc = put_varint(out, e->file_no)))
            rc = put_front_coded(out, prev->url, prev->url_len, e->url, e->url_len);
    }
    if (!rc)
        rc = gal_record_seal_from(out, start, gal_record_doc_key(first_doc));
    if (rc)
        out->len = start;
    return rc;
}

void gal_doc_block_init(gal_doc_block *b)
{
    b->first_doc = b->n = b->decoded = 0;
    b->p = b->end = NULL;
    b->name[0] = '\0';
    gal_buf_init(&b->text);
}

void gal_doc_block_release(gal_doc_block *b)
{
    gal_buf_release(&b->text);
    gal_doc_block_init(b);
}

/* A string front-coded against the previous entry's (prev): its first
 * `shared` bytes, then the rest from *p; appended to text and described in
 * *s.  1 when malformed, or GAL_ENOMEM. */
static int get_front_coded(const uint8_t **p, const uint8_t *end, gal_buf *text,
                           const gal_doc_span *prev, gal_doc_span *s)
{
    uint64_t shared, rest;
    if (gal_varint_get(p, end, &shared) || shared > prev->len || gal_varint_get(p, end, &rest) ||
        rest > (uint64_t)(end - *p))
        return 1;
    s->off = text->len;
    s->len = (size_t)(shared + rest);
    if (s->len == 0)
        return 0;
    /* reserve first: the shared bytes are copied from text itself */
    if (gal_buf_reserve(text, s->len))
        return GAL_ENOMEM;
    memcpy(text->data + text->len, text->data + prev->off, (size_t)shared);
    memcpy(text->data + text->len + shared, *p, (size_t)rest);
    text->len += s->len;
    *p += rest;
    return 0;
}

/* Decode the next entry of b.  1 when malformed, or GAL_ENOMEM. */
static int decode_next(gal_doc_block *b)
{
    static const gal_doc_span none[3] = {{0, 0}, {0, 0}, {0, 0}};
    uint32_t i = b->decoded;
    const gal_doc_span *prev = i ? b->str[i - 1] : none;
    gal_doc_span *now = b->str[i];
    gal_doc_fields *f = &b->f[i];
    uint64_t title_len;
    int rc;
    if ((rc = get_front_coded(&b->p, b->end, &b->text, &prev[0], &now[0])))
        return rc;
    if (gal_varint_get(&b->p, b->end, &title_len) || title_len > UINT32_MAX)
        return 1;
    if ((rc = get_front_coded(&b->p, b->end, &b->text, &prev[1], &now[1])))
        return rc;
    if (gal_varint_get32(&b->p, b->end, &f->file_no))
        return 1;
    if ((rc = get_front_coded(&b->p, b->end, &b->text, &prev[2], &now[2])))
        return rc;
    f->title_len = (size_t)title_len;
    b->decoded++;
    return 0;
}

/* "block at doc N", for the errors about block first_doc: written for
 * every block a query opens, so without snprintf (a tenth of a lookup). */
static void name_block(char out[32], uint32_t first_doc)
{
    static const char head[] = "block at doc ";
    memcpy(out, head, sizeof head - 1);
    gal_put_decimal(out + sizeof head - 1, first_doc);
}

int gal_doc_block_open(const void *data, size_t len, uint32_t first_doc, gal_doc_block *b)
{
    b->n = b->decoded = 0;
    gal_buf_clear(&b->text);
    name_block(b->name, first_doc);
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_doc_key(first_doc), "docs", b->name);
    if (rc)
        return rc;
    const uint8_t *p = data, *end = p + payload;
    uint64_t n;
    if (gal_varint_get(&p, end, &n) || n == 0 || n > GAL_DOC_BLOCK_DOCS ||
        (uint64_t)first_doc + n - 1 > UINT32_MAX)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: docs %s: bad header", b->name);
    b->first_doc = first_doc;
    b->n = (uint32_t)n;
    b->p = p;
    b->end = end;
    return 0;
}

int gal_doc_block_get(gal_doc_block *b, uint32_t i, const gal_doc_fields **f)
{
    if (i >= b->n)
        return gal_error_set(GAL_EUSAGE, "no entry %u in docs %s of %u", i, b->name, b->n);
    while (b->decoded <= i) {
        int rc = decode_next(b);
        if (rc == 0 && b->decoded == b->n && b->p != b->end)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docs %s: %zu bytes after its entries",
                               b->name, (size_t)(b->end - b->p));
        else if (rc == 1)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docs %s: entry %u is malformed",
                               b->name, b->decoded);
        else if (rc)
            rc = gal_error_set(GAL_ENOMEM, "out of memory reading docs %s", b->name);
        if (rc) {
            b->n = 0;
            return rc;
        }
    }
    /* text may have moved since earlier entries were decoded */
    gal_doc_fields *e = &b->f[i];
    const char *t = b->text.data ? (const char *)b->text.data : "";
    e->id = t + b->str[i][0].off;
    e->id_len = b->str[i][0].len;
    e->date = t + b->str[i][1].off;
    e->date_len = b->str[i][1].len;
    e->url = t + b->str[i][2].off;
    e->url_len = b->str[i][2].len;
    *f = e;
    return 0;
}

static uint32_t blocks_of(uint32_t n)
{
    return (uint32_t)(((uint64_t)n + GAL_DOCSTATS_BLOCK - 1) / GAL_DOCSTATS_BLOCK);
}

/* A docstats record's layout, from its header. */
typedef struct docstats_layout {
    uint32_t n;
    int narrow;
    size_t at[GAL_DOCSTATS_SLICES]; /* where each slice starts */
    unsigned width[GAL_DOCSTATS_SLICES];
    size_t crcs;                    /* where the block checksums start */
} docstats_layout;

static void layout_of(const uint8_t *data, docstats_layout *l)
{
    int narrow = gal_docstats_is_narrow(data);
    l->narrow = narrow;
    l->n = gal_get_le32(data) & ~GAL_DOCSTATS_NARROW;
    size_t at = narrow ? GAL_DOCSTATS_NARROW_HEAD : 4;
    for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++) {
        l->width[k] = narrow ? data[4 + k] : k == GAL_DOCSTATS_DATES ? 8 : 4;
        l->at[k] = at;
        at += (size_t)l->n * l->width[k];
    }
    l->crcs = at;
}

/* The record's size by its layout, trailer included. */
static size_t docstats_len(const docstats_layout *l)
{
    return l->crcs + (size_t)blocks_of(l->n) * GAL_DOCSTATS_SLICES * 4 + GAL_RECORD_TRAILER;
}

/* The CRC of block j's part of slice k, tagged with the block's first
 * document and the slice (a checksum moved to another block or slice does
 * not match there). */
static uint32_t slice_crc(const uint8_t *data, const docstats_layout *l, uint32_t first_doc,
                          uint32_t j, unsigned k)
{
    uint32_t lo = j * GAL_DOCSTATS_BLOCK;
    uint32_t count = l->n - lo < GAL_DOCSTATS_BLOCK ? l->n - lo : GAL_DOCSTATS_BLOCK;
    uint8_t at[5];
    gal_put_le32(at, first_doc + lo);
    at[4] = (uint8_t)k;
    uint32_t crc = gal_crc32c(0, at, sizeof at);
    if (k == GAL_DOCSTATS_DATES && l->narrow) /* 4-byte dates mean nothing without it */
        crc = gal_crc32c(crc, data + 8, 8);
    return gal_crc32c(crc, data + l->at[k] + (size_t)lo * l->width[k],
                      (size_t)count * l->width[k]);
}

static const uint8_t *crc_at(const void *data, const docstats_layout *l, uint32_t j, unsigned k)
{
    return (const uint8_t *)data + l->crcs + ((size_t)j * GAL_DOCSTATS_SLICES + k) * 4;
}

/* The least width of 1, 2 and 4 bytes that holds every v[i]. */
static unsigned width_of(const uint32_t *v, uint32_t n)
{
    uint32_t most = 0;
    for (uint32_t i = 0; i < n; i++)
        most = v[i] > most ? v[i] : most;
    return most < 256 ? 1 : most < 65536 ? 2 : 4;
}

static uint8_t *put_entries(uint8_t *p, const uint32_t *v, uint32_t n, unsigned width)
{
    for (uint32_t i = 0; i < n; i++, p += width)
        for (unsigned b = 0; b < width; b++)
            p[b] = (uint8_t)(v[i] >> (8 * b));
    return p;
}

/* A width a narrow header may give a slice of counts. */
static int count_width(unsigned w)
{
    return w == 1 || w == 2 || w == 4;
}

int gal_docstats_encode(const uint32_t *tokens, const uint32_t *title_tokens,
                        const int64_t *date_sec, uint32_t n, uint32_t first_doc, gal_buf *out)
{
    if (n & GAL_DOCSTATS_NARROW) /* not from a batch of at most 4 GiB of text */
        return gal_error_set(GAL_ELIMIT, "docstats of %u documents", n);
    /* the dates' base and span: 4 bytes each when they are within 2^32 - 1
     * seconds (136 years) of the earliest */
    int64_t base = 0, last = 0;
    int dated = 0;
    for (uint32_t i = 0; i < n; i++)
        if (date_sec[i] != GAL_NO_DATE) {
            base = !dated || date_sec[i] < base ? date_sec[i] : base;
            last = !dated || date_sec[i] > last ? date_sec[i] : last;
            dated = 1;
        }
    uint8_t head[GAL_DOCSTATS_NARROW_HEAD];
    gal_put_le32(head, n | GAL_DOCSTATS_NARROW);
    head[4] = (uint8_t)width_of(tokens, n);
    head[5] = (uint8_t)width_of(title_tokens, n);
    head[6] = (uint64_t)last - (uint64_t)base < GAL_DOCSTATS_NO_DATE32 ? 4 : 8;
    head[7] = 0;
    gal_put_le64(head + 8, (uint64_t)base);
    docstats_layout l;
    layout_of(head, &l);
    gal_buf_clear(out);
    int rc = gal_buf_reserve(out, docstats_len(&l));
    if (rc)
        return rc;
    memcpy(out->data, head, sizeof head);
    uint8_t *p = put_entries(out->data + sizeof head, tokens, n, head[4]);
    p = put_entries(p, title_tokens, n, head[5]);
    for (uint32_t i = 0; i < n; i++, p += head[6])
        if (head[6] == 8)
            gal_put_le64(p, (uint64_t)date_sec[i]);
        else
            gal_put_le32(p, date_sec[i] == GAL_NO_DATE ? GAL_DOCSTATS_NO_DATE32
                                                       : (uint32_t)(date_sec[i] - base));
    for (uint32_t j = 0; j < blocks_of(n); j++)
        for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++, p += 4)
            gal_put_le32(p, slice_crc(out->data, &l, first_doc, j, k));
    out->len = (size_t)(p - out->data);
    return gal_record_seal(out, gal_record_doc_key(first_doc));
}

int gal_docstats_peek(const void *data, size_t len, uint32_t first_doc, uint32_t *n)
{
    const uint8_t *p = data;
    docstats_layout l;
    int ok = len >= 4 + GAL_RECORD_TRAILER;
    if (ok && gal_docstats_is_narrow(p)) /* its header, and widths it can have */
        ok = len >= GAL_DOCSTATS_NARROW_HEAD + GAL_RECORD_TRAILER && count_width(p[4]) &&
             count_width(p[5]) && (p[6] == 4 || p[6] == 8) && p[7] == 0;
    if (ok) {
        layout_of(data, &l);
        ok = docstats_len(&l) == len;
    }
    if (!ok)
        return gal_error_set(GAL_ECORRUPT,
                             "corrupt index: docstats record of batch at doc %u is malformed",
                             first_doc);
    *n = l.n;
    return 0;
}

int gal_docstats_check_slice(const void *data, uint32_t n, uint32_t first_doc, uint32_t j,
                             unsigned k)
{
    docstats_layout l;
    layout_of(data, &l);
    if (gal_get_le32(crc_at(data, &l, j, k)) == slice_crc(data, &l, first_doc, j, k))
        return 0;
    static const char *const names[GAL_DOCSTATS_SLICES] = {"lengths", "title lengths", "dates"};
    return gal_error_set(GAL_ECORRUPT,
                         "corrupt index: docstats record of batch at doc %u: the %s of documents "
                         "%u to %u fail their checksum", first_doc, names[k],
                         first_doc + j * GAL_DOCSTATS_BLOCK,
                         first_doc + (j + 1 < blocks_of(n) ? (j + 1) * GAL_DOCSTATS_BLOCK : n) - 1);
}

int gal_docstats_check(const void *data, size_t len, uint32_t first_doc, uint32_t *n)
{
    char key[32];
    snprintf(key, sizeof key, "batch at doc %u", first_doc);
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_doc_key(first_doc), "docstats", key);
    if (rc || (rc = gal_docstats_peek(data, len, first_doc, n)))
        return rc;
    for (uint32_t j = 0; j < blocks_of(*n); j++)
        for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++)
            if ((rc = gal_docstats_check_slice(data, *n, first_doc, j, k)))
                return rc;
    return 0;
}

int64_t gal_docstats_date(const void *data, uint32_t n, uint32_t i)
{
    const uint8_t *p = data;
    if (!gal_docstats_is_narrow(p))
        return (int64_t)gal_get_le64(p + 4 + (size_t)n * 8 + (size_t)i * 8);
    const uint8_t *dates = p + GAL_DOCSTATS_NARROW_HEAD + (size_t)n * (p[4] + p[5]);
    if (p[6] == 8)
        return (int64_t)gal_get_le64(dates + (size_t)i * 8);
    uint32_t d = gal_get_le32(dates + (size_t)i * 4);
    return d == GAL_DOCSTATS_NO_DATE32 ? GAL_NO_DATE
                                       : (int64_t)((uint64_t)gal_get_le64(p + 8) + d);
}
