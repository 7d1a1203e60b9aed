/*
 * cmd_bench.c — `galley bench index|query`: hand over to bench/.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "commands.h"

static const char help[] =
    "usage: galley bench index INPUT... [--device D|all] [--batch-mb N]\n"
    "                          [--text-level L] [--json FILE] [--compare OLD.json]\n"
    "       galley bench query INDEX QUERIES [--json FILE] [--warmup N] [--runs N]\n"
    "       galley bench postings INDEX [--bounds]\n"
    "\n"
    "Measure galley on this machine.  'bench index' builds a full index of the\n"
    "inputs once per device, into a scratch directory that it removes, and\n"
    "reports throughput, the time of each stage, peak memory and index size.\n"
    "'bench query' runs every line of QUERIES against INDEX and reports the\n"
    "latency (mean, p50, p95, p99) and queries per second.  'bench postings'\n"
    "decodes every postings chunk and reports bytes per position and speed\n"
    "(with --bounds, beside what other codings, or any, would take).\n"
    "\n"
    "'galley bench index --help' and 'galley bench query --help' say more.\n"
    "Figures are printed, never judged: on a busy machine compare ratios from\n"
    "one run, not absolute times from different runs.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  2  usage error\n"
    "  3  index missing or corrupt (query)\n"
    "  4  input error (index)\n"
    "  5  OpenCL error on a requested device\n"
    "  6  out of memory or another system error\n";

int gal_cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        return gal_usage_error("bench", "missing 'index', 'query' or 'postings'");
    }
    const char *what = argv[1];
    if (!strcmp(what, "-h") || !strcmp(what, "--help")) {
        fputs(help, stdout);
        return GAL_EXIT_OK;
    }
    if (!strcmp(what, "index"))
        return gal_bench_index(argc - 1, argv + 1);
    if (!strcmp(what, "query"))
        return gal_bench_query(argc - 1, argv + 1);
    if (!strcmp(what, "postings"))
        return gal_bench_postings(argc - 1, argv + 1);
    return gal_usage_error("bench", "unknown benchmark '%s' (index, query or postings)", what);
}
