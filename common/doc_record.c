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

static int put_bytes(gal_buf *b, const char *s, size_t n)
{
    int rc = put_varint(b, n);
    return rc ? rc : gal_buf_append(b, s, n);
}

int gal_doc_record_encode(const gal_doc_fields *f, uint32_t doc, gal_buf *out)
{
    size_t start = out->len;
    int rc;
    /* the title's bytes begin the stored text: only its length here */
    if ((rc = put_bytes(out, f->id, f->id_len)) || (rc = put_varint(out, f->title_len)) ||
        (rc = put_bytes(out, f->date, f->date_len)) ||
        (rc = put_varint(out, f->date_sec == GAL_NO_DATE ? 0 : gal_zigzag(f->date_sec) + 1)) ||
        (rc = put_varint(out, f->file_no)) || (rc = put_varint(out, f->tokens)) ||
        (rc = put_varint(out, f->title_tokens)) || (rc = put_bytes(out, f->url, f->url_len)) ||
        (rc = gal_record_seal_from(out, start, gal_record_doc_key(doc)))) {
        out->len = start;
        return rc;
    }
    return 0;
}

static int get_bytes(const uint8_t **p, const uint8_t *end, const char **s, size_t *n)
{
    uint64_t len;
    if (gal_varint_get(p, end, &len) || len > (uint64_t)(end - *p))
        return -1;
    *s = (const char *)*p;
    *n = (size_t)len;
    *p += len;
    return 0;
}

int gal_doc_record_decode(const void *data, size_t len, uint32_t doc, gal_doc_fields *f)
{
    char key[32];
    snprintf(key, sizeof key, "doc %u", doc);
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_doc_key(doc), "docs", key);
    if (rc)
        return rc;
    const uint8_t *p = data, *end = p + payload;
    uint64_t date, title_len;
    if (get_bytes(&p, end, &f->id, &f->id_len) || gal_varint_get(&p, end, &title_len) ||
        title_len > UINT32_MAX ||
        get_bytes(&p, end, &f->date, &f->date_len) || gal_varint_get(&p, end, &date) ||
        gal_varint_get32(&p, end, &f->file_no) || gal_varint_get32(&p, end, &f->tokens) ||
        gal_varint_get32(&p, end, &f->title_tokens) || get_bytes(&p, end, &f->url, &f->url_len) ||
        p != end)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: docs record %s is malformed", key);
    f->title_len = (size_t)title_len;
    f->date_sec = date ? gal_unzigzag(date - 1) : GAL_NO_DATE;
    return 0;
}

static uint32_t blocks_of(uint32_t n)
{
    return (uint32_t)(((uint64_t)n + GAL_DOCSTATS_BLOCK - 1) / GAL_DOCSTATS_BLOCK);
}

/* The record's size for n documents, trailer included. */
static size_t docstats_len(uint32_t n)
{
    return 4 + (size_t)n * 16 + (size_t)blocks_of(n) * 4 + GAL_RECORD_TRAILER;
}

static uint32_t block_crc(const uint8_t *data, uint32_t n, uint32_t first_doc, uint32_t j)
{
    uint32_t lo = j * GAL_DOCSTATS_BLOCK;
    uint32_t count = n - lo < GAL_DOCSTATS_BLOCK ? n - lo : GAL_DOCSTATS_BLOCK;
    uint8_t at[4];
    gal_put_le32(at, first_doc + lo);
    uint32_t crc = gal_crc32c(0, at, 4);
    crc = gal_crc32c(crc, data + 4 + (size_t)lo * 4, (size_t)count * 4);
    crc = gal_crc32c(crc, data + 4 + (size_t)n * 4 + (size_t)lo * 4, (size_t)count * 4);
    return gal_crc32c(crc, data + 4 + (size_t)n * 8 + (size_t)lo * 8, (size_t)count * 8);
}

int gal_docstats_encode(const uint32_t *tokens, const uint32_t *title_tokens,
                        const int64_t *date_sec, uint32_t n, uint32_t first_doc, gal_buf *out)
{
    gal_buf_clear(out);
    int rc = gal_buf_reserve(out, docstats_len(n));
    if (rc)
        return rc;
    uint8_t *p = out->data;
    gal_put_le32(p, n);
    p += 4;
    for (uint32_t i = 0; i < n; i++, p += 4)
        gal_put_le32(p, tokens[i]);
    for (uint32_t i = 0; i < n; i++, p += 4)
        gal_put_le32(p, title_tokens[i]);
    for (uint32_t i = 0; i < n; i++, p += 8)
        gal_put_le64(p, (uint64_t)date_sec[i]);
    for (uint32_t j = 0; j < blocks_of(n); j++, p += 4)
        gal_put_le32(p, block_crc(out->data, n, first_doc, j));
    out->len = (size_t)(p - out->data);
    return gal_record_seal(out, gal_record_doc_key(first_doc));
}

int gal_docstats_peek(const void *data, size_t len, uint32_t first_doc, uint32_t *n)
{
    if (len < 4 + GAL_RECORD_TRAILER || docstats_len(gal_get_le32(data)) != len)
        return gal_error_set(GAL_ECORRUPT,
                             "corrupt index: docstats record of batch at doc %u is malformed",
                             first_doc);
    *n = gal_get_le32(data);
    return 0;
}

int gal_docstats_check_block(const void *data, uint32_t n, uint32_t first_doc, uint32_t j)
{
    const uint8_t *at = (const uint8_t *)data + 4 + (size_t)n * 16 + (size_t)j * 4;
    if (gal_get_le32(at) == block_crc(data, n, first_doc, j))
        return 0;
    return gal_error_set(GAL_ECORRUPT,
                         "corrupt index: docstats record of batch at doc %u: documents %u to %u "
                         "fail their checksum", first_doc, first_doc + j * GAL_DOCSTATS_BLOCK,
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
        if ((rc = gal_docstats_check_block(data, *n, first_doc, j)))
            return rc;
    return 0;
}

int64_t gal_docstats_date(const void *data, uint32_t n, uint32_t i)
{
    return (int64_t)gal_get_le64((const uint8_t *)data + 4 + (size_t)n * 8 + (size_t)i * 8);
}

int64_t gal_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* the usual era-based civil-to-days arithmetic, exact for any year */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t len, size_t at, int n, int *out)
{
    if (at + (size_t)n > len)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = s[at + (size_t)i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 0;
}

int gal_date_parse(const char *s, size_t len, int64_t *sec)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    if (digits(s, len, 0, 4, &y) || len < 10 || s[4] != '-' || digits(s, len, 5, 2, &mo) ||
        s[7] != '-' || digits(s, len, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    size_t i = 10;
    int64_t offset = 0;
    if (i < len && (s[i] == 'T' || s[i] == ' ') && i + 6 <= len && s[i + 3] == ':') {
        if (digits(s, len, i + 1, 2, &h) || digits(s, len, i + 4, 2, &mi) || h > 24 || mi > 59)
            return -1;
        i += 6;
        if (i + 3 <= len && s[i] == ':' && !digits(s, len, i + 1, 2, &se)) {
            i += 3;
            if (se > 60)
                return -1;
        }
        while (i < len && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
            i++; /* fractions of a second */
        if (i < len && s[i] == 'Z')
            i++;
        else if (i + 6 <= len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
            int oh, om;
            if (!digits(s, len, i + 1, 2, &oh) && !digits(s, len, i + 4, 2, &om)) {
                offset = (int64_t)(oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
                i += 6;
            }
        }
    }
    *sec = gal_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
           offset;
    return 0;
}
