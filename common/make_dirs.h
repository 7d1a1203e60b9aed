/*
 * make_dirs.h — `mkdir -p`: a directory and any of its parents missing.
 */
#ifndef GAL_MAKE_DIRS_H
#define GAL_MAKE_DIRS_H

/* Create the directories of path that are missing, the last one too when
 * last is set (else only its parents: a path some other step creates).
 * 0, or -1 with errno set, as mkdir(2) leaves it. */
int gal_make_dirs(const char *path, int last);

#endif
