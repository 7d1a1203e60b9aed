/*
 * cmd_verify.c — `galley verify INDEX`: check every record of an index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "commands.h"
#include "index_dirs.h"
#include "parallel_for.h"
#include "status.h"
#include "verify.h"

static const char verify_help[] =
    "usage: galley verify [-q] INDEX\n"
    "\n"
    "Check a whole index: the checksum and structure of every record in every\n"
    "table (postings decode fully, documents, stored text decompresses, batch\n"
    "statistics), the lexicon against the vocabulary, and the counts kept in\n"
    "the metadata against what the tables hold.  Each problem is printed on\n"
    "stdout as one line naming the table and the key; a summary goes to stderr.\n"
    "A damaged page that LMDB cannot read ends that table's check, said once;\n"
    "the other tables are checked all the same.  Bytes of damaged terms and ids\n"
    "that are not printable UTF-8 are shown as \\xNN.\n"
    "It reads one committed state, so it may run while 'galley index' writes.\n"
    "A directory of shards (galley index --shards N or --mpi): every shard,\n"
    "checked at once, a core each, and reported in order.\n"
    "\n"
    "options:\n"
    "  -q, --quiet  print no summary, only problems\n"
    "  -h, --help   show this help\n"
    "\n"
    "exit status:\n"
    "  0  the index is sound\n"
    "  2  usage error\n"
    "  3  the index is missing or corrupt\n"
    "  6  out of memory or another system error\n";

/* One index's check: what gal_index_verify found, its problems' lines
 * (to stdout, or kept to be printed in shard order) and its error. */
typedef struct check {
    const char *dir;
    FILE *report;
    gal_verify_stats s;
    char *lines; /* the kept problems (open_memstream), or NULL */
    size_t lines_len;
    gal_error_copy error; /* from the thread that checked */
} check;

static void run_check(void *arg, size_t i);
static int print_check(check *c, int quiet);

int gal_cmd_verify(int argc, char **argv)
{
    const char *dir = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(verify_help, stdout);
            return GAL_EXIT_OK;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return gal_usage_error("verify", "unknown option '%s'", a);
        } else if (dir) {
            return gal_usage_error("verify", "more than one INDEX");
        } else {
            dir = a;
        }
    }
    if (!dir)
        return gal_usage_error("verify", "missing INDEX");
    /* a directory of shards: every shard, checked at once (parallel_for.h)
     * and reported in order, and the first failure's status; one index
     * prints its problems as they are found */
    gal_index_dirs dirs;
    int status = gal_index_dirs_expand_damaged("verify", &dir, 1, &dirs), first = status;
    check *checks = dirs.n ? gal_calloc(dirs.n, sizeof *checks) : NULL;
    if (dirs.n && !checks) {
        gal_index_dirs_free(&dirs);
        return gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
    }
    for (size_t i = 0; i < dirs.n; i++) {
        checks[i].dir = dirs.dir[i];
        checks[i].report = dirs.n == 1 ? stdout : NULL;
    }
    gal_parallel_for(dirs.n, 0, run_check, checks);
    for (size_t i = 0; i < dirs.n; i++) {
        int one = print_check(&checks[i], quiet);
        first = first ? first : one;
        free(checks[i].lines); /* open_memstream's */
    }
    gal_free(checks);
    gal_index_dirs_free(&dirs);
    return first;
}

static void run_check(void *arg, size_t i)
{
    check *c = (check *)arg + i;
    FILE *kept = c->report ? NULL : open_memstream(&c->lines, &c->lines_len);
    int rc;
    if (!c->report && !kept)
        rc = gal_error_set(GAL_ENOMEM, "out of memory checking '%s'", c->dir);
    else
        rc = gal_index_verify(c->dir, c->report ? c->report : kept, &c->s);
    if (kept)
        fclose(kept);
    gal_error_keep(&c->error, rc);
}

/* Print c's kept problems, then its summary or error; its exit status. */
static int print_check(check *c, int quiet)
{
    if (c->lines_len)
        fwrite(c->lines, 1, c->lines_len, stdout);
    fflush(stdout);
    const char *dir = c->dir;
    const gal_verify_stats s = c->s;
    int rc = gal_error_kept(&c->error);
    if (rc == GAL_ENOTFOUND) { /* no index there: "missing", exit 3 like corrupt */
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    if (rc && rc != GAL_ECORRUPT)
        return gal_report(rc);
    /* refused to open (wrong version, not an index, damaged past reading):
     * named, as one of several shards */
    if (rc == GAL_ECORRUPT && s.records == 0 && s.problems == 0)
        return gal_report(gal_error_naming(rc, dir));
    char purged[48] = "";
    if (s.purged)
        snprintf(purged, sizeof purged, " (%llu purged)", (unsigned long long)s.purged);
    char stopped[64] = "";
    if (s.tables_stopped)
        snprintf(stopped, sizeof stopped, " (%llu table%s not read to the end)",
                 (unsigned long long)s.tables_stopped, s.tables_stopped == 1 ? "" : "s");
    if (!quiet)
        fprintf(stderr,
                "galley: verified '%s': %llu records: %llu documents, %llu stored texts, "
                "%llu batches, %llu terms, %llu entities, %llu postings chunks (%llu of them in "
                "%llu blocks; %llu postings, %llu positions), %llu deleted%s; %llu problem%s%s\n",
                dir, (unsigned long long)s.records, (unsigned long long)s.docs,
                (unsigned long long)s.texts, (unsigned long long)s.batches,
                (unsigned long long)s.terms, (unsigned long long)s.entities,
                (unsigned long long)s.chunks, (unsigned long long)s.block_chunks,
                (unsigned long long)s.postings_blocks, (unsigned long long)s.postings, (unsigned long long)s.positions,
                (unsigned long long)s.deleted, purged, (unsigned long long)s.problems,
                s.problems == 1 ? "" : "s", stopped);
    if (rc)
        return gal_report(rc);
    return GAL_EXIT_OK;
}
