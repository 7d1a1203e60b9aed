/*
 * build_options.h — the index-building options that `galley index` and
 * `galley bench index` share (--batch-mb, --threads, --format, --shard),
 * parsed in one place.
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

#endif
