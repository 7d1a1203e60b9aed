/*
 * id_lines.c — see id_lines.h.
 */
#include "id_lines.h"

#include <stdint.h>
#include <string.h>

#include "output.h"
#include "status.h"
#include "tokenizer_rules.h" /* gal_utf8_encode */

static int must_quote(const unsigned char *s, size_t n)
{
    if (n && (s[0] == '"' || s[0] == '#'))
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] == 0x7F)
            return 1;
        /* C1 controls (U+0085 is a line break to some readers: Python's
         * splitlines), and U+2028 and U+2029, line and paragraph breaks */
        if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
            return 1;
        if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
            return 1;
    }
    return 0;
}

int gal_id_line_put(gal_buf *b, const char *id, size_t n)
{
    return must_quote((const unsigned char *)id, n) ? gal_json_string(b, id, n)
                                                    : gal_buf_append(b, id, n);
}

static int hex4(const char *s, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
        if (d < 0)
            return -1;
        *v = *v << 4 | (uint32_t)d;
    }
    return 0;
}

/* The JSON string s[0, n) (quotes included) decoded into b. */
static int unquote(const char *s, size_t n, gal_buf *b, const char **why)
{
    size_t i = 1;
    for (; i < n && s[i] != '"'; i++) {
        if ((unsigned char)s[i] < 0x20) {
            *why = "a control byte inside the quotes";
            return GAL_EINPUT;
        }
        if (s[i] != '\\') {
            int rc = gal_buf_push(b, (uint8_t)s[i]);
            if (rc)
                return rc;
            continue;
        }
        if (++i == n)
            break;
        static const char plain[] = "\"\\/bfnrt", as[] = "\"\\/\b\f\n\r\t";
        const char *p = s[i] ? strchr(plain, s[i]) : NULL;
        if (p) {
            int rc = gal_buf_push(b, (uint8_t)as[p - plain]);
            if (rc)
                return rc;
            continue;
        }
        uint32_t cp, low;
        if (s[i] != 'u' || i + 4 >= n || hex4(s + i + 1, &cp)) {
            *why = "a bad escape";
            return GAL_EINPUT;
        }
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00) { /* a pair's high half: its low half follows */
            if (i + 6 >= n || s[i + 1] != '\\' || s[i + 2] != 'u' || hex4(s + i + 3, &low) ||
                low < 0xDC00 || low > 0xDFFF) {
                *why = "half a surrogate pair";
                return GAL_EINPUT;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            *why = "half a surrogate pair";
            return GAL_EINPUT;
        }
        gal_u8 u[4];
        int rc = gal_buf_append(b, u, gal_utf8_encode((gal_i32)cp, u));
        if (rc)
            return rc;
    }
    if (i >= n) {
        *why = "no closing quote";
        return GAL_EINPUT;
    }
    if (i + 1 != n) {
        *why = "more after the closing quote";
        return GAL_EINPUT;
    }
    return 0;
}

int gal_id_line_get(const char *line, size_t n, gal_buf *scratch, const char **out, size_t *out_n,
                    const char **why)
{
    if (!n || line[0] != '"') {
        *out = line;
        *out_n = n;
        return 0;
    }
    gal_buf_clear(scratch);
    int rc = unquote(line, n, scratch, why);
    if (rc)
        return rc;
    *out = (const char *)scratch->data;
    *out_n = scratch->len;
    return 0;
}
