/*
 * charset_convert.h — web pages in charsets other than UTF-8 and
 * windows-1252 (Shift_JIS, GBK, EUC-KR, KOI8-R, ISO 8859-2 ...) turned into
 * UTF-8 before their HTML is read, with the C library's iconv(3), which
 * knows every charset a crawl names.  The markup of those charsets is
 * ASCII, so a page's <meta> names its charset before it is converted.
 */
#ifndef GAL_CHARSET_CONVERT_H
#define GAL_CHARSET_CONVERT_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "html_text.h"

/* A converter from the charset named last (a crawl names one or a few). */
typedef struct gal_charset_conv {
    iconv_t cd; /* (iconv_t)-1: none open */
    char name[GAL_CHARSET_NAME_MAX];
} gal_charset_conv;

void gal_charset_conv_init(gal_charset_conv *c);
void gal_charset_conv_release(gal_charset_conv *c);

/* Append s[0, n), read in the charset called name, to out as UTF-8; a byte
 * sequence that is not of that charset becomes U+FFFD.  0; 1, with out as it
 * was, when the C library knows no charset of that name; GAL_ENOMEM. */
int gal_charset_to_utf8(gal_charset_conv *c, const char *name, const uint8_t *s, size_t n,
                        gal_buf *out);

#endif
