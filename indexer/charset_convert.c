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

int gal_charset_to_utf8(gal_charset_conv *c, const char *name, const uint8_t *s, size_t n,
                        gal_buf *out)
{
    if (open_for(c, name))
        return 1;
    iconv(c->cd, NULL, NULL, NULL, NULL); /* the initial shift state */
    char *in = (char *)s;
    size_t left = n;
    while (left > 0) {
        /* room for the worst case of what is left: 4 bytes a byte, at most
         * 64 kB a step */
        size_t room = (left < (16u << 10) ? left : (16u << 10)) * 4 + 16;
        if (gal_buf_reserve(out, room))
            return gal_error_set(GAL_ENOMEM, "out of memory converting a page to UTF-8");
        char *o = (char *)out->data + out->len;
        size_t avail = room, before = left;
        size_t step = left < (16u << 10) ? left : (16u << 10);
        size_t step_left = step;
        size_t r = iconv(c->cd, &in, &step_left, &o, &avail);
        left -= step - step_left;
        out->len = (size_t)((uint8_t *)o - out->data);
        if (r != (size_t)-1 || errno == E2BIG)
            continue;
        if (errno == EINVAL && step_left > 0 && step < before)
            continue; /* a sequence cut by the step: the next step takes it whole */
        /* EILSEQ, or a sequence cut by the end of the page: one byte is lost */
        if (gal_buf_append(out, "\xEF\xBF\xBD", 3))
            return gal_error_set(GAL_ENOMEM, "out of memory converting a page to UTF-8");
        in++;
        left--;
        iconv(c->cd, NULL, NULL, NULL, NULL);
    }
    return 0;
}
