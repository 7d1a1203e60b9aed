/*
 * cmd_optimize.c — `galley optimize INDEX`: merge the index's batches and
 * pack its stored text again (index_optimize.h, text_repack.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "index_dirs.h"
#include "index_optimize.h"
#include "status.h"

static const char optimize_help[] =
    "usage: galley optimize INDEX [--group-docs N] [--text-level L] [--progress | -q]\n"
    "\n"
    "Merge the batches of INDEX into groups of up to N documents [4194304].\n"
    "Every batch of 'galley index' keeps its own run of postings, so a term\n"
    "has a chunk in each batch it occurs in, an entity a record, and a query\n"
    "seeks once per batch and term; merging re-chunks every term's postings\n"
    "into full chunks, merges each entity's records into one and leaves one\n"
    "run per group.  The index is rewritten into a new file (as much free\n"
    "disk as the index takes, for a moment) that replaces the old one in one\n"
    "rename; queries and 'galley entities' answer exactly as before (scores\n"
    "too, unless documents are purged: below).  It holds the writer lock,\n"
    "and leaves the index as it was when another process has it open.\n"
    "Later 'galley index --append' runs add batches after the groups.\n"
    "\n"
    "Documents deleted or replaced since the last optimize ('galley delete',\n"
    "'galley index --replace') are purged: their postings, their entity\n"
    "mentions and their stored text are left out, and words only they held\n"
    "leave the lexicon.  BM25 then counts neither them nor their lengths, so\n"
    "scores are those of an index built without them.  With --group-docs 1\n"
    "every batch stays apart, and its postings chunks that lose no document\n"
    "are copied as they are: a cheap purge of an index of many batches.\n"
    "\n"
    "The stored text is compressed again at zstd level L [7] (0: left as it\n"
    "is; 1-19) with a dictionary of up to 4 MB trained on documents from the\n"
    "whole index: generated news a fifth smaller than 'galley index' leaves\n"
    "it, Reuters a tenth, at about 17 MB/s of text a core on every core.\n"
    "Documents an earlier optimize packed keep their records; those appended\n"
    "since are packed with the same dictionary.  An index whose batches are\n"
    "merged, whose text is packed and that has nothing to purge is left as\n"
    "it is.  With --text-level 0, purged documents keep their stored text.\n"
    "\n"
    "A progress line is shown when standard error is a terminal (--progress:\n"
    "always; -q, --quiet: never, nor the summary).  A directory of shards\n"
    "(galley index --shards N or --mpi) is optimized a shard at a time.\n"
    "\n"
    "exit status:\n"
    "  0  done, or nothing to merge\n"
    "  2  usage error\n"
    "  3  INDEX is missing, corrupt or being written by another process, or\n"
    "     another process had it open when the new file was to take its place\n"
    "     (it is left as it was)\n"
    "  6  out of memory, disk full or another system error\n";

static int optimize_one(const char *dir, const gal_optimize_opts *opts, int quiet);

int gal_cmd_optimize(int argc, char **argv)
{
    const char *dir = NULL;
    gal_optimize_opts opts = {.text_level = GAL_TEXT_REPACK_LEVEL, .progress = -1};
    int quiet = 0;
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
            opts.group_docs = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--text-level")) {
            char *end;
            long n = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (i + 1 >= argc || *end || n < 0 || n > 19)
                return gal_usage_error("optimize", "--text-level needs a level from 0 to 19");
            opts.text_level = (int)n;
            i++;
        } else if (!strcmp(a, "--progress")) {
            opts.progress = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
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
    opts.progress = quiet ? 0 : opts.progress >= 0 ? opts.progress : isatty(2);
    /* a directory of shards: one shard after another, each on every core */
    gal_index_dirs dirs;
    int status = gal_index_dirs_expand("optimize", &dir, 1, &dirs);
    for (size_t i = 0; i < dirs.n && status == GAL_EXIT_OK; i++)
        status = optimize_one(dirs.dir[i], &opts, quiet);
    gal_index_dirs_free(&dirs);
    return status;
}

/* Optimize one index and say what was done; its exit status. */
static int optimize_one(const char *dir, const gal_optimize_opts *opts, int quiet)
{
    gal_optimize_report r;
    int rc = gal_index_optimize(dir, opts, &r);
    if (rc == GAL_ENOTFOUND) { /* a missing index, not a missing input */
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    if (rc)
        return gal_report(rc);
    if (r.blocked) { /* the work was done for nothing: a script must know */
        fprintf(stderr, "galley: error: '%s' left as it was: %s\n", dir, r.skipped);
        return GAL_EXIT_INDEX;
    }
    if (quiet)
        return GAL_EXIT_OK;
    if (r.skipped)
        fprintf(stderr, "galley: '%s' left as it was: %s\n", dir, r.skipped);
    else
        fprintf(stderr,
                "galley: optimized '%s' in %.2f s: %llu batches into %llu, %llu postings chunks "
                "into %llu (%llu of them kept as they were), %.1f MB into %.1f MB\n",
                dir, r.seconds, (unsigned long long)r.batches_before,
                (unsigned long long)r.batches_after, (unsigned long long)r.chunks_before,
                (unsigned long long)r.chunks_after, (unsigned long long)r.chunks_copied,
                (double)r.bytes_before / 1e6, (double)r.bytes_after / 1e6);
    if (!r.skipped && r.purged)
        fprintf(stderr, "galley: purged %llu deleted document%s (%llu word%s only they held)\n",
                (unsigned long long)r.purged, r.purged == 1 ? "" : "s",
                (unsigned long long)r.terms_dropped, r.terms_dropped == 1 ? "" : "s");
    if (!r.skipped && r.text_level) {
        char dict[96];
        if (r.text.dict_bytes)
            snprintf(dict, sizeof dict, "a %zu kB dictionary trained in %.2f s",
                     r.text.dict_bytes >> 10, r.text.train_sec);
        else
            snprintf(dict, sizeof dict, "the index's dictionary");
        fprintf(stderr,
                "galley: stored text of %llu documents (%.1f MB) packed at level %d with %s, "
                "alongside the postings and %.2f s after them; %llu blocks packed before kept\n",
                (unsigned long long)r.text.docs, (double)r.text.text_bytes / 1e6, r.text_level,
                dict, r.text.finish_sec, (unsigned long long)r.text.blocks_copied);
    }
    return GAL_EXIT_OK;
}
