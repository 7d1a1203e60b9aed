/*
 * reader_jsonl.c — JSON Lines: one JSON object per line.
 *
 * Known keys and the crawler aliases that feed them:
 *   id     id (string, or a number taken as its text)
 *   title  title, headline
 *   text   text, body, content, maintext
 *   date   date, date_publish, published, publish_date
 *   url    url, link
 * When several keys feed one field, a non-empty value beats an empty one,
 * then the key listed first above wins, then the first occurrence.  Values
 * of other types (null, objects, arrays…) leave the field missing.
 * Unknown keys are validated and skipped without recursion.
 *
 * A string without escapes is handed over in place (no copy, however long
 * the line); one with escapes is decoded into a scratch buffer (one a line,
 * or one a job of lines on parsing threads: reader_jsonl_parallel.c).
 */
#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "reader_formats.h"
#include "status.h"

enum { F_ID, F_TITLE, F_TEXT, F_DATE, F_URL, F_COUNT };

static const struct {
    const char *key;
    int field;
    int rank;
} known_keys[] = {
    {"id", F_ID, 0},          {"title", F_TITLE, 0},    {"headline", F_TITLE, 1},
    {"text", F_TEXT, 0},      {"body", F_TEXT, 1},      {"content", F_TEXT, 2},
    {"maintext", F_TEXT, 3},  {"date", F_DATE, 0},      {"date_publish", F_DATE, 1},
    {"published", F_DATE, 2}, {"publish_date", F_DATE, 3}, {"url", F_URL, 0},
    {"link", F_URL, 1},
};

#define MAX_DEPTH 2048 /* nesting of skipped values */

typedef struct jstr {
    const uint8_t *p;  /* in the line, when not in_scratch */
    size_t off;        /* in the scratch buffer, when in_scratch */
    size_t len;
    bool in_scratch;
} jstr;

typedef struct jfield {
    jstr v;
    int rank;
    bool set;
} jfield;

typedef struct jparser {
    const uint8_t *s;
    size_t n, i;
    const char *err;   /* what went wrong */
    size_t err_at;     /* where, 0-based in the line */
    int oom;           /* an allocation failed (not a JSON error) */
} jparser;

static int jerr(jparser *p, size_t at, const char *what)
{
    p->err = what;
    p->err_at = at;
    return -1;
}

static void skip_ws(jparser *p)
{
    while (p->i < p->n && gal_json_blank(p->s[p->i]))
        p->i++;
}

static int hex4(const uint8_t *s)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static int out_append(jparser *p, gal_buf *out, const void *d, size_t n)
{
    if (gal_buf_append(out, d, n)) {
        p->oom = 1;
        return jerr(p, p->i, "out of memory");
    }
    return 0;
}

/* A string at p->i (which holds '"').  With out, escapes are decoded into it
 * and *res says where the value lies; without, the string is only checked. */
/* The first index from i on (n if none) whose byte ends a plain run of a
 * string: a quote, a backslash or a control character.  News bodies are
 * long runs of plain bytes, so this looks at 16 at a time where it can. */
static size_t plain_run_end(const uint8_t *s, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i below_space = _mm_set1_epi8(0x1F), zero = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        /* v - 0x1F saturates to 0 exactly for the control bytes 0x00..0x1F */
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                    _mm_cmpeq_epi8(_mm_subs_epu8(v, below_space), zero));
        int mask = _mm_movemask_epi8(stop);
        if (mask)
            return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    while (i < n && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20)
        i++;
    return i;
}

static int parse_string(jparser *p, gal_buf *out, jstr *res)
{
    const uint8_t *s = p->s;
    size_t n = p->n, open = p->i, i = p->i + 1, run = i;
    size_t out_start = out ? out->len : 0;
    bool copying = false;
    for (;;) {
        i = plain_run_end(s, i, n);
        if (i >= n)
            return jerr(p, open, "unterminated string");
        uint8_t c = s[i];
        if (c < 0x20)
            return jerr(p, i, c == 0 ? "NUL byte in string" : "control character in string");
        if (c == '"') {
            if (copying && out_append(p, out, s + run, i - run))
                return -1;
            if (res) {
                res->in_scratch = copying;
                res->p = copying ? NULL : s + open + 1;
                res->off = out_start;
                res->len = copying ? out->len - out_start : i - open - 1;
            }
            p->i = i + 1;
            return 0;
        }
        /* a backslash escape */
        if (out && !copying)
            copying = true;
        if (copying && out_append(p, out, s + run, i - run))
            return -1;
        if (i + 1 >= n)
            return jerr(p, open, "unterminated string");
        uint8_t e = s[i + 1], byte = 0;
        uint32_t cp = 0;
        size_t next = i + 2;
        switch (e) {
        case '"': byte = '"'; break;
        case '\\': byte = '\\'; break;
        case '/': byte = '/'; break;
        case 'b': byte = '\b'; break;
        case 'f': byte = '\f'; break;
        case 'n': byte = '\n'; break;
        case 'r': byte = '\r'; break;
        case 't': byte = '\t'; break;
        case 'u': {
            int v = i + 6 <= n ? hex4(s + i + 2) : -1;
            if (v < 0)
                return jerr(p, i, "invalid \\u escape");
            cp = (uint32_t)v;
            next = i + 6;
            if (cp >= 0xD800 && cp <= 0xDBFF && next + 6 <= n && s[next] == '\\' &&
                s[next + 1] == 'u') {
                int lo = hex4(s + next + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    next += 6;
                }
            }
            /* a lone surrogate becomes U+FFFD in gal_rd_put_utf8() */
            break;
        }
        default:
            return jerr(p, i, "invalid escape");
        }
        if (copying) {
            int rc = e == 'u' ? gal_rd_put_utf8(out, cp) : gal_buf_push(out, byte);
            if (rc) {
                p->oom = 1;
                return jerr(p, i, "out of memory");
            }
        }
        i = run = next;
    }
}

static int parse_number(jparser *p)
{
    const uint8_t *s = p->s;
    size_t n = p->n, i = p->i, start = p->i;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return jerr(p, start, "invalid number");
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return jerr(p, start, "invalid number");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return jerr(p, start, "invalid number");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    p->i = i;
    return 0;
}

/* A value that is not an object or an array. */
static int parse_scalar(jparser *p)
{
    if (p->i >= p->n)
        return jerr(p, p->i, "unexpected end of line");
    uint8_t c = p->s[p->i];
    if (c == '"')
        return parse_string(p, NULL, NULL);
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p);
    static const char *const lits[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(lits[k]);
        if (c == lits[k][0]) {
            if (p->n - p->i < len || memcmp(p->s + p->i, lits[k], len) != 0)
                return jerr(p, p->i, "invalid literal");
            p->i += len;
            return 0;
        }
    }
    return jerr(p, p->i, "unexpected character");
}

/* "key" ws ':' ws, for an object inside a skipped value. */
static int skip_key(jparser *p)
{
    if (p->i >= p->n || p->s[p->i] != '"')
        return jerr(p, p->i, "expected a string key");
    if (parse_string(p, NULL, NULL))
        return -1;
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != ':')
        return jerr(p, p->i, "expected ':'");
    p->i++;
    skip_ws(p);
    return 0;
}

/* Check and step over any value, with an explicit stack instead of
 * recursion: stack[d] is '{' or '[' for each open container. */
static int skip_value(jparser *p)
{
    char stack[MAX_DEPTH];
    size_t depth = 0;
    for (;;) {
        /* at the start of a value */
        skip_ws(p);
        if (p->i < p->n && (p->s[p->i] == '{' || p->s[p->i] == '[')) {
            if (depth == MAX_DEPTH)
                return jerr(p, p->i, "nesting too deep");
            char open = (char)p->s[p->i++];
            stack[depth++] = open;
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == (open == '{' ? '}' : ']')) {
                p->i++;
                depth--;
            } else {
                if (open == '{' && skip_key(p))
                    return -1;
                continue;
            }
        } else if (parse_scalar(p)) {
            return -1;
        }
        /* after a value: close containers or go on to the next member */
        for (;;) {
            if (depth == 0)
                return 0;
            skip_ws(p);
            if (p->i >= p->n)
                return jerr(p, p->i, "unexpected end of line");
            uint8_t c = p->s[p->i];
            char top = stack[depth - 1];
            if (c == ',') {
                p->i++;
                skip_ws(p);
                if (top == '{' && skip_key(p))
                    return -1;
                break;
            }
            if (c == (top == '{' ? '}' : ']')) {
                p->i++;
                depth--;
                continue;
            }
            return jerr(p, p->i, top == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
}

static void offer(jfield *f, int rank, const jstr *v)
{
    if (!f->set || (f->v.len == 0 && v->len > 0) || (v->len > 0 && rank < f->rank)) {
        f->v = *v;
        f->rank = rank;
        f->set = true;
    }
}

static int find_key(const uint8_t *k, size_t len, int *rank)
{
    for (size_t j = 0; j < sizeof known_keys / sizeof *known_keys; j++) {
        if (strlen(known_keys[j].key) == len && memcmp(known_keys[j].key, k, len) == 0) {
            *rank = known_keys[j].rank;
            return known_keys[j].field;
        }
    }
    return -1;
}

/* The object on one line, from p->i; fields get what the known keys hold. */
static int parse_record(jparser *p, gal_buf *scratch, gal_buf *keybuf, jfield *f)
{
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != '{')
        return jerr(p, p->i, "expected '{' (each line must be one JSON object)");
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
    } else {
        for (;;) {
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != '"')
                return jerr(p, p->i, "expected a string key");
            jstr k;
            gal_buf_clear(keybuf);
            if (parse_string(p, keybuf, &k))
                return -1;
            const uint8_t *kp = k.in_scratch ? keybuf->data + k.off : k.p;
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':')
                return jerr(p, p->i, "expected ':'");
            p->i++;
            skip_ws(p);
            int rank = 0, field = find_key(kp, k.len, &rank);
            uint8_t c = p->i < p->n ? p->s[p->i] : 0;
            if (field >= 0 && c == '"') {
                jstr v;
                if (parse_string(p, scratch, &v))
                    return -1;
                offer(&f[field], rank, &v);
            } else if (field == F_ID && (c == '-' || (c >= '0' && c <= '9'))) {
                jstr v = {p->s + p->i, 0, 0, false};
                if (parse_number(p))
                    return -1;
                v.len = (size_t)(p->s + p->i - v.p);
                offer(&f[field], rank, &v);
            } else if (skip_value(p)) {
                return -1;
            }
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == '}') {
                p->i++;
                break;
            }
            return jerr(p, p->i, p->i < p->n ? "expected ',' or '}'" : "unexpected end of line");
        }
    }
    skip_ws(p);
    if (p->i < p->n)
        return jerr(p, p->i, "trailing characters after the object");
    return 0;
}

/* A field of a parsed line, where the reader's doc will find it: in the
 * line, or decoded into scratch (out0). */
static gal_rec_field doc_field(const jfield *f, const uint8_t *line)
{
    if (!f->set)
        return (gal_rec_field){0, 0, GAL_REC_MISSING};
    if (f->v.in_scratch)
        return (gal_rec_field){f->v.off, f->v.len, GAL_REC_IN_OUT0};
    return (gal_rec_field){(size_t)(f->v.p - line), f->v.len, GAL_REC_IN_RECORD};
}

int gal_jsonl_parse_line(const uint8_t *line, size_t len, size_t start, gal_buf *scratch,
                         gal_buf *keybuf, gal_jsonl_line *out)
{
    size_t k = start;
    while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
        k++;
    if (k == len)
        return GAL_JSONL_BLANK;

    jparser p = {line, len, start, NULL, 0, 0};
    jfield f[F_COUNT];
    memset(f, 0, sizeof f);
    if (parse_record(&p, scratch, keybuf, f)) {
        out->err = p.err;
        out->err_at = p.err_at;
        return p.oom ? GAL_JSONL_OOM : GAL_JSONL_MALFORMED;
    }
    out->doc = (gal_rec_doc){.id = doc_field(&f[F_ID], line),
                             .title = doc_field(&f[F_TITLE], line),
                             .text = doc_field(&f[F_TEXT], line),
                             .date = doc_field(&f[F_DATE], line),
                             .url = doc_field(&f[F_URL], line)};
    return GAL_JSONL_RECORD;
}

int gal_jsonl_hand_over(gal_rd_src *r, int kind, const gal_jsonl_line *l, const uint8_t *line,
                        size_t len, const gal_buf *scratch, uint64_t lineno, uint64_t end_offset)
{
    if (kind == GAL_JSONL_BLANK)
        return 0;
    if (kind == GAL_JSONL_OOM)
        return gal_error_set(GAL_ENOMEM, "%s:%llu: out of memory decoding a %zu-byte line",
                             r->name, (unsigned long long)lineno, len);
    if (kind == GAL_JSONL_TOO_LONG)
        return gal_rd_too_long(r, lineno, "JSON line");
    if (kind == GAL_JSONL_MALFORMED)
        return gal_rd_malformed(r, lineno, "invalid JSON at column %zu: %s", l->err_at + 1,
                                l->err);
    return gal_rec_emit(r, &l->doc, line, scratch, NULL, lineno, end_offset);
}

static int read_line(gal_rd_src *r, const uint8_t *line, size_t len, size_t start,
                     uint64_t lineno, uint64_t end_offset, gal_buf *scratch, gal_buf *keybuf)
{
    gal_jsonl_line l;
    gal_buf_clear(scratch);
    int kind = gal_jsonl_parse_line(line, len, start, scratch, keybuf, &l);
    return gal_jsonl_hand_over(r, kind, &l, line, len, scratch, lineno, end_offset);
}

enum { PLAIN_LINES, ONE_ARRAY, PRETTY_OBJECTS };

/* How the file's JSON is laid out: ONE_ARRAY when its first byte other than
 * blanks (after a byte order mark) is '[', PRETTY_OBJECTS when its first
 * line other than blanks is a lone '{' (never a line of JSON Lines), else
 * PLAIN_LINES.  Reads as far as it takes, up to a record's length;
 * consumes nothing. */
static int layout(gal_rd_src *r, int *how)
{
    size_t i = 0;
    *how = PLAIN_LINES;
    for (;;) {
        const uint8_t *d = gal_rd_data(r);
        size_t n = gal_rd_avail(r), k;
        if (i == 0 && n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
            i = 3;
        while (i < n && gal_json_blank(d[i]))
            i++;
        for (k = i + 1; k < n && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r'); k++)
            ;
        /* the first byte, and for a '{' what follows it on its line */
        if ((i < n && (d[i] != '{' || k < n)) || r->eof || n > gal_rd_max_record(r)) {
            if (i < n && d[i] == '[')
                *how = ONE_ARRAY;
            else if (i < n && d[i] == '{' && (k == n || d[k] == '\n'))
                *how = PRETTY_OBJECTS;
            return 0;
        }
        int rc = gal_rd_fill(r);
        if (rc)
            return rc;
    }
}

int gal_read_jsonl(gal_rd_src *r)
{
    int how, rc = gal_rd_offset(r) == 0 ? layout(r, &how) : (how = PLAIN_LINES);
    if (rc || how != PLAIN_LINES)
        return rc ? rc : gal_read_json_values(r, how == ONE_ARRAY);
    unsigned nthreads = gal_read_parse_threads(r->opts->parse_threads, GAL_FORMAT_JSONL);
    if (nthreads > 1)
        return gal_read_jsonl_parallel(r, nthreads);
    gal_buf scratch, keybuf;
    gal_buf_init(&scratch);
    gal_buf_init(&keybuf);
    uint64_t lineno = 0;
    size_t scan = 0; /* bytes already searched for '\n' */
    size_t max = gal_rd_max_record(r);
    for (;;) {
        const uint8_t *d = gal_rd_data(r);
        size_t n = gal_rd_avail(r), len, used;
        const uint8_t *nl = scan < n ? memchr(d + scan, '\n', n - scan) : NULL;
        if (nl) {
            len = (size_t)(nl - d);
            used = len + 1;
        } else if (!r->eof && n > max) { /* no end in sight: passed over, not kept */
            uint64_t ends = 0;
            scan = 0;
            if ((rc = gal_rd_too_long(r, ++lineno, "JSON line")) ||
                (rc = gal_rd_skip_line(r, &ends)))
                break;
            continue;
        } else if (!r->eof) {
            scan = n;
            if ((rc = gal_rd_fill(r)) != 0)
                break;
            continue;
        } else if (n == 0) {
            break;
        } else {
            len = used = n; /* last line without a newline */
        }
        scan = 0;
        lineno++;
        size_t start = 0;
        if (gal_rd_offset(r) == 0 && len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
            start = 3; /* UTF-8 byte order mark */
        rc = len > max ? gal_rd_too_long(r, lineno, "JSON line")
                       : read_line(r, d, len, start, lineno, gal_rd_offset(r) + used, &scratch,
                                   &keybuf);
        r->pos += used;
        if (rc)
            break;
    }
    gal_buf_release(&scratch);
    gal_buf_release(&keybuf);
    return rc;
}
