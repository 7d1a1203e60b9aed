/*
 * reader_json_array.c — a JSON file that is one array of documents:
 * `[{"id": ..., "title": ..., "text": ...}, {...}]`, on one line or pretty-
 * printed over many, as exports and scrapers write them; or objects
 * pretty-printed one after another with no array around them (what `jq .`
 * makes of JSON Lines).  Each object is a document with the fields and
 * aliases of JSON Lines (reader_jsonl.c parses it); its line is the line
 * of its '{'.
 *
 * The array is read element by element, never whole: each element is framed
 * by a scan that follows strings and nesting across blocks, then parsed and
 * handed over.  An element longer than a record may be is passed over
 * without being kept, an element that is not an object is skipped with a
 * warning, and a missing ',' between elements is forgiven (objects one after
 * another).  Anything else out of place ends the file's array with a warning
 * naming its line (an error with --strict).
 */
#include <stdint.h>
#include <string.h>

#include "reader_formats.h"
#include "status.h"

/* Where the scan of one element stands, carried across blocks. */
typedef struct value_scan {
    unsigned depth; /* objects and arrays open */
    int in_string;
    int escaped;    /* the byte before was a backslash inside a string */
    int scalar;     /* a number or a literal: ends before , ] } or a blank */
} value_scan;

/* Backslashes just before d[to], counted down to d[from]. */
static size_t backslashes_before(const uint8_t *d, size_t from, size_t to)
{
    size_t k = to;
    while (k > from && d[k - 1] == '\\')
        k--;
    return to - k;
}

/* The end of the string the scan is inside, looking at d[from, n): the
 * index of its closing '"', or n with s->escaped set for what follows.
 * The text of a document is most of an element's bytes, so its quotes are
 * found with memchr rather than by looking at every byte (the reader ran
 * at 129 MB/s that way, 333 this way; JSON Lines 455-662). */
static size_t string_end(value_scan *s, const uint8_t *d, size_t from, size_t n)
{
    size_t i = from;
    if (s->escaped && i < n) { /* the block before ended in a backslash */
        s->escaped = 0;
        i++;
    }
    for (;;) {
        const uint8_t *q = memchr(d + i, '"', n - i);
        if (!q) {
            s->escaped = backslashes_before(d, i, n) % 2;
            return n;
        }
        size_t at = (size_t)(q - d);
        if (backslashes_before(d, i, at) % 2 == 0) /* i is never escaped here */
            return at;
        i = at + 1;
    }
}

/* The end (one past) of the element that starts at d[0], looking at
 * d[from, n); SIZE_MAX when it goes on past n. */
static size_t scan_value(value_scan *s, const uint8_t *d, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        uint8_t c = d[i];
        if (s->scalar) {
            if (c == ',' || c == ']' || c == '}' || gal_json_blank(c))
                return i;
        } else if (s->in_string) {
            if ((i = string_end(s, d, i, n)) == n)
                return SIZE_MAX;
            s->in_string = 0; /* d[i] is its closing '"' */
            if (s->depth == 0)
                return i + 1; /* a string element */
        } else if (c == '"') {
            s->in_string = 1;
        } else if (c == '{' || c == '[') {
            s->depth++;
        } else if ((c == '}' || c == ']') && --s->depth == 0) {
            return i + 1;
        }
    }
    return SIZE_MAX;
}

/* Pass over blanks, reading on as needed. */
static int skip_blanks(gal_rd_src *r, uint64_t *line)
{
    for (;;) {
        const uint8_t *d = gal_rd_data(r);
        size_t n = gal_rd_avail(r), k = 0;
        while (k < n && gal_json_blank(d[k]))
            k++;
        gal_rd_consume(r, k, line);
        if (k < n || r->eof)
            return 0;
        int rc = gal_rd_fill(r);
        if (rc)
            return rc;
    }
}

enum { ELEMENT_WHOLE, ELEMENT_TOO_LONG, ELEMENT_CUT };

/* Frame the element at gal_rd_data(r)[0]: ELEMENT_WHOLE with its bytes at
 * [0, *len), unconsumed; ELEMENT_TOO_LONG when it was longer than a record
 * may be (passed over, consumed); ELEMENT_CUT when the file ends inside it
 * (consumed); or a negative status. */
static int frame_element(gal_rd_src *r, uint64_t *line, size_t *len)
{
    uint8_t c = gal_rd_data(r)[0];
    value_scan s = {.scalar = c != '{' && c != '[' && c != '"'};
    size_t from = 0, end;
    int rc;
    for (;;) {
        size_t n = gal_rd_avail(r);
        if ((end = scan_value(&s, gal_rd_data(r), from, n)) != SIZE_MAX ||
            (r->eof && s.scalar)) {
            *len = end != SIZE_MAX ? end : n;
            if (*len <= gal_rd_max_record(r))
                return ELEMENT_WHOLE;
            gal_rd_consume(r, *len, line);
            return ELEMENT_TOO_LONG;
        }
        if (r->eof) {
            gal_rd_consume(r, n, line);
            return ELEMENT_CUT;
        }
        if (n > gal_rd_max_record(r))
            break;
        from = n;
        if ((rc = gal_rd_fill(r)) != 0)
            return rc;
    }
    /* too long: the rest scanned and dropped a block at a time */
    for (;;) {
        size_t n = gal_rd_avail(r);
        end = scan_value(&s, gal_rd_data(r), from, n);
        gal_rd_consume(r, end != SIZE_MAX ? end : n, line);
        if (end != SIZE_MAX || r->eof)
            return ELEMENT_TOO_LONG;
        from = 0;
        if ((rc = gal_rd_fill(r)) != 0)
            return rc;
    }
}

/* Parse and hand over the object at gal_rd_data(r)[0, len), which began on
 * line `line`. */
static int hand_over_object(gal_rd_src *r, size_t len, uint64_t line, const char *element,
                            gal_buf *scratch, gal_buf *keybuf)
{
    gal_jsonl_line l;
    gal_buf_clear(scratch);
    const uint8_t *d = gal_rd_data(r);
    int kind = gal_jsonl_parse_line(d, len, 0, scratch, keybuf, &l);
    if (kind == GAL_JSONL_MALFORMED) { /* named by its line, and its byte in the element */
        uint64_t at = line;
        for (size_t i = 0; i < l.err_at; i++)
            at += d[i] == '\n';
        return gal_rd_malformed(r, at, "invalid JSON at byte %zu of the %s from line %llu: %s",
                                l.err_at + 1, element, (unsigned long long)line, l.err);
    }
    return gal_jsonl_hand_over(r, kind, &l, d, len, scratch, line, gal_rd_offset(r) + len);
}

/* A problem with the array itself at line `line`: reported, and the rest of
 * the file passed over. */
static int array_ends(gal_rd_src *r, uint64_t line, const char *what)
{
    int rc = gal_rd_malformed(r, line, "%s", what);
    return rc ? rc : gal_rd_skip_rest(r);
}

int gal_read_json_values(gal_rd_src *r, int in_array)
{
    const char *element = in_array ? "JSON array element" : "JSON value";
    uint64_t line = 1;
    gal_buf scratch, keybuf;
    gal_buf_init(&scratch);
    gal_buf_init(&keybuf);
    const uint8_t *d = gal_rd_data(r);
    if (gal_rd_offset(r) == 0 && gal_rd_avail(r) >= 3 && d[0] == 0xEF && d[1] == 0xBB &&
        d[2] == 0xBF)
        gal_rd_consume(r, 3, &line); /* UTF-8 byte order mark */
    int rc = skip_blanks(r, &line);
    if (in_array)
        gal_rd_consume(r, 1, &line); /* the '[' the caller saw */
    int want_value = 1, any = 0;
    while (!rc) {
        if ((rc = skip_blanks(r, &line)) != 0)
            break;
        if (gal_rd_avail(r) == 0) {
            if (in_array)
                rc = gal_rd_malformed(r, line, "the JSON array has no closing ']' (the file "
                                               "ends inside it)");
            break;
        }
        uint8_t c = gal_rd_data(r)[0];
        if (c == ']' && in_array) { /* a ',' before it is forgiven */
            gal_rd_consume(r, 1, &line);
            if ((rc = skip_blanks(r, &line)) == 0 && gal_rd_avail(r) > 0)
                rc = array_ends(r, line, "invalid JSON: text after the array's closing ']'");
            break;
        }
        if (c == ',' && !want_value) {
            gal_rd_consume(r, 1, &line);
            want_value = 1;
            continue;
        }
        if ((in_array && !want_value && c != '{') || c == ',' || c == '}' || c == ':' ||
            c == ']') {
            rc = array_ends(r, line, !in_array ? "invalid JSON: expected an object (the rest "
                                                 "of the file is skipped)"
                                     : any ? "invalid JSON: expected ',' or ']' after an "
                                             "element of the array (the rest of the file is "
                                             "skipped)"
                                           : "invalid JSON: expected an object in the array");
            break;
        }
        uint64_t at = line;
        size_t len = 0;
        int how = frame_element(r, &line, &len);
        if (how < 0) {
            rc = how;
        } else if (how == ELEMENT_CUT) {
            rc = gal_rd_malformed(r, at, "%s cut short at the end of the file", element);
            break;
        } else if (how == ELEMENT_TOO_LONG) {
            rc = gal_rd_too_long(r, at, element);
        } else {
            rc = c == '{' ? hand_over_object(r, len, at, element, &scratch, &keybuf)
                          : gal_rd_malformed(r, at, "a %s that is not an object", element);
            gal_rd_consume(r, len, &line);
        }
        want_value = 0;
        any = 1;
    }
    gal_buf_release(&scratch);
    gal_buf_release(&keybuf);
    return rc;
}
