/*
 * cmd_compact.c — `galley compact INDEX OUT`: a copy of an index's latest
 * committed state, without free pages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "status.h"
#include "store.h"
#include "verify.h"

static const char compact_help[] =
    "usage: galley compact INDEX OUT\n"
    "\n"
    "Write a compacted copy of INDEX into the directory OUT (created if\n"
    "missing; it must not hold an index): only the pages in use, in key\n"
    "order (builds append, so they leave few free pages; an index written by\n"
    "an older galley or by many small runs may hold more).  The copy is of one\n"
    "committed state, so it may run while 'galley index' writes to INDEX:\n"
    "a consistent backup.  Query, append to or resume OUT like any index.\n"
    "INDEX is verified first (as 'galley verify' does): LMDB's compacting copy\n"
    "trusts every page it reads, so a damaged index is refused, not copied.\n"
    "\n"
    "exit status:\n"
    "  0  done\n"
    "  2  usage error, or OUT already holds an index\n"
    "  3  INDEX is missing, not a galley index, or corrupt (nothing written)\n"
    "  6  OUT cannot be written (disk full or another system error)\n";

static long long file_size(const char *dir)
{
    char path[4096];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) >= sizeof path ||
        stat(path, &sb) != 0)
        return -1;
    return (long long)sb.st_size;
}

int gal_cmd_compact(int argc, char **argv)
{
    const char *src = NULL, *dst = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(compact_help, stdout);
            return GAL_EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            return gal_usage_error("compact", "unknown option '%s'", a);
        } else if (!src) {
            src = a;
        } else if (!dst) {
            dst = a;
        } else {
            return gal_usage_error("compact", "too many arguments");
        }
    }
    if (!src || !dst)
        return gal_usage_error("compact", "want INDEX and OUT");

    /* Before the store is open: LMDB allows one environment per file and
     * process.  Damaged page headers that reads survive can still crash
     * the compacting copy (it copies overflow pages by their own count):
     * in the fuzzing of random flips, verify caught every such index. */
    gal_verify_stats vs;
    memset(&vs, 0, sizeof vs);
    int rc = gal_index_verify(src, NULL, &vs);
    if (rc == GAL_ECORRUPT && vs.problems) {
        fprintf(stderr, "galley: error: corrupt index: '%s' has %llu problem%s ('galley verify' "
                        "lists them); nothing copied\n",
                src, (unsigned long long)vs.problems, vs.problems == 1 ? "" : "s");
        return GAL_EXIT_INDEX;
    }
    if (rc == GAL_ENOTFOUND || rc == GAL_ECORRUPT) {
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    if (rc)
        return gal_report(rc);
    gal_store *st = NULL;
    rc = gal_store_open(src, GAL_STORE_READ, &st);
    if (rc == GAL_ENOTFOUND) {
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    if (rc)
        return gal_report(rc);
    int created = mkdir(dst, 0755) == 0;
    if (!created && errno != EEXIST) {
        gal_store_close(st);
        fprintf(stderr, "galley: error: cannot create '%s': %s\n", dst, strerror(errno));
        return GAL_EXIT_SYSTEM;
    }
    rc = gal_store_copy_compact(st, dst);
    gal_store_close(st);
    if (rc) {
        /* no half copy left behind, nor the directory made for it; but
         * an index OUT held already (GAL_EUSAGE) stays */
        if (rc != GAL_EUSAGE) {
            char path[4096];
            snprintf(path, sizeof path, "%s/data.mdb", dst);
            unlink(path);
            if (created)
                rmdir(dst);
        }
        return gal_report(rc);
    }
    long long before = file_size(src), after = file_size(dst);
    fprintf(stderr, "galley: compacted '%s' (%.1f MB) into '%s' (%.1f MB)\n", src,
            (double)before / 1e6, dst, (double)after / 1e6);
    return GAL_EXIT_OK;
}
