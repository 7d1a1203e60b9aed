/*
 * build_options.h — the index-building options that `galley index` and
 * `galley bench index` share (--batch-mb, --text-level, --keep-cache,
 * --threads, --read-threads, --format, --shard, --shards), those of a run that `galley
 * index` and `galley merge` share, parsed in one place, and the line that
 * sums up a build.
 */
#ifndef GAL_BUILD_OPTIONS_H
#define GAL_BUILD_OPTIONS_H

#include "index_build.h"

/* If arg is a shared build option, apply it (with its value val, which may
 * be NULL when the command line ends) to o and return how many arguments it
 * took: 1 for a flag, 2 with its value.  Return 0 when arg is not one of
 * them, or the usage error's exit status (negated) after printing it for
 * command cmd. */
int gal_build_option(const char *cmd, const char *arg, const char *val, gal_build_opts *o);

/* The same for the options of a run that `galley index` and `galley merge`
 * share: -o/--output DIR, --device D, --append, --replace, --replace-by KEY, --progress,
 * -q/--quiet. */
int gal_build_run_option(const char *cmd, const char *arg, const char *val, gal_build_opts *o);

/* After a build: unless o->quiet, one line of what it did (verb: "indexed",
 * "merged"; "committed" after a failure that kept some batches), and a note
 * when the index has so many batches that optimizing would pay. */
void gal_build_summary(const gal_build_opts *o, const gal_build_report *r, int rc, const char *verb);

#endif
