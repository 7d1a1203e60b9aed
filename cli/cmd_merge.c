/*
 * cmd_merge.c — `galley merge`: join indexes (shards, or parts of an
 * archive) into one, by indexing their documents again from the text they
 * store (gal_index_build with merge set, reader_index.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_options.h"
#include "commands.h"
#include "index_build.h"
#include "index_dirs.h"
#include "status.h"

static const char help[] =
    "usage: galley merge -o INDEX [OPTIONS] SOURCE...\n"
    "\n"
    "Join indexes into one.  Every document of the SOURCE indexes is indexed\n"
    "again from the text its index stores, with its id, title, date, url and\n"
    "input file.  The N shards of one run ('galley index --shard K/N', --shards\n"
    "or --mpi over the same inputs), given in any order or as the directory\n"
    "that holds them, come back in the order of the inputs: the merge is the\n"
    "index that one run over the inputs builds, byte for byte.  Other indexes\n"
    "follow each other in the order given (parts of an archive merge into the\n"
    "index of one run over all the parts).  A merge tokenizes like 'galley\n"
    "index', on the same devices, so it runs at indexing speed.  A single\n"
    "SOURCE comes out in this galley's format, tokenizer and entity rules: a\n"
    "way to upgrade an index without its inputs.  Deleted or replaced\n"
    "documents are left out, with what they added to the statistics.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     the merged index (created if needed; it must not be\n"
    "                       one of the sources)\n"
    "  --device D           auto, ref or a device number, as for 'galley index'\n"
    "  --batch-mb N         megabytes of text per batch [32]\n"
    "  --text-level L       zstd level of the stored text, 1 to 19 [3]; 0 stores\n"
    "                       it as it is (as 'galley index' does)\n"
    "  --keep-cache         leave the merged index's pages in the page cache,\n"
    "                       as for 'galley index'\n"
    "  --threads N          compressor, tokenizer and encoder threads; at least 3\n"
    "  --append             add the documents to an existing index\n"
    "  --replace            a document replaces earlier ones with its id, in\n"
    "                       the output and across the sources\n"
    "  --replace-by KEY     id (as --replace) or url\n"
    "  --progress           show progress even when stderr is not a terminal\n"
    "  -q, --quiet          no progress and no summary\n"
    "  -h, --help           show this help\n"
    "\n"
    "Each batch is committed in one transaction, as in 'galley index'; an\n"
    "interrupted merge is not resumed: merge again into a new index.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  2  usage error\n"
    "  3  a source is corrupt, or the index is locked by another writer\n"
    "  4  a source is not a galley index\n"
    "  5  OpenCL error on the requested device\n"
    "  6  out of memory, disk full or another system error\n";

/* The merged index cannot be read while it is written: refuse an output
 * that is (by any path) one of the sources. */
static int output_apart(const char *out, const char *const *sources, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (gal_same_path(out, sources[i]))
            return gal_usage_error("merge", "'%s' is both the output and a source", out);
    return GAL_EXIT_OK;
}

int gal_cmd_merge(int argc, char **argv)
{
    gal_build_opts o = {.device = "auto", .batch_bytes = (size_t)GAL_BATCH_MB_DEFAULT << 20,
                        .progress = -1, .merge = 1};
    const char **sources = calloc((size_t)argc, sizeof *sources);
    if (!sources)
        return gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
    size_t nsources = 0;
    gal_index_dirs dirs = {0};
    int status = GAL_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int shared = 0;
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            goto out;
        } else if ((shared = gal_build_run_option("merge", a, val, &o)) != 0 ||
                   ((!strcmp(a, "--batch-mb") || !strcmp(a, "--threads") ||
                     !strcmp(a, "--text-level") || !strcmp(a, "--keep-cache")) &&
                    (shared = gal_build_option("merge", a, val, &o)) != 0)) {
            if (shared < 0) {
                status = -shared;
                goto out;
            }
            i += shared - 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            status = gal_usage_error("merge", "unknown option '%s'", a);
            goto out;
        } else {
            sources[nsources++] = a;
        }
    }
    if (!o.out_dir) {
        status = gal_usage_error("merge", "missing -o INDEX");
        goto out;
    }
    if (nsources == 0) {
        status = gal_usage_error("merge", "no source indexes");
        goto out;
    }
    /* a directory of shards stands for them all: one run's, merged in input order */
    if ((status = output_apart(o.out_dir, sources, nsources)) != GAL_EXIT_OK ||
        (status = gal_index_dirs_expand("merge", sources, nsources, &dirs)) != GAL_EXIT_OK ||
        (status = output_apart(o.out_dir, (const char *const *)dirs.dir, dirs.n)) != GAL_EXIT_OK)
        goto out;
    o.inputs = (const char *const *)dirs.dir;
    o.ninputs = dirs.n;

    gal_build_report r;
    int rc = gal_index_build(&o, &r);
    if (rc)
        status = gal_report(rc);
    gal_build_summary(&o, &r, rc, "merged");
out:
    gal_index_dirs_free(&dirs);
    free(sources);
    return status;
}
