/*
 * bench_postings.c — `galley bench postings INDEX`: how fast the postings
 * codec decodes, and how many bytes a position costs.
 *
 * Walks the whole postings table in key order, checks each chunk's CRC,
 * decodes its documents, frequencies and positions, and reports bytes per
 * position and decoded positions per second (warm: the walk runs twice and
 * the second pass is timed).  Figures only; nothing is judged.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "bench.h"
#include "clock.h"
#include "commands.h"
#include "format.h"
#include "postings_walk.h"
#include "status.h"
#include "store.h"

/* Where a chunk's bytes go: header (ndocs, and on packed bodies the span
 * and section lengths), the three sections, the CRC-32C trailer. */
enum { PART_HEADER, PART_DOCS, PART_TFS, PART_POSITIONS, PART_TRAILER, NPARTS };
static const char *const part_names[NPARTS] = {"header", "doc gaps", "tfs", "positions", "crc"};

typedef struct walk_totals {
    uint64_t chunks, docs, positions, value_bytes, key_bytes;
    uint64_t packed_chunks, small_chunks; /* pfor bodies; chunks of one or two documents */
    uint64_t part_bytes[NPARTS];
} walk_totals;

static int add_chunk(void *ctx, const gal_walked_chunk *c)
{
    walk_totals *t = ctx;
    const gal_chunk_view *cv = c->cv;
    const uint8_t *start = c->rec->data;
    t->part_bytes[PART_HEADER] += (uint64_t)(cv->docs - start);
    t->part_bytes[PART_DOCS] += (uint64_t)(cv->docs_end - cv->docs);
    t->part_bytes[PART_TFS] += (uint64_t)(cv->tfs_end - cv->tfs);
    t->part_bytes[PART_POSITIONS] += (uint64_t)(cv->pos_end - cv->pos);
    t->part_bytes[PART_TRAILER] += c->value_bytes - (uint64_t)(cv->pos_end - start);
    t->packed_chunks += cv->packed != 0;
    t->small_chunks += cv->ndocs <= 2;
    t->chunks++;
    t->docs += cv->ndocs;
    t->positions += c->npos;
    t->value_bytes += c->value_bytes;
    t->key_bytes += c->key_bytes;
    return 0;
}

static int walk(gal_store *st, walk_totals *t)
{
    MDB_txn *txn;
    int rc = gal_store_txn_begin(st, 1, &txn);
    if (rc)
        return rc;
    memset(t, 0, sizeof *t);
    rc = gal_walk_postings(st, txn, 0, "bench", add_chunk, t);
    mdb_txn_abort(txn);
    return rc;
}

int gal_bench_postings(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: galley bench postings INDEX [--bounds]\n\n"
               "Decode every postings chunk of INDEX (checksums, documents, frequencies,\n"
               "positions) and print bytes per position and decoding speed.\n\n"
               "  --bounds   then set each part's bytes beside Rice codes and beside the\n"
               "             uniform bound of coding each term apart (postings_bounds.c);\n"
               "             words apart from bigrams and entity keys\n");
        return GAL_EXIT_OK;
    }
    int bounds = argc == 3 && !strcmp(argv[2], "--bounds");
    if (argc != 2 && !bounds)
        return gal_usage_error("bench", "usage: galley bench postings INDEX [--bounds]");
    gal_store *st;
    int rc = gal_store_open(argv[1], GAL_STORE_READ, &st);
    if (rc) {
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    walk_totals t;
    double t0 = gal_now_sec();
    rc = walk(st, &t); /* first pass: page the map in */
    double cold = gal_now_sec() - t0;
    if (!rc) {
        t0 = gal_now_sec();
        rc = walk(st, &t);
    }
    double warm = gal_now_sec() - t0;
    if (rc) {
        gal_store_close(st);
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    printf("chunks %llu, postings %llu, positions %llu\n", (unsigned long long)t.chunks,
           (unsigned long long)t.docs, (unsigned long long)t.positions);
    printf("bytes per position: %.3f (values), %.3f (with keys)\n",
           t.positions ? (double)t.value_bytes / (double)t.positions : 0.0,
           t.positions ? (double)(t.value_bytes + t.key_bytes) / (double)t.positions : 0.0);
    printf("chunks with a packed body %.1f %%, of one or two documents %.1f %%\n",
           t.chunks ? 100.0 * (double)t.packed_chunks / (double)t.chunks : 0.0,
           t.chunks ? 100.0 * (double)t.small_chunks / (double)t.chunks : 0.0);
    printf("bytes per position by part:");
    for (int k = 0; k < NPARTS; k++)
        printf(" %s %.3f%s", part_names[k],
               t.positions ? (double)t.part_bytes[k] / (double)t.positions : 0.0,
               k + 1 < NPARTS ? "," : "\n");
    printf("decode, warm: %.3f s, %.1f M positions/s, %.1f MB/s of postings (cold pass %.3f s)\n",
           warm, warm > 0 ? (double)t.positions / warm / 1e6 : 0.0,
           warm > 0 ? (double)t.value_bytes / warm / 1e6 : 0.0, cold);
    fflush(stdout);
    rc = bounds ? gal_postings_bounds(st) : 0;
    gal_store_close(st);
    if (rc) {
        gal_report(rc);
        return GAL_EXIT_INDEX;
    }
    return GAL_EXIT_OK;
}
