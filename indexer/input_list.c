/*
 * input_list.c — expand the command line's inputs into the files to read.
 *
 * Every input is checked first, so a missing one fails before anything is
 * read.  A file or "-" is taken as it is (even a FIFO or a hidden name: the
 * user named it).  A directory is walked recursively: entries whose name
 * starts with '.' are skipped, the rest are visited in byte order of their
 * names, regular files are taken, sub-directories entered; symbolic links
 * to files are followed, symbolic links to directories are not (no loops).
 */
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "status.h"

typedef struct list {
    char **v;
    size_t n, cap;
} list;

static int list_push(list *l, char *s)
{
    if (!s)
        return gal_error_set(GAL_ENOMEM, "out of memory listing inputs");
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = gal_realloc(l->v, cap * sizeof *v);
        if (!v) {
            gal_free(s);
            return gal_error_set(GAL_ENOMEM, "out of memory listing inputs");
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = gal_malloc(dl + slash + nl + 1);
    if (p) {
        memcpy(p, dir, dl);
        if (slash)
            p[dl] = '/';
        memcpy(p + dl + slash, name, nl + 1);
    }
    return p;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, list *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return gal_error_set(errno == ENOENT ? GAL_ENOTFOUND : GAL_EIO,
                             "cannot open directory '%s': %s", dir, strerror(errno));
    list names = {0};
    int rc = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if ((rc = list_push(&names, gal_strndup(e->d_name, strlen(e->d_name)))) != 0)
            goto done;
        errno = 0;
    }
    if (errno) {
        rc = gal_error_set(GAL_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
        goto done;
    }
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_names);
    for (size_t i = 0; i < names.n; i++) {
        char *path = join(dir, names.v[i]);
        struct stat st, lst;
        if (!path) {
            rc = gal_error_set(GAL_ENOMEM, "out of memory listing inputs");
            goto done;
        }
        if (lstat(path, &lst) != 0 || stat(path, &st) != 0) {
            gal_free(path); /* vanished or a dangling link: nothing to read */
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (!S_ISLNK(lst.st_mode))
                rc = walk(path, out);
            gal_free(path);
            if (rc)
                goto done;
        } else if (S_ISREG(st.st_mode)) {
            if ((rc = list_push(out, path)) != 0)
                goto done;
        } else {
            gal_free(path);
        }
    }
done:
    for (size_t i = 0; i < names.n; i++)
        gal_free(names.v[i]);
    gal_free(names.v);
    closedir(d);
    return rc;
}

void gal_input_list_free(char **list_, size_t n)
{
    if (!list_)
        return;
    for (size_t i = 0; i < n; i++)
        gal_free(list_[i]);
    gal_free(list_);
}

int gal_input_list(const char *const *inputs, size_t ninputs, char ***out, size_t *nout)
{
    struct stat st;
    for (size_t i = 0; i < ninputs; i++) {
        if (strcmp(inputs[i], "-") == 0)
            continue;
        if (stat(inputs[i], &st) != 0)
            return gal_error_set(errno == ENOENT || errno == ENOTDIR ? GAL_ENOTFOUND : GAL_EIO,
                                 "cannot open '%s': %s", inputs[i], strerror(errno));
    }
    list l = {0};
    int rc = 0;
    for (size_t i = 0; i < ninputs && rc == 0; i++) {
        const char *in = inputs[i];
        if (strcmp(in, "-") != 0 && stat(in, &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(in, &l);
        else
            rc = list_push(&l, gal_strndup(in, strlen(in)));
    }
    if (rc) {
        gal_input_list_free(l.v, l.n);
        return rc;
    }
    *out = l.v;
    *nout = l.n;
    return 0;
}
