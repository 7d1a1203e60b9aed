/*
 * bench.h — `galley bench`: figures for indexing and for queries.
 *
 *   galley bench index INPUT... [--device D|all] [--batch-mb N] [--json FILE]
 *                               [--compare OLD.json]
 *   galley bench query INDEX QUERIES [--json FILE] [--warmup N] [--runs N]
 *
 * bench_index.c builds a full index per device, each in a forked child (so
 * peak RSS and OpenCL state are the child's own) and into a scratch directory
 * that is removed afterwards.  bench_query.c runs a fixed query set through
 * the query library in-process.  Both print a table on stdout and, with
 * --json, write the figures to a file that --compare (index) or
 * bench/compare.py read back.  Benchmarks print figures; they never assert a
 * time.
 */
#ifndef GAL_BENCH_H
#define GAL_BENCH_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The subcommands; argv[0] is "index" or "query".  Return an exit status
 * (commands.h). */
int gal_bench_index(int argc, char **argv);
int gal_bench_query(int argc, char **argv);
int gal_bench_postings(int argc, char **argv);

/* bench postings --bounds (postings_bounds.c): print the postings' bytes by
 * part beside other codings and the uniform bound.  0 or a gal_status. */
struct gal_store;
int gal_postings_bounds(struct gal_store *st);

/* An option's count: s a whole decimal number in [lo, hi] into *v, 0; -1
 * for anything else (missing, empty, trailing bytes, out of range). */
static inline int gal_bench_parse_count(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

/* Write s as a JSON string literal (quotes, backslash and control bytes
 * escaped; other bytes as they are). */
static inline void gal_bench_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* "2026-11-28T16:40:00Z" for now, into out[cap]. */
static inline void gal_bench_utc_now(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#endif
