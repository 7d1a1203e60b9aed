#include "build_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

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
    if (!strcmp(arg, "--threads")) {
        char *end;
        long n = val ? strtol(val, &end, 10) : 0;
        if (!val || *end || n < 3 || n > GAL_MAX_THREADS)
            return -gal_usage_error(cmd, "--threads needs a number from 3 to %d", GAL_MAX_THREADS);
        o->threads = (unsigned)n;
        return 2;
    }
    if (!strcmp(arg, "--shard")) {
        unsigned k, n;
        char end;
        if (!val || sscanf(val, "%u/%u%c", &k, &n, &end) != 2 || n < 1 || n > 4096 || k < 1 || k > n)
            return -gal_usage_error(cmd, "--shard needs K/N, 1 <= K <= N <= 4096, not '%s'",
                                    val ? val : "");
        o->shard = k;
        o->nshards = n;
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
