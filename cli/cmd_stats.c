/*
 * cmd_stats.c — `galley stats INDEX`: what an index holds and what it costs.
 */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "commands.h"
#include "entity_table.h"
#include "format.h"
#include "index.h"
#include "index_dirs.h"
#include "output.h"
#include "status.h"
#include "store.h"

static const char stats_help[] =
    "usage: galley stats INDEX [--json]\n"
    "\n"
    "Print the index's documents (and how many of them are deleted or replaced),\n"
    "tokens, distinct terms, the bytes each LMDB table uses, bytes per position,\n"
    "the index/raw-text ratio, and when and how it was built.  Of a directory\n"
    "of shards (galley index --shards N or --mpi), each shard's in turn, then\n"
    "what they add up to (with --json, an object a shard, a line each).\n"
    "\n"
    "options:\n"
    "  --json      one JSON object instead of text\n"
    "  -h, --help  show this help\n"
    "\n"
    "exit status:\n"
    "  0  printed\n"
    "  2  usage error\n"
    "  3  index missing or corrupt\n"
    "  6  out of memory or another system error\n";

typedef struct table {
    const char *name;
    uint64_t bytes, entries;
    unsigned depth;
} table;

static const char *const table_names[] = {
    GAL_DB_POSTINGS, GAL_DB_LEXICON, GAL_DB_VOCAB, GAL_DB_DOCS, GAL_DB_IDS,
    GAL_DB_TEXT,     GAL_DB_DOCSTATS, GAL_DB_FILES, GAL_DB_META, GAL_DB_DELETED, GAL_DB_ENTITIES,
};
#define NTABLES (sizeof table_names / sizeof table_names[0])

typedef struct info {
    table t[NTABLES];
    uint64_t created, updated, file_bytes;
    uint64_t text_packed, dict_bytes; /* documents `galley optimize` packed; zdict's size */
    uint64_t deleted; /* documents deleted (deleted.h) */
    char build[512];
    char shard[32]; /* "K/N", or empty: every document */
    int run_complete; /* the latest run read all its input: 1, 0, or -1 unknown */
    int run_merge;    /* the latest run was a merge (format.h, GAL_RESUME_MERGE) */
} info;

/* Page counts of every named database, and the build metadata. */
static int read_tables(const char *dir, info *in)
{
    gal_store *st = NULL;
    MDB_txn *txn = NULL;
    int rc = gal_store_open(dir, GAL_STORE_READ, &st);
    if (rc)
        return rc;
    if ((rc = gal_store_txn_begin(st, 1, &txn)))
        goto out;
    MDB_dbi dbis[NTABLES] = {st->postings, st->lexicon, st->vocab, st->docs,    st->ids, st->text,
                             st->docstats, st->files,   st->meta,  st->deleted, 0};
    /* stats shows what is there, even in an index that lost its entity table */
    int have_entities = gal_entity_table_open(txn, 0, &dbis[NTABLES - 1]) == 0;
    MDB_envinfo ei;
    MDB_stat es;
    mdb_env_info(st->env, &ei);
    mdb_env_stat(st->env, &es);
    in->file_bytes = (uint64_t)(ei.me_last_pgno + 1) * es.ms_psize;
    for (size_t k = 0; k < NTABLES; k++) {
        MDB_stat ms;
        in->t[k].name = table_names[k];
        if ((k == NTABLES - 1 && !have_entities) || (k == NTABLES - 2 && !st->has_deleted))
            continue; /* an index before format 10 has no deleted table */
        int mrc = mdb_stat(txn, dbis[k], &ms);
        if (mrc) {
            rc = gal_store_error(st, mrc, "cannot read table statistics of");
            goto out;
        }
        in->t[k].bytes =
            (uint64_t)(ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages) * ms.ms_psize;
        in->t[k].entries = ms.ms_entries;
        in->t[k].depth = ms.ms_depth;
    }
    const void *p;
    size_t n;
    if ((rc = gal_meta_get_u64(st, txn, GAL_META_CREATED, &in->created)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_UPDATED, &in->updated)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_TEXT_PACKED, &in->text_packed)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_DELETED, &in->deleted)))
        goto out;
    if ((rc = gal_meta_get_bytes(st, txn, GAL_META_ZDICT, &p, &n)))
        goto out;
    in->dict_bytes = p ? n : 0;
    if ((rc = gal_meta_get_bytes(st, txn, GAL_META_BUILD, &p, &n)))
        goto out;
    if (n >= sizeof in->build)
        n = sizeof in->build - 1;
    memcpy(in->build, p ? p : "", n);
    in->build[n] = '\0';
    if ((rc = gal_meta_get_bytes(st, txn, GAL_META_SHARD, &p, &n)))
        goto out;
    snprintf(in->shard, sizeof in->shard, "%.*s", p ? (int)(n < 31 ? n : 31) : 0, p ? (const char *)p : "");
    if ((rc = gal_meta_get_bytes(st, txn, GAL_META_RUN_COMPLETE, &p, &n)))
        goto out;
    in->run_complete = p && n == 8 ? gal_get_le64(p) != 0 : -1;
    if ((rc = gal_meta_get_bytes(st, txn, GAL_META_RESUME, &p, &n)))
        goto out;
    in->run_merge = p && n == 16 && gal_get_le64(p) == GAL_RESUME_MERGE;
out:
    if (txn)
        mdb_txn_abort(txn);
    gal_store_close(st);
    return rc;
}

static void fmt_time(uint64_t t, char *out, size_t n)
{
    if (!t) {
        snprintf(out, n, "unknown");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fmt_bytes(uint64_t b, char *out, size_t n)
{
    if (b >= 10ull << 30)
        snprintf(out, n, "%.1f GiB", b / 1073741824.0);
    else if (b >= 10ull << 20)
        snprintf(out, n, "%.1f MiB", b / 1048576.0);
    else if (b >= 10ull << 10)
        snprintf(out, n, "%.1f KiB", b / 1024.0);
    else
        snprintf(out, n, "%" PRIu64 " B", b);
}

/* What the shards of a directory add up to. */
typedef struct totals {
    uint64_t docs, deleted, tokens, raw_bytes, table_bytes, text_bytes;
} totals;

static int stats_one(const char *index, int json, totals *sum);

int gal_cmd_stats(int argc, char **argv)
{
    const char *index = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(stats_help, stdout);
            return GAL_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return gal_usage_error("stats", "unknown option '%s'", argv[i]);
        } else if (!index) {
            index = argv[i];
        } else {
            return gal_usage_error("stats", "too many arguments: '%s'", argv[i]);
        }
    }
    if (!index)
        return gal_usage_error("stats", "missing INDEX");
    /* a directory of shards: each shard's, one after another */
    gal_index_dirs dirs;
    totals sum = {0};
    int status = gal_index_dirs_expand("stats", &index, 1, &dirs);
    for (size_t i = 0; i < dirs.n && status == GAL_EXIT_OK; i++) {
        if (i && !json)
            putchar('\n');
        status = stats_one(dirs.dir[i], json, &sum);
    }
    if (status == GAL_EXIT_OK && dirs.n > 1 && !json) {
        char a[32], b[32];
        fmt_bytes(sum.raw_bytes, a, sizeof a);
        fmt_bytes(sum.table_bytes, b, sizeof b);
        printf("\nall %zu shards of %s:\n", dirs.n, index);
        printf("documents:          %" PRIu64 " (%" PRIu64 " deleted or replaced)\n", sum.docs,
               sum.deleted);
        printf("tokens:             %" PRIu64 "\n", sum.tokens);
        printf("raw text:           %" PRIu64 " bytes (%s)\n", sum.raw_bytes, a);
        printf("tables:             %" PRIu64 " bytes (%s)\n", sum.table_bytes, b);
        printf("index/raw ratio:    %.3f (%.3f without stored text)\n",
               sum.raw_bytes ? (double)sum.table_bytes / (double)sum.raw_bytes : 0.0,
               sum.raw_bytes ? (double)(sum.table_bytes - sum.text_bytes) / (double)sum.raw_bytes
                             : 0.0);
        if (fflush(stdout))
            status = GAL_EXIT_SYSTEM;
    }
    gal_index_dirs_free(&dirs);
    return status;
}

/* One index's statistics to stdout; the exit status. */
static int stats_one(const char *index, int json, totals *sum)
{
    info in;
    memset(&in, 0, sizeof in);
    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    gal_index_stats st;
    gal_error_clear();
    int rc = read_tables(index, &in);
    if (!rc && !(rc = gal_index_open(index, &ix)) && !(rc = gal_snapshot_begin(ix, &s)))
        rc = gal_snapshot_stats(s, &st);
    gal_snapshot_end(s);
    gal_index_close(ix);
    if (rc) {
        fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
        return rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_INDEX;
    }
    uint64_t total = 0, text_bytes = 0, postings = 0;
    for (size_t k = 0; k < NTABLES; k++) {
        total += in.t[k].bytes;
        if (!strcmp(in.t[k].name, GAL_DB_TEXT))
            text_bytes = in.t[k].bytes;
        if (!strcmp(in.t[k].name, GAL_DB_POSTINGS))
            postings = in.t[k].bytes;
    }
    sum->docs += st.docs;
    sum->deleted += in.deleted;
    sum->tokens += st.tokens;
    sum->raw_bytes += st.raw_bytes;
    sum->table_bytes += total;
    sum->text_bytes += text_bytes;
    double per_pos = st.tokens ? (double)postings / (double)st.tokens : 0;
    double ratio = st.raw_bytes ? (double)total / (double)st.raw_bytes : 0;
    double ratio_nt = st.raw_bytes ? (double)(total - text_bytes) / (double)st.raw_bytes : 0;
    char created[40], updated[40];
    fmt_time(in.created, created, sizeof created);
    fmt_time(in.updated, updated, sizeof updated);

    if (json) {
        gal_buf b;
        gal_buf_init(&b);
        char tmp[512];
        snprintf(tmp, sizeof tmp,
                 "{\"index\":");
        int e = gal_buf_append(&b, tmp, strlen(tmp)) || gal_json_string(&b, index, strlen(index));
        snprintf(tmp, sizeof tmp,
                 ",\"format_version\":%" PRIu32 ",\"tokenizer_version\":%" PRIu32
                 ",\"entity_rules_version\":%" PRIu32 ",\"documents\":%" PRIu64 ",\"deleted_documents\":%" PRIu64 ",\"purged_documents\":%" PRIu64
                 ",\"tokens\":%" PRIu64 ",\"terms\":%" PRIu64
                 ",\"raw_bytes\":%" PRIu64 ",\"batches\":%" PRIu64 ",\"collisions\":%" PRIu64
                 ",\"avg_doc_tokens\":%.2f,\"file_bytes\":%" PRIu64 ",\"table_bytes\":%" PRIu64
                 ",\"postings_bytes_per_position\":%.3f,\"index_raw_ratio\":%.4f"
                 ",\"index_raw_ratio_without_text\":%.4f,\"text_packed_docs\":%" PRIu64
                 ",\"text_dict_bytes\":%" PRIu64 ",\"created\":\"%s\",\"updated\":\"%s\",\"build\":",
                 st.format_version, st.tokenizer_version, st.entity_rules_version, st.docs, in.deleted, st.purged, st.tokens, st.terms,
                 st.raw_bytes, st.batches, st.collisions, st.avg_doc_tokens, in.file_bytes, total,
                 per_pos, ratio, ratio_nt, in.text_packed, in.dict_bytes, created, updated);
        e = e || gal_buf_append(&b, tmp, strlen(tmp)) ||
            gal_json_string(&b, in.build, strlen(in.build)) || gal_buf_append(&b, ",\"shard\":", 9) ||
            (in.shard[0] ? gal_json_string(&b, in.shard, strlen(in.shard)) : gal_buf_append(&b, "null", 4)) ||
            gal_buf_append(&b, ",\"last_run_complete\":", 21) ||
            (in.run_complete < 0 ? gal_buf_append(&b, "null", 4)
             : in.run_complete   ? gal_buf_append(&b, "true", 4)
                                 : gal_buf_append(&b, "false", 5)) ||
            gal_buf_append(&b, ",\"tables\":{", 11);
        for (size_t k = 0; k < NTABLES && !e; k++) {
            snprintf(tmp, sizeof tmp, "%s\"%s\":{\"bytes\":%" PRIu64 ",\"entries\":%" PRIu64 ",\"depth\":%u}",
                     k ? "," : "", in.t[k].name, in.t[k].bytes, in.t[k].entries, in.t[k].depth);
            e = gal_buf_append(&b, tmp, strlen(tmp));
        }
        e = e || gal_buf_append(&b, "}}\n", 3);
        if (e) {
            gal_buf_release(&b);
            return gal_report(GAL_ENOMEM);
        }
        fwrite(b.data, 1, b.len, stdout);
        gal_buf_release(&b);
    } else {
        char a[32], c[32];
        printf("index:              %s\n", index);
        printf("format:             %" PRIu32 " (tokenizer %" PRIu32 ", entity rules %" PRIu32
               ")\n", st.format_version, st.tokenizer_version, st.entity_rules_version);
        printf("created:            %s\nupdated:            %s\n", created, updated);
        printf("build:              %s\n", in.build[0] ? in.build : "unknown");
        if (in.shard[0])
            printf("shard:              %s of the inputs' documents\n", in.shard);
        if (in.run_complete == 0 && in.run_merge)
            printf("last run:           a merge, stopped before the end of its sources "
                   "(killed?): what it committed is here; a merge is not resumed: merge again "
                   "into a new index\n");
        else if (in.run_complete == 0)
            printf("last run:           stopped before the end of its input (killed?): what it "
                   "committed is here; 'galley index --resume' with its inputs goes on\n");
        printf("batches:            %" PRIu64 "\n", st.batches);
        if (in.deleted && st.purged == in.deleted)
            printf("documents:          %" PRIu64 " (%" PRIu64 " deleted or replaced and purged, %"
                   PRIu64 " live)\n", st.docs, in.deleted, st.docs - in.deleted);
        else if (in.deleted)
            printf("documents:          %" PRIu64 " (%" PRIu64 " deleted or replaced, %" PRIu64
                   " of them purged, %" PRIu64 " live; 'galley optimize' purges them)\n",
                   st.docs, in.deleted, st.purged, st.docs - in.deleted);
        else
            printf("documents:          %" PRIu64 "\n", st.docs);
        printf("tokens:             %" PRIu64 " (%.1f per document)\n", st.tokens, st.avg_doc_tokens);
        printf("distinct terms:     %" PRIu64 "\n", st.terms);
        printf("hash collisions:    %" PRIu64 "\n", st.collisions);
        fmt_bytes(st.raw_bytes, a, sizeof a);
        printf("raw text:           %" PRIu64 " bytes (%s)\n", st.raw_bytes, a);
        printf("stored text:        %" PRIu64 " of the documents packed by optimize; "
               "dictionary %" PRIu64 " bytes\n", in.text_packed, in.dict_bytes);
        printf("tables:\n");
        for (size_t k = 0; k < NTABLES; k++) {
            fmt_bytes(in.t[k].bytes, a, sizeof a);
            printf("  %-12s %12" PRIu64 " bytes  %10s  %10" PRIu64 " entries\n", in.t[k].name,
                   in.t[k].bytes, a, in.t[k].entries);
        }
        fmt_bytes(total, a, sizeof a);
        fmt_bytes(in.file_bytes, c, sizeof c);
        printf("  %-12s %12" PRIu64 " bytes  %10s  (data.mdb in use: %s)\n", "total", total, a, c);
        printf("postings per position: %.3f bytes\n", per_pos);
        printf("index/raw ratio:    %.3f (%.3f without stored text)\n", ratio, ratio_nt);
    }
    if (fflush(stdout)) {
        fprintf(stderr, "galley: error: cannot write to standard output: %s\n", strerror(errno));
        return GAL_EXIT_SYSTEM;
    }
    return GAL_EXIT_OK;
}
