#include "charset_convert.h"

#include <errno.h>
#include <string.h>

#include "status.h"

void gal_charset_conv_init(gal_charset_conv *c)
{
    c->cd = (iconv_t)-1;
    c->name[0] = '\0';
}

void gal_charset_conv_release(gal_charset_conv *c)
{
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    gal_charset_conv_init(c);
}

/* The converter for name, opened unless it is the one open: 0, or 1 when
 * there is no such charset. */
static int open_for(gal_charset_conv *c, const char *name)
{
    if (c->cd != (iconv_t)-1 && !strcmp(c->name, name))
        return 0;
    gal_charset_conv_release(c);
    if (!*name || strlen(name) >= sizeof c->name)
        return 1;
    c->cd = iconv_open("UTF-8", name);
    if (c->cd == (iconv_t)-1)
        return 1;
    strcpy(c->name, name);
    return 0;
}

/* Input bytes converted a step: the output room a step needs stays small. */
#define STEP_BYTES ((size_t)16 << 10)

int gal_charset_to_utf8(gal_charset_conv *c, const char *name, const uint8_t *s, size_t n,
                        gal_buf *out)
{
    if (open_for(c, name))
        return 1;
    iconv(c->cd, NULL, NULL, NULL, NULL); /* the initial shift state */
    char *in = (char *)s;
    size_t left = n;
    while (left > 0) {
        size_t step = left < STEP_BYTES ? left : STEP_BYTES, step_left = step;
        size_t room = 4 * step + 16; /* UTF-8 takes at most 4 bytes a code point */
        if (gal_buf_reserve(out, room))
            return gal_error_set(GAL_ENOMEM, "out of memory converting a page to UTF-8");
        char *o = (char *)out->data + out->len;
        size_t r = iconv(c->cd, &in, &step_left, &o, &room);
        int err = r == (size_t)-1 ? errno : 0;
        left -= step - step_left;
        out->len = (size_t)((uint8_t *)o - out->data);
        if (!err || step_left < step)
            continue; /* whatever stopped a step that made progress, the next meets it
                       * first (a sequence the step cut is whole there) */
        /* at once: a byte not of the charset (EILSEQ), a sequence cut by
         * the end of the page (EINVAL), or no room (E2BIG, which 4 bytes a
         * code point rules out): the byte is lost */
        if (gal_buf_append(out, "\xEF\xBF\xBD", 3))
            return gal_error_set(GAL_ENOMEM, "out of memory converting a page to UTF-8");
        in++;
        left--;
        iconv(c->cd, NULL, NULL, NULL, NULL);
    }
    return 0;
}
