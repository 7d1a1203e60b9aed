/*
 * cmd_optimize.c — `galley optimize INDEX`: merge the index's batches
 * (index_optimize.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "index_optimize.h"
#include "status.h"

static const char optimize_help[] =
    "usage: galley optimize INDEX [--group-docs N]\n"
    "\n"
    "Merge the batches of INDEX into groups of up to N documents [4194304].\n"
    "Every batch of 'galley index' keeps its own run of postings, so a term\n"
    "has a chunk in each batch it occurs in, an entity a record, and a query\n"
    "seeks once per batch and term; merging re-chunks every term's postings\n"
    "into full chunks, merges each entity's records into one and leaves one\n"
    "run per group.  The index is rewritten into a new file (as much free\n"
    "disk as the index takes, for a moment) that replaces the old one in one\n"
    "rename; queries and 'galley entities' answer exactly as before.  It holds the writer lock, and leaves the index as\n"
    "it was when another process has it open.  Later 'galley index --append'\n"
    "runs add batches after the groups.\n"
    "\n"
    "exit status:\n"
    "  0  done, or nothing to merge\n"
    "  2  usage error\n"
    "  3  INDEX is missing, corrupt or being written by another process\n"
    "  6  out of memory, disk full or another system error\n";

int gal_cmd_optimize(int argc, char **argv)
{
    const char *dir = NULL;
    uint32_t group_docs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(optimize_help, stdout);
            return GAL_EXIT_OK;
        } else if (!strcmp(a, "--group-docs")) {
            char *end;
            long long n = i + 1 < argc ? strtoll(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || *end || n < 1 || n > 64ll << 20)
                return gal_usage_error("optimize", "--group-docs needs a number from 1 to %d",
                                       64 << 20);
            group_docs = (uint32_t)n;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            return gal_usage_error("optimize", "unknown option '%s'", a);
        } else if (!dir) {
            dir = a;
        } else {
            return gal_usage_error("optimize", "too many arguments");
        }
    }
    if (!dir)
        return gal_usage_error("optimize", "want INDEX");
    gal_optimize_report r;
    int rc = gal_index_optimize(dir, group_docs, &r);
    if (rc == GAL_ENOTFOUND) { /* a missing index, not a missing input */
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    if (rc)
        return gal_report(rc);
    if (r.skipped)
        fprintf(stderr, "galley: '%s' left as it was: %s\n", dir, r.skipped);
    else
        fprintf(stderr,
                "galley: optimized '%s' in %.2f s: %llu batches into %llu, %llu postings chunks "
                "into %llu, %.1f MB into %.1f MB\n",
                dir, r.seconds, (unsigned long long)r.batches_before,
                (unsigned long long)r.batches_after, (unsigned long long)r.chunks_before,
                (unsigned long long)r.chunks_after, (double)r.bytes_before / 1e6,
                (double)r.bytes_after / 1e6);
    return GAL_EXIT_OK;
}
