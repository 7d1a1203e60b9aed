/*
 * cmd_index.c — `galley index`: parse arguments, run gal_index_build(),
 * print the summary line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_options.h"
#include "commands.h"
#include "format.h"
#include "index_build.h"
#include "status.h"

static const char help[] =
    "usage: galley index -o INDEX [OPTIONS] INPUT...\n"
    "\n"
    "Index news archives.  An INPUT is a file, a directory (read recursively,\n"
    "in sorted order) or '-' for standard input.  Files hold JSON Lines (or one\n"
    "JSON array of such objects, or them pretty-printed one after another, as\n"
    "jq prints them), TREC SGML, WARC or WET records of a web crawl\n"
    "(a document per page of HTML or text), or plain text (one document per\n"
    "file, first line the title), each possibly gzip- or zstd-compressed;\n"
    "compression is detected by content.  A record over 64 MB is skipped with\n"
    "a warning.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     index directory (created if needed)\n"
    "  --device D           auto (a GPU, else any OpenCL device but a CPU, else\n"
    "                       the host reference path, which does a CPU's work\n"
    "                       faster than OpenCL there), ref (host reference path),\n"
    "                       or the number of a device from 'galley devices' [auto]\n"
    "  --batch-mb N         megabytes of text per batch; the heap holds about 30\n"
    "                       times this [32]\n"
    "  --text-level L       zstd level of the stored text, 1 to 19 [3]; 0 stores\n"
    "                       it as it is: faster to build, a larger index until\n"
    "                       'galley optimize' packs it\n"
    "  --keep-cache         leave the index's pages in the page cache as they\n"
    "                       are written; by default each commit's are handed\n"
    "                       back to the kernel once synced, so a bulk load does\n"
    "                       not push out what the machine was using (keep them\n"
    "                       for an index that fits in memory and is optimized\n"
    "                       or searched right away)\n"
    "  --threads N          compressor, tokenizer and encoder threads, a third\n"
    "                       each (one tokenizer with a device; a GPU's, which\n"
    "                       mostly waits for it, beyond N); at least 3\n"
    "                       [the cores beyond the reader's and writer's]\n"
    "  --read-threads N     JSON Lines, TREC and WARC records parsed on N threads\n"
    "                       (1 to 16), and a gzip file of many members (.warc.gz)\n"
    "                       decoded on N, or the deflate blocks of a long member\n"
    "                       (.jsonl.gz), handed on in input order,\n"
    "                       for machines whose one reader thread sets the pace\n"
    "                       (many cores, a GPU) [WARC on 2, the others on the\n"
    "                       reader's own]\n"
    "  --format F           jsonl, trec, warc or text: skip format detection\n"
    "  --shard K/N          index only the K-th of N shards of the documents (a\n"
    "                       hash of each one's place in the inputs): N runs of\n"
    "                       the same inputs, side by side, on several devices or\n"
    "                       machines, make N indexes that 'galley query' searches\n"
    "                       as one\n"
    "  --shards N           every shard of N (2 to 64) in this run, into\n"
    "                       INDEX/shard-K: the inputs read once, each shard with\n"
    "                       its own threads and writer (one index has one\n"
    "                       writer, which on many cores sets the pace); shard K\n"
    "                       is what --shard K/N makes; memory grows N times;\n"
    "                       --threads is shared out (rounded up, at least 3 a\n"
    "                       shard)\n"
    "  --mpi                under an MPI launcher (mpirun -n N, srun): this run\n"
    "                       is shard R+1 of N by its rank R, into INDEX/shard-K;\n"
    "                       with --device auto the ranks of a node take its GPUs\n"
    "                       in turn; 'galley query INDEX/shard-* QUERY' searches\n"
    "                       them, 'galley merge' joins them\n"
    "  --append             add documents to an existing index\n"
    "  --replace            a document whose id the index (or this run) already\n"
    "                       has replaces the earlier one, which is deleted: a\n"
    "                       later dump's corrected articles supersede the old\n"
    "                       ('galley delete' deletes by id; 'galley merge'\n"
    "                       drops deleted documents for good); --resume of\n"
    "                       such a run goes on replacing\n"
    "  --replace-by KEY     id (as --replace) or url: a page crawled again\n"
    "                       replaces the earlier copy (WARC records each have an\n"
    "                       id of their own)\n"
    "  --resume             continue an interrupted run: give the same inputs,\n"
    "                       from the same directory; reading starts after the\n"
    "                       last committed document (an input that a finished\n"
    "                       run read is refused: it would go in twice)\n"
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
    "  4  input error: missing or unreadable input, a malformed record with\n"
    "     --strict, or a damaged input (a truncated .gz: what came before the\n"
    "     damage is indexed, and the other inputs; with --strict the run stops\n"
    "     there)\n"
    "  5  OpenCL error on the requested device\n"
    "  6  out of memory, disk full or another system error\n";

/* A number from the environment, or -1 when the variable is unset or not one. */
static long env_number(const char *name)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v)
        return -1;
    errno = 0;
    long n = strtol(v, &end, 10);
    return *end || errno || n < 0 ? -1 : n;
}

/* --mpi: the rank and size the launcher put in the environment (Open MPI,
 * MPICH and Intel MPI, Slurm's srun) make this run shard rank + 1 of size,
 * written to INDEX/shard-K (K zero-padded to the width of size, so the
 * shell lists them in order); INDEX is made as a directory of shards; the
 * rank's place on its node picks its GPU (--device auto).  No MPI library
 * is needed: the ranks never talk to each other. */
static int mpi_shard(gal_build_opts *o, char *dir, size_t cap)
{
    static const char *const vars[][2] = {{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
                                          {"PMI_RANK", "PMI_SIZE"},
                                          {"SLURM_PROCID", "SLURM_NTASKS"}};
    long rank = -1, size = -1;
    for (size_t i = 0; i < sizeof vars / sizeof *vars && rank < 0; i++) {
        rank = env_number(vars[i][0]);
        size = env_number(vars[i][1]);
        if (size < 1)
            rank = -1;
    }
    if (rank < 0 || rank >= size || size > (long)GAL_SHARDS_MAX)
        return gal_usage_error("index", "--mpi: no MPI rank and size in the environment "
                                        "(OMPI_COMM_WORLD_RANK/SIZE, PMI_RANK/SIZE or SLURM_PROCID/NTASKS): "
                                        "run it under mpirun or srun");
    if (gal_shard_dir(o->out_dir, (unsigned)rank + 1, (unsigned)size, dir, cap))
        return gal_usage_error("index", "-o '%s' is too long", o->out_dir);
    if (mkdir(o->out_dir, 0777) && errno != EEXIST)
        return gal_report(gal_error_set(GAL_EIO, "cannot create '%s': %s", o->out_dir, strerror(errno)));
    o->out_dir = dir;
    o->shard = (unsigned)rank + 1;
    o->nshards = (unsigned)size;
    /* the ranks of one node take its GPUs in turn */
    static const char *const local[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
                                        "SLURM_LOCALID"};
    for (size_t i = 0; i < sizeof local / sizeof *local; i++) {
        long slot = env_number(local[i]);
        if (slot >= 0) {
            o->device_slot = (unsigned)slot;
            break;
        }
    }
    return GAL_EXIT_OK;
}

int gal_cmd_index(int argc, char **argv)
{
    gal_build_opts o = {.device = "auto", .batch_bytes = (size_t)GAL_BATCH_MB_DEFAULT << 20, .progress = -1};
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs)
        return gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
    size_t ninputs = 0;
    int status = GAL_EXIT_OK, mpi = 0;
    char shard_dir[4096];
    for (int i = 1; i < argc; i++) {
        int shared;
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            goto out;
        } else if ((shared = gal_build_run_option("index", a, val, &o)) != 0 ||
                   (shared = gal_build_option("index", a, val, &o)) != 0) {
            if (shared < 0) {
                status = -shared;
                goto out;
            }
            i += shared - 1;
        } else if (!strcmp(a, "--mpi")) {
            mpi = 1;
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--strict")) {
            o.strict = 1;
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
    if (o.all_shards && (mpi || o.nshards)) {
        status = gal_usage_error("index", "give --shards N, --shard K/N or --mpi, not two of them");
        goto out;
    }
    if (o.replace && (mpi || o.nshards || o.all_shards)) {
        /* a shard holds a hash of places, not of ids: an id's earlier copy
         * may sit in any shard */
        status = gal_usage_error("index", "--replace works on one index, not on shards");
        goto out;
    }
    if (mpi) {
        if (o.nshards) {
            status = gal_usage_error("index", "give --mpi or --shard, not both");
            goto out;
        }
        if ((status = mpi_shard(&o, shard_dir, sizeof shard_dir)) != GAL_EXIT_OK)
            goto out;
    }
    o.inputs = inputs;
    o.ninputs = ninputs;

    gal_build_report r;
    int rc = gal_index_build(&o, &r);
    if (rc)
        status = gal_report(rc);
    gal_build_summary(&o, &r, rc, "indexed");
out:
    free(inputs);
    return status;
}
