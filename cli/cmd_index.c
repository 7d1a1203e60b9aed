/*
 * cmd_index.c — `galley index`: parse arguments, run gal_index_build(),
 * print the summary line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_options.h"
#include "commands.h"
#include "index_build.h"
#include "status.h"

static const char help[] =
    "usage: galley index -o INDEX [OPTIONS] INPUT...\n"
    "\n"
    "Index news archives.  An INPUT is a file, a directory (read recursively,\n"
    "in sorted order) or '-' for standard input.  Files hold JSON Lines, TREC\n"
    "SGML, WARC or WET records of a web crawl (a document per page of HTML or\n"
    "text), or plain text (one document per file, first line the title), each\n"
    "possibly gzip- or zstd-compressed; compression is detected by content.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     index directory (created if needed)\n"
    "  --device D           auto (a GPU, else any OpenCL device, else the host\n"
    "                       reference path), ref (host reference path), or the\n"
    "                       number of a device from 'galley devices' [auto]\n"
    "  --batch-mb N         megabytes of text per batch; the heap holds about 30\n"
    "                       times this [32]\n"
    "  --threads N          compressor, tokenizer and encoder threads, a third\n"
    "                       each (one tokenizer with a device); at least 3\n"
    "                       [the cores beyond the reader's and writer's]\n"
    "  --format F           jsonl, trec, warc or text: skip format detection\n"
    "  --shard K/N          index only the K-th of N shards of the documents (a\n"
    "                       hash of each one's place in the inputs): N runs of\n"
    "                       the same inputs, side by side, on several devices or\n"
    "                       machines, make N indexes that 'galley query' searches\n"
    "                       as one\n"
    "  --append             add documents to an existing index\n"
    "  --resume             continue an interrupted run: give the same inputs,\n"
    "                       from the same directory; reading starts after the\n"
    "                       last committed document\n"
    "  --strict             a malformed record is an error, not a warning\n"
    "  --progress           show progress even when stderr is not a terminal\n"
    "  -q, --quiet          no warnings and no progress\n"
    "  -h, --help           show this help\n"
    "\n"
    "Each batch is committed in one transaction: an interrupted run leaves an\n"
    "index of every batch committed before it.  A commit appends to every\n"
    "table, so the file holds next to no free pages.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  2  usage error\n"
    "  3  the index is locked by another writer, or corrupt\n"
    "  4  input error: missing, unreadable or truncated input, or a malformed\n"
    "     record with --strict\n"
    "  5  OpenCL error on the requested device\n"
    "  6  out of memory, disk full or another system error\n";

static void human_bytes(uint64_t n, char *out, size_t cap)
{
    if (n >= 1000000000ull)
        snprintf(out, cap, "%.2f GB", (double)n / 1e9);
    else if (n >= 1000000ull)
        snprintf(out, cap, "%.1f MB", (double)n / 1e6);
    else
        snprintf(out, cap, "%.1f kB", (double)n / 1e3);
}

int gal_cmd_index(int argc, char **argv)
{
    gal_build_opts o = {.device = "auto", .batch_bytes = (size_t)GAL_BATCH_MB_DEFAULT << 20, .progress = -1};
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs)
        return gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
    size_t ninputs = 0;
    int status = GAL_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int shared;
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            goto out;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!val) { status = gal_usage_error("index", "%s needs a directory", a); goto out; }
            o.out_dir = val;
            i++;
        } else if (!strcmp(a, "--device")) {
            if (!val) { status = gal_usage_error("index", "--device needs a value"); goto out; }
            o.device = val;
            i++;
        } else if ((shared = gal_build_option("index", a, val, &o)) != 0) {
            if (shared < 0) {
                status = -shared;
                goto out;
            }
            i += shared - 1;
        } else if (!strcmp(a, "--append")) {
            o.append = 1;
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--strict")) {
            o.strict = 1;
        } else if (!strcmp(a, "--progress")) {
            o.progress = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            status = gal_usage_error("index", "unknown option '%s'", a);
            goto out;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (!o.out_dir) {
        status = gal_usage_error("index", "missing -o INDEX");
        goto out;
    }
    if (ninputs == 0) {
        status = gal_usage_error("index", "no input files");
        goto out;
    }
    o.inputs = inputs;
    o.ninputs = ninputs;

    gal_build_report r;
    int rc = gal_index_build(&o, &r);
    if (rc)
        status = gal_report(rc);
    if (!o.quiet && (!rc || r.batches)) {
        char raw[32], idx[32];
        human_bytes(r.raw_bytes, raw, sizeof raw);
        human_bytes(r.index_bytes, idx, sizeof idx);
        double mbs = r.seconds > 0 ? (double)r.raw_bytes / 1e6 / r.seconds : 0.0;
        fprintf(stderr,
                "galley: %s %llu documents (%s raw), %llu tokens, %llu new terms, "
                "%llu records skipped in %.2f s (%.1f MB/s); index %s (%.2f x raw) on %s\n",
                rc ? "committed" : "indexed", (unsigned long long)r.docs, raw,
                (unsigned long long)r.tokens, (unsigned long long)r.new_terms,
                (unsigned long long)r.skipped, r.seconds, mbs, idx,
                /* over all the index holds: an --append adds to earlier runs */
                r.index_raw_bytes ? (double)r.index_bytes / (double)r.index_raw_bytes : 0.0,
                r.device);
        /* each batch costs every query term a seek: past a few dozen, say
         * what merges them */
        if (!rc && r.index_batches > 64)
            fprintf(stderr, "galley: note: the index holds %llu batches; 'galley optimize' merges "
                            "them (smaller, faster queries)\n",
                    (unsigned long long)r.index_batches);
    }
out:
    free(inputs);
    return status;
}
