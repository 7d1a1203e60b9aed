/*
 * make_dirs.c — see make_dirs.h.
 */
#include "make_dirs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"

int gal_make_dirs(const char *path, int last)
{
    char *buf = gal_strndup(path, strlen(path));
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    for (char *p = buf + 1; *p && !rc; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        rc = mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
        *p = '/';
    }
    if (!rc && last)
        rc = mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
    int saved = errno;
    gal_free(buf);
    errno = saved;
    return rc;
}
