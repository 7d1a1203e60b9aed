#include "build_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "format.h"
#include "text_pack.h"

int gal_build_option(const char *cmd, const char *arg, const char *val, gal_build_opts *o)
{
    if (!strcmp(arg, "--batch-mb")) {
        char *end;
        long mb = val ? strtol(val, &end, 10) : 0;
        if (!val || *end || mb < 1 || mb > 2048)
            return -gal_usage_error(cmd, "--batch-mb needs a number from 1 to 2048");
        o->batch_bytes = (size_t)mb << 20;
        return 2;
    }
    if (!strcmp(arg, "--text-level")) {
        char *end;
        long n = val ? strtol(val, &end, 10) : -1;
        if (!val || *end || n < 0 || n > GAL_TEXT_INDEX_LEVEL_MAX)
            return -gal_usage_error(cmd, "--text-level needs a level from 0 to %d",
                                    GAL_TEXT_INDEX_LEVEL_MAX);
        o->text_level = n ? (int)n : GAL_TEXT_LEVEL_RAW;
        return 2;
    }
    if (!strcmp(arg, "--keep-cache")) {
        o->keep_cache = 1;
        return 1;
    }
    if (!strcmp(arg, "--threads")) {
        char *end;
        long n = val ? strtol(val, &end, 10) : 0;
        if (!val || *end || n < 3 || n > GAL_MAX_THREADS)
            return -gal_usage_error(cmd, "--threads needs a number from 3 to %d", GAL_MAX_THREADS);
        o->threads = (unsigned)n;
        return 2;
    }
    if (!strcmp(arg, "--read-threads")) {
        char *end;
        long n = val ? strtol(val, &end, 10) : 0;
        if (!val || *end || n < 1 || n > GAL_MAX_READ_THREADS)
            return -gal_usage_error(cmd, "--read-threads needs a number from 1 to %d",
                                    GAL_MAX_READ_THREADS);
        o->read_threads = (unsigned)n;
        return 2;
    }
    if (!strcmp(arg, "--shard")) {
        unsigned k, n;
        if (!val || !gal_shard_parse(val, &k, &n))
            return -gal_usage_error(cmd, "--shard needs K/N, 1 <= K <= N <= %u, not '%s'",
                                    GAL_SHARDS_MAX, val ? val : "");
        o->shard = k;
        o->nshards = n;
        return 2;
    }
    if (!strcmp(arg, "--shards")) {
        char *end;
        long n = val ? strtol(val, &end, 10) : 0;
        if (!val || *end || n < 2 || n > GAL_MAX_SHARDS_HERE)
            return -gal_usage_error(cmd, "--shards needs a number from 2 to %d (each shard is a "
                                         "pipeline of this process; more: --shard K/N or --mpi)",
                                    GAL_MAX_SHARDS_HERE);
        o->all_shards = (unsigned)n;
        return 2;
    }
    if (!strcmp(arg, "--format")) {
        if (val && !strcmp(val, "jsonl"))
            o->format = GAL_FORMAT_JSONL;
        else if (val && !strcmp(val, "trec"))
            o->format = GAL_FORMAT_TREC;
        else if (val && !strcmp(val, "text"))
            o->format = GAL_FORMAT_TEXT;
        else if (val && !strcmp(val, "warc"))
            o->format = GAL_FORMAT_WARC;
        else
            return -gal_usage_error(cmd, "--format needs jsonl, trec, warc or text");
        return 2;
    }
    return 0;
}

int gal_build_run_option(const char *cmd, const char *arg, const char *val, gal_build_opts *o)
{
    if (!strcmp(arg, "--replace-by")) {
        if (val && !strcmp(val, "id"))
            o->replace = GAL_REPLACE_ID;
        else if (val && !strcmp(val, "url"))
            o->replace = GAL_REPLACE_URL;
        else
            return -gal_usage_error(cmd, "--replace-by takes id or url");
        return 2;
    }
    if (!strcmp(arg, "-o") || !strcmp(arg, "--output") || !strcmp(arg, "--device")) {
        if (!val)
            return -gal_usage_error(cmd, "%s needs a value", arg);
        if (!strcmp(arg, "--device"))
            o->device = val;
        else
            o->out_dir = val;
        return 2;
    }
    if (!strcmp(arg, "--append"))
        o->append = 1;
    else if (!strcmp(arg, "--replace"))
        o->replace = GAL_REPLACE_ID;
    else if (!strcmp(arg, "--progress"))
        o->progress = 1;
    else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet"))
        o->quiet = 1;
    else
        return 0;
    return 1;
}

static void human_bytes(uint64_t n, char *out, size_t cap)
{
    if (n >= 1000000000ull)
        snprintf(out, cap, "%.2f GB", (double)n / 1e9);
    else if (n >= 1000000ull)
        snprintf(out, cap, "%.1f MB", (double)n / 1e6);
    else
        snprintf(out, cap, "%.1f kB", (double)n / 1e3);
}

void gal_build_summary(const gal_build_opts *o, const gal_build_report *r, int rc, const char *verb)
{
    if (o->quiet || (rc && !r->batches))
        return;
    char raw[32], idx[32];
    human_bytes(r->raw_bytes, raw, sizeof raw);
    human_bytes(r->index_bytes, idx, sizeof idx);
    double mbs = r->seconds > 0 ? (double)r->raw_bytes / 1e6 / r->seconds : 0.0;
    fprintf(stderr,
            "galley: %s %llu documents (%s raw), %llu tokens, %llu new terms, "
            "%llu records skipped in %.2f s (%.1f MB/s); index %s (%.2f x raw) on %s\n",
            rc ? "committed" : verb, (unsigned long long)r->docs, raw,
            (unsigned long long)r->tokens, (unsigned long long)r->new_terms,
            (unsigned long long)r->skipped, r->seconds, mbs, idx,
            /* over all the index holds: an --append adds to earlier runs */
            r->index_raw_bytes ? (double)r->index_bytes / (double)r->index_raw_bytes : 0.0,
            r->device);
    if (r->replaced)
        fprintf(stderr, "galley: %llu earlier documents replaced by new ones with their %s\n",
                (unsigned long long)r->replaced, r->replaced_by == GAL_REPLACE_URL ? "urls" : "ids");
    if (!rc && gal_build_text_level(o) == 0)
        fprintf(stderr, "galley: note: the stored text is kept as it is (--text-level 0); "
                        "'galley optimize' compresses it\n");
    /* each batch costs every query term a seek: past a few dozen, say what
     * merges them */
    if (!rc && r->index_batches > 64)
        fprintf(stderr, "galley: note: the index holds %llu batches; 'galley optimize' merges "
                        "them (smaller, faster queries)\n",
                (unsigned long long)r->index_batches);
}
