/*
 * bench_index.c — `galley bench index INPUT...`: a full index build per
 * device, with the time of each stage.
 *
 * Each device runs in a forked child: getrusage's peak RSS is per process,
 * and OpenCL runtimes (PoCL's worker threads) do not survive a fork, so the
 * parent never touches OpenCL at all, not even to list the devices.  The
 * child builds into a scratch directory (mkdtemp under $TMPDIR), reads the
 * index's table sizes, and sends one fixed-size record back through a pipe;
 * the parent removes the scratch directory.
 *
 * Before the first build the parent reads every input once, so each device
 * starts with the same warm page cache.  Before its timed build a child on
 * an OpenCL device opens the device and builds the tokenizer program once
 * (setup_sec), so a cold program cache is not charged to indexing.
 */
#define _GNU_SOURCE /* nftw, strsignal */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "bench.h"
#include "clock.h"
#include "cpu_clones.h"
#include "build_options.h"
#include "cl_entities.h"
#include "cl_runtime.h"
#include "cl_tokenize.h"
#include "commands.h"
#include "index_build.h"
#include "reader.h"
#include "status.h"
#include "store.h"

static const char help[] =
    "usage: galley bench index INPUT... [OPTIONS]\n"
    "\n"
    "Build a full index of the inputs once per device, each into a scratch\n"
    "directory under $TMPDIR (removed afterwards) and in a process of its own,\n"
    "and report for each: wall time, MB/s of raw text (title + body bytes),\n"
    "documents/s, tokens/s, the seconds and share of wall time of each stage,\n"
    "CPU time, peak resident memory, and index size over raw text.\n"
    "\n"
    "Stages, on threads that overlap in wall time: the reader thread reads\n"
    "(decompress, parse, lay out batches; trains the stored-text dictionary\n"
    "once); the compressor threads compress stored text; the tokenizer\n"
    "threads tokenize (host->device copy, kernels and device->host copy on an\n"
    "OpenCL device, one thread; the C reference on 'ref') and find entities;\n"
    "the encoder threads encode (grouping by term, postings and records); the\n"
    "writer thread writes\n"
    "(LMDB puts and commits).  Each figure is the busy time of the stage's\n"
    "threads summed; the stage with the most per thread sets the pace.  On an\n"
    "OpenCL device a second table splits\n"
    "tokenize and entities into the device's own copy and kernel times (event\n"
    "profiling).  'setup' (open the device, build or load the kernels) is\n"
    "timed apart and not included in the wall time.\n"
    "\n"
    "options:\n"
    "  --device D       all (the reference path and every OpenCL device, the\n"
    "                   default), auto, ref, a device number from 'galley\n"
    "                   devices', or a comma-separated list of these\n"
    "  --batch-mb N     megabytes of text per batch [32]\n"
    "  --text-level L   zstd level of the stored text, as for 'galley index' [3]\n"
    "  --keep-cache     leave the index's written pages in the page cache, as\n"
    "                   for 'galley index' (by default they are dropped)\n"
    "  --threads N      compressor, tokenizer and encoder threads, as for\n"
    "                   'galley index'\n"
    "  --read-threads N JSON Lines, TREC and WARC parsed on N threads, as for\n"
    "                   'galley index'\n"
    "  --format F       jsonl, trec, warc or text: skip format detection\n"
    "  --shard K/N      build only the K-th of N shards of the documents\n"
    "  --shards N       build all N shards side by side, the inputs read once,\n"
    "                   each with its own threads and writer (figures summed\n"
    "                   over the shards, the writer's per writer)\n"
    "  --json FILE      also write the figures as JSON to FILE ('-' = stdout)\n"
    "  --repeat N       build N times per device, the devices taking turns, and\n"
    "                   report each device's build of median wall time, with\n"
    "                   every build's wall time beside it [1]\n"
    "  --compare OLD    print each figure's ratio to the same device's figure in\n"
    "                   OLD, a file that --json wrote before\n"
    "  -h, --help       show this help\n"
    "\n"
    "exit status:\n"
    "  0  every build succeeded\n"
    "  2  usage error, or OLD unreadable\n"
    "  4  input error\n"
    "  5  OpenCL error on a requested device\n"
    "  6  out of memory, disk full or another system error\n";

#define MAX_DEVICES 64
#define MAX_TABLES 32
#define NSHOWN 6
#define MAX_REPEATS 16

/* The tables the terminal shows in columns; the rest are summed as "other".
 * The JSON lists every named database the index has. */
static const char *const shown_tables[NSHOWN] = {"postings", "lexicon", "vocab",
                                                 "docs",     "ids",     "text"};

/* What a child sends back: plain data only. */
typedef struct brun {
    char spec[32];
    int rc;               /* gal_status of the build (or of the setup) */
    int signaled;         /* the child died of this signal */
    char detail[512];     /* gal_error_detail(rc) */
    gal_build_report rep;
    double setup_sec;     /* device open + program build, before the timed build */
    double user_sec, sys_sec;
    uint64_t peak_rss;    /* bytes */
    uint32_t ntables;     /* named databases, as LMDB's main database lists them */
    char table_name[MAX_TABLES][32];
    uint64_t table_bytes[MAX_TABLES];
    uint64_t tables_total;
    uint64_t disk_bytes;  /* blocks allocated under the index directory */
    /* --repeat: the wall seconds of every build of this device, in order;
     * the figures above are those of the median one */
    uint32_t nrepeat;
    double repeat_sec[MAX_REPEATS];
} brun;

/* The figures a run is judged by, in the order the JSON lists them. */
enum {
    M_SECONDS, M_MBPS, M_DOCSPS, M_TOKPS,
    M_READ, M_COMPRESS, M_TOKENIZE, M_ENTITIES, M_ENCODE, M_WRITE, M_SETUP, M_CPU,
    M_COMMIT, M_UPDATE,
    M_H2D, M_KERNELS, M_D2H,
    M_RSS, M_INDEX, M_POSTINGS, M_INDEX_RATIO, M_POSTINGS_RATIO, M_NOTEXT_RATIO,
    NMETRICS
};

static const struct {
    const char *key;
    const char *label;
    int higher_is_better;
} metrics[NMETRICS] = {
    {"seconds", "wall s", 0},
    {"mb_per_s", "MB/s", 1},
    {"docs_per_s", "docs/s", 1},
    {"tokens_per_s", "tokens/s", 1},
    {"read_sec", "read s", 0},
    {"compress_sec", "compress s", 0},
    {"tokenize_sec", "tokenize s", 0},
    {"entities_sec", "entities s", 0},
    {"encode_sec", "encode s", 0},
    {"write_sec", "write s", 0},
    {"setup_sec", "setup s", 0},
    {"cpu_sec", "CPU s", 0},
    {"commit_sec", "commit s", 0},
    {"update_sec", "update s", 0},
    {"h2d_sec", "h2d s", 0},
    {"kernel_sec", "kernels s", 0},
    {"d2h_sec", "d2h s", 0},
    {"peak_rss_bytes", "peak RSS", 0},
    {"index_bytes", "index bytes", 0},
    {"postings_bytes", "postings bytes", 0},
    {"index_ratio", "index/raw", 0},
    {"postings_ratio", "postings/raw", 0},
    {"index_without_text_ratio", "index-text/raw", 0},
};

/* Bytes of the named table, 0 when the index has none of that name. */
static uint64_t table_get(const brun *r, const char *name)
{
    for (uint32_t k = 0; k < r->ntables; k++)
        if (!strcmp(r->table_name[k], name))
            return r->table_bytes[k];
    return 0;
}

static void run_metrics(const brun *r, double m[NMETRICS])
{
    const gal_build_report *p = &r->rep;
    double s = p->seconds > 0 ? p->seconds : 1e-9, raw = p->raw_bytes ? (double)p->raw_bytes : 1;
    m[M_SECONDS] = p->seconds;
    m[M_MBPS] = (double)p->raw_bytes / 1e6 / s;
    m[M_DOCSPS] = (double)p->docs / s;
    m[M_TOKPS] = (double)p->tokens / s;
    m[M_READ] = p->read_sec;
    m[M_TOKENIZE] = p->tokenize_sec;
    m[M_ENTITIES] = p->entities_sec;
    m[M_ENCODE] = p->encode_sec;
    m[M_COMPRESS] = p->compress_sec;
    m[M_WRITE] = p->write_sec;
    m[M_SETUP] = r->setup_sec;
    m[M_CPU] = r->user_sec + r->sys_sec;
    m[M_COMMIT] = p->commit_sec;
    m[M_UPDATE] = p->update_sec;
    m[M_H2D] = p->h2d_sec;
    m[M_KERNELS] = p->kernel_sec;
    m[M_D2H] = p->d2h_sec;
    m[M_RSS] = (double)r->peak_rss;
    m[M_INDEX] = (double)p->index_bytes;
    m[M_POSTINGS] = (double)table_get(r, "postings");
    m[M_INDEX_RATIO] = (double)p->index_bytes / raw;
    m[M_POSTINGS_RATIO] = m[M_POSTINGS] / raw;
    m[M_NOTEXT_RATIO] = (double)(r->tables_total - table_get(r, "text")) / raw;
}

/* ---- scratch directories ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) ? -1 : 0;
}

static void rm_tree(const char *dir)
{
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
        fprintf(stderr, "galley: warning: cannot remove '%s': %s\n", dir, strerror(errno));
}

static uint64_t disk_sum;

static int du_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag == FTW_F)
        disk_sum += (uint64_t)sb->st_blocks * 512u;
    return 0;
}

/* ---- the child ---- */

/* Every named database of the index and its pages, as mdb_stat -a shows them. */
static void read_tables(const char *dir, brun *r)
{
    gal_store *st = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_dbi main_db;
    if (gal_store_open(dir, GAL_STORE_READ, &st) || gal_store_txn_begin(st, 1, &txn) ||
        mdb_dbi_open(txn, NULL, 0, &main_db) || mdb_cursor_open(txn, main_db, &cur))
        goto out;
    MDB_val key, val;
    for (int op = MDB_FIRST; r->ntables < MAX_TABLES && !mdb_cursor_get(cur, &key, &val, op);
         op = MDB_NEXT) {
        char name[32];
        MDB_dbi dbi;
        MDB_stat ms;
        if (key.mv_size == 0 || key.mv_size >= sizeof name)
            continue;
        memcpy(name, key.mv_data, key.mv_size);
        name[key.mv_size] = '\0';
        if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_stat(txn, dbi, &ms))
            continue; /* a plain key of the main database, not a table */
        /* the shards of a --shards build add up, table by table */
        uint32_t k = 0;
        while (k < r->ntables && strcmp(r->table_name[k], name))
            k++;
        if (k == r->ntables) {
            r->ntables++;
            memcpy(r->table_name[k], name, key.mv_size + 1);
            r->table_bytes[k] = 0;
        }
        uint64_t bytes =
            (uint64_t)(ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages) * ms.ms_psize;
        r->table_bytes[k] += bytes;
        r->tables_total += bytes;
    }
out:
    if (cur)
        mdb_cursor_close(cur);
    if (txn)
        mdb_txn_abort(txn);
    gal_store_close(st);
}

/* One small document through every kernel a build launches: PoCL compiles
 * a kernel's work-group function at its first launch, seconds (5 s on
 * news-1g here) that a cold kernel cache would otherwise charge to the
 * timed build. */
static int warm_kernels(gal_cl *cl, gal_cl_tokenizer *tk)
{
    static const uint8_t text[] = "Warm up\nThe Federal Reserve Board met in Washington.\n";
    const uint32_t nbytes = sizeof text - 1, doc_start[2] = {0, nbytes}, body_start[1] = {8};
    gal_tokens t;
    gal_mentions m;
    gal_tokens_init(&t);
    gal_mentions_init(&m);
    gal_cl_entity_finder *ce = NULL;
    int rc = gal_cl_entities_new(cl, &ce);
    if (!rc)
        rc = gal_cl_tokenize(tk, text, nbytes, doc_start, body_start, 1, &t);
    if (!rc)
        rc = gal_cl_entities_after(ce, tk, text, nbytes, doc_start, body_start, 1, &t, &m);
    gal_cl_entities_free(ce);
    gal_mentions_release(&m);
    gal_tokens_release(&t);
    return rc;
}

/* User and system CPU seconds of this process so far. */
static void cpu_so_far(double *user, double *sys)
{
    struct rusage ru;
    *user = *sys = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
        *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    }
}

static void child_run(const gal_build_opts *base, const char *spec, const char *index_dir,
                      brun *r)
{
    gal_build_opts o = *base;
    o.out_dir = index_dir;
    o.device = spec;
    o.quiet = 1;
    o.progress = 0;
    if (strcmp(spec, "ref")) {
        /* warm the program and kernel caches; an "auto" without a device
         * falls back in the build, and one with a CPU device only takes the
         * reference path there (gal_cl_open_for_build) */
        gal_cl *cl = NULL;
        gal_cl_tokenizer *tk = NULL;
        double t0 = gal_now_sec();
        int rc = strcmp(spec, "auto") ? gal_cl_open(spec, &cl) : gal_cl_open_for_build(0, &cl);
        if (!rc && cl)
            rc = gal_cl_tokenizer_new(cl, &tk);
        if (!rc && cl)
            rc = warm_kernels(cl, tk);
        r->setup_sec = gal_now_sec() - t0;
        gal_cl_tokenizer_free(tk);
        gal_cl_close(cl);
        if (rc && strcmp(spec, "auto")) {
            r->rc = rc;
            snprintf(r->detail, sizeof r->detail, "%s", gal_error_detail(rc));
            return;
        }
        gal_error_clear();
    }
    /* the build's CPU, not the setup's (a cold kernel cache compiles for seconds) */
    double user0, sys0;
    cpu_so_far(&user0, &sys0);
    r->rc = gal_index_build(&o, &r->rep);
    if (r->rc)
        snprintf(r->detail, sizeof r->detail, "%s", gal_error_detail(r->rc));
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        r->peak_rss = (uint64_t)ru.ru_maxrss * 1024u; /* kilobytes on Linux */
    cpu_so_far(&r->user_sec, &r->sys_sec);
    r->user_sec -= user0;
    r->sys_sec -= sys0;
    if (!r->rc) {
        for (unsigned k = 1; k <= o.all_shards; k++) {
            char shard[4096];
            if (!gal_shard_dir(index_dir, k, o.all_shards, shard, sizeof shard))
                read_tables(shard, r);
        }
        if (!o.all_shards)
            read_tables(index_dir, r);
        disk_sum = 0;
        nftw(index_dir, du_entry, 16, FTW_PHYS);
        r->disk_bytes = disk_sum;
    }
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static ssize_t read_all(int fd, void *p, size_t n)
{
    char *c = p;
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, c + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* Fork; the child calls fn(ctx, fd) and writes its answer to fd; the parent
 * reads up to n bytes of it into out.  Returns the bytes read, or -1 with
 * *sig set when the child died of a signal (0 otherwise). */
static ssize_t in_child(void (*fn)(void *ctx, int fd), void *ctx, void *out, size_t n, int *sig)
{
    int fds[2];
    *sig = 0;
    if (pipe(fds))
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        fn(ctx, fds[1]);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    ssize_t got = read_all(fds[0], out, n);
    close(fds[0]);
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(ws)) {
        *sig = WTERMSIG(ws);
        return -1;
    }
    return got;
}

typedef struct build_ctx {
    const gal_build_opts *opts;
    const char *spec;
    const char *index_dir;
} build_ctx;

static void build_child(void *arg, int fd)
{
    build_ctx *c = arg;
    brun r;
    memset(&r, 0, sizeof r);
    snprintf(r.spec, sizeof r.spec, "%s", c->spec);
    child_run(c->opts, c->spec, c->index_dir, &r);
    write_all(fd, &r, sizeof r);
}

typedef struct dev_list {
    uint32_t n, rc;
    gal_cl_device_info v[MAX_DEVICES];
} dev_list;

static void list_child(void *arg, int fd)
{
    (void)arg;
    dev_list *d = calloc(1, sizeof *d);
    if (!d)
        return;
    size_t n = 0;
    int rc = gal_cl_list_devices(d->v, MAX_DEVICES, &n);
    d->n = rc ? 0 : (uint32_t)(n < MAX_DEVICES ? n : MAX_DEVICES);
    d->rc = (uint32_t)-rc;
    write_all(fd, d, sizeof *d);
    free(d);
}

/* ---- one build ---- */

static int bench_one(const gal_build_opts *opts, const char *spec, brun *r)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], index_dir[4200];
    snprintf(dir, sizeof dir, "%s/galley-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    memset(r, 0, sizeof *r);
    snprintf(r->spec, sizeof r->spec, "%s", spec);
    if (!mkdtemp(dir)) {
        r->rc = gal_error_set(GAL_EIO, "cannot make a scratch directory '%s': %s", dir,
                              strerror(errno));
        snprintf(r->detail, sizeof r->detail, "%s", gal_error_detail(r->rc));
        return r->rc;
    }
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    build_ctx c = {opts, spec, index_dir};
    /* The previous device's index (GBs of dirty page cache) would still be
     * written back during this build and slow it down by up to a third:
     * flush it first, so that every device starts with a clean cache. */
    sync();
    int sig;
    ssize_t got = in_child(build_child, &c, r, sizeof *r, &sig);
    if (got != (ssize_t)sizeof *r) {
        memset(r, 0, sizeof *r);
        snprintf(r->spec, sizeof r->spec, "%s", spec);
        r->rc = GAL_EIO;
        r->signaled = sig;
        if (sig)
            snprintf(r->detail, sizeof r->detail, "the build process died of signal %d (%s)", sig,
                     strsignal(sig));
        else
            snprintf(r->detail, sizeof r->detail, "the build process ended without a result");
    }
    rm_tree(dir);
    return r->rc;
}

/* ---- output ---- */

static void human_bytes(double n, char *out, size_t cap)
{
    if (n >= 1e9)
        snprintf(out, cap, "%.2f GB", n / 1e9);
    else if (n >= 1e6)
        snprintf(out, cap, "%.1f MB", n / 1e6);
    else
        snprintf(out, cap, "%.1f kB", n / 1e3);
}

static void short_name(const brun *r, char *out, size_t cap)
{
    char name[300];
    snprintf(name, sizeof name, "%s%s%s", r->spec, r->rep.device[0] ? ": " : "", r->rep.device);
    /* collapse runs of spaces that device names carry */
    size_t k = 0;
    for (size_t i = 0; name[i] && k + 1 < cap; i++)
        if (!(name[i] == ' ' && k && out[k - 1] == ' '))
            out[k++] = name[i];
    out[k] = '\0';
}

#define NAME_W 34

/* A table row's first column: the run's short name, padded. */
static void put_name(FILE *out, const brun *r)
{
    char name[NAME_W + 1];
    short_name(r, name, sizeof name);
    fprintf(out, "%-*s", NAME_W, name);
}

/* GB/s of a copy, or 0 when it took no measurable time. */
static double gbps(uint64_t bytes, double sec)
{
    return sec > 0 ? (double)bytes / 1e9 / sec : 0;
}

/* The device's own view of tokenize and entities, for OpenCL runs only. */
static void print_device_times(FILE *out, const brun *runs, size_t n)
{
    int header = 0;
    for (size_t i = 0; i < n; i++) {
        const gal_build_report *p = &runs[i].rep;
        if (runs[i].rc || (p->h2d_bytes == 0 && p->kernel_sec == 0))
            continue;
        if (!header) {
            fprintf(out, "\ndevice time inside tokenize and entities (OpenCL event profiling)\n");
            fprintf(out, "%-*s %20s %9s %20s\n", NAME_W, "device", "host->device", "kernels",
                    "device->host");
            header = 1;
        }
        char name[NAME_W + 1], up[32], down[32];
        short_name(&runs[i], name, sizeof name);
        human_bytes((double)p->h2d_bytes, up, sizeof up);
        human_bytes((double)p->d2h_bytes, down, sizeof down);
        char pinned[32];
        human_bytes((double)p->pinned_bytes, pinned, sizeof pinned);
        fprintf(out, "%-*s %6.2f s %5.1f GB/s %7.2f s %6.2f s %5.1f GB/s  (%s up, %s down; "
                     "%s pinned%s)\n",
                NAME_W, name, p->h2d_sec, gbps(p->h2d_bytes, p->h2d_sec), p->kernel_sec,
                p->d2h_sec, gbps(p->d2h_bytes, p->d2h_sec), up, down, pinned,
                p->pinned_heap_bytes ? ", some on the heap" : "");
        /* by kernel, MB/s of raw text: what to compare across devices */
        for (unsigned k = 0; k < p->nkernels; k++)
            fprintf(out, "%-*s   %-22s %7.2f s %8.0f MB/s of text, %" PRIu64 " launches\n",
                    NAME_W, "", p->kernels[k].name, p->kernels[k].sec,
                    p->kernels[k].sec > 0 ? (double)p->raw_bytes / 1e6 / p->kernels[k].sec : 0.0,
                    p->kernels[k].launches);
        fprintf(out, "%-*s   %" PRIu64 " of %" PRIu64 " documents' entities redone on the host"
                     " (more mentions than their room on the device)\n",
                NAME_W, "", p->entity_host_docs, p->docs);
    }
}

static const char *const stage_names[GAL_NSTAGES] = {"read", "compress", "tokenize", "encode",
                                                     "write"};

/* A table's title and column heads: "device", then cols at width; the
 * caller ends the line. */
static void print_head(FILE *out, const char *title, const char *const *cols, int ncols,
                       int width)
{
    fprintf(out, "\n%s\n%-*s", title, NAME_W, "device");
    for (int k = 0; k < ncols; k++)
        fprintf(out, " %*s", width, cols[k]);
}

/* Busy seconds of a stage's n threads, per thread (a report without
 * thread counts: one). */
static double per_thread(double sec, unsigned n)
{
    return sec / (n ? n : 1);
}

/* The busy seconds of each stage, in stage_names' order. */
static void stage_busy(const gal_build_report *p, double busy[GAL_NSTAGES])
{
    busy[GAL_STAGE_READ] = p->read_sec;
    busy[GAL_STAGE_COMPRESS] = p->compress_sec;
    busy[GAL_STAGE_TOKENIZE] = p->tokenize_sec + p->entities_sec;
    busy[GAL_STAGE_ENCODE] = p->encode_sec;
    busy[GAL_STAGE_WRITE] = p->write_sec;
}

/* Each stage's busy seconds per thread over the wall time, and the stage
 * whose threads are busiest: the one that sets the pace. */
static int stage_load(const gal_build_report *p, double load[GAL_NSTAGES])
{
    double s = p->seconds > 0 ? p->seconds : 1e-9, busy[GAL_NSTAGES];
    const unsigned threads[GAL_NSTAGES] = {1, p->compress_threads, p->tokenize_threads,
                                           p->encode_threads, p->writers};
    stage_busy(p, busy);
    for (int k = 0; k < GAL_NSTAGES; k++)
        load[k] = per_thread(busy[k], threads[k]) / s;
    int pace = 0;
    for (int k = 1; k < GAL_NSTAGES; k++)
        if (load[k] > load[pace])
            pace = k;
    return pace;
}

/* Where the pipeline stalls: each stage's waits, summed over its threads,
 * and which stage sets the pace. */
static void print_waits(FILE *out, const brun *runs, size_t n)
{
    print_head(out, "seconds waiting per stage, summed over its threads: input/order/room",
               stage_names, GAL_NSTAGES, 17);
    fprintf(out, " %8s %8s\n", "commit", "update");
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc)
            continue;
        const gal_build_report *p = &runs[i].rep;
        put_name(out, &runs[i]);
        for (int k = 0; k < GAL_NSTAGES; k++)
            fprintf(out, " %5.2f %5.2f %5.2f", p->wait_input[k], p->wait_order[k], p->wait_room[k]);
        fprintf(out, " %8.2f %8.2f\n", p->commit_sec, p->update_sec);
    }
    fprintf(out, "input: the stage before had no batch ready; order: a batch done waits\n"
                 "for an earlier one to pass on (encoders: also for the first batch's\n"
                 "bigram words); room: the stage's pooled buffers were all held further\n"
                 "on; commit: of the writer's busy time, LMDB's commits; update: the\n"
                 "in-memory known terms and entity forms updated after each commit,\n"
                 "on a thread beside the next batch's puts\n");
    print_head(out, "busy share of the wall time, per thread of each stage", stage_names,
               GAL_NSTAGES, 9);
    fprintf(out, "  %s\n", "pace");
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc)
            continue;
        double load[GAL_NSTAGES];
        int pace = stage_load(&runs[i].rep, load);
        put_name(out, &runs[i]);
        for (int k = 0; k < GAL_NSTAGES; k++)
            fprintf(out, " %8.1f%%", 100.0 * load[k]);
        fprintf(out, "  %s\n", stage_names[pace]);
    }
    fprintf(out, "pace: the stage whose threads are busiest, which the others wait for\n");
}

/* The process's CPU seconds beyond its stages' threads: read-ahead,
 * after-commit updates, the OpenCL driver's threads, setup. */
static double cpu_other(const brun *r)
{
    double other = r->user_sec + r->sys_sec;
    for (int k = 0; k < GAL_NSTAGES; k++)
        other -= r->rep.cpu_sec[k];
    return other;
}

/* What each stage's threads used of the CPU, against their busy seconds: on
 * a GPU the tokenizer threads' busy time is mostly waiting for the device,
 * and whether that wait costs a core shows here; on a machine with fewer
 * cores than threads, the others' waits for a core. */
static void print_cpu(FILE *out, const brun *runs, size_t n)
{
    print_head(out, "CPU seconds per stage, summed over its threads, and as a share of their "
                    "busy seconds",
               stage_names, GAL_NSTAGES, 13);
    fprintf(out, " %8s\n", "other");
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc)
            continue;
        const gal_build_report *p = &runs[i].rep;
        double busy[GAL_NSTAGES];
        stage_busy(p, busy);
        put_name(out, &runs[i]);
        for (int k = 0; k < GAL_NSTAGES; k++)
            fprintf(out, " %6.2f %5.0f%%", p->cpu_sec[k],
                    busy[k] > 0 ? 100.0 * p->cpu_sec[k] / busy[k] : 0.0);
        fprintf(out, " %8.2f\n", cpu_other(&runs[i]));
    }
    fprintf(out, "each thread's own CPU clock, over all its work (an encoder's also over the\n"
                 "choice of bigram words: above 100%%); other: the rest of the process's CPU\n"
                 "(read-ahead, after-commit updates, the OpenCL driver's threads, setup)\n");
}

static void print_tables(FILE *out, const brun *runs, size_t n, uint64_t input_bytes,
                         const gal_build_opts *o)
{
    int text_level = gal_build_text_level(o);
    const brun *any = NULL;
    for (size_t i = 0; i < n; i++)
        if (!runs[i].rc) {
            any = &runs[i];
            break;
        }
    if (any) {
        char raw[32], in[32];
        human_bytes((double)any->rep.raw_bytes, raw, sizeof raw);
        human_bytes((double)input_bytes, in, sizeof in);
        char level[32] = "as it is";
        if (text_level)
            snprintf(level, sizeof level, "at zstd level %d", text_level);
        unsigned nread = gal_build_read_threads(o, GAL_FORMAT_JSONL);
        unsigned nwarc = gal_build_read_threads(o, GAL_FORMAT_WARC);
        fprintf(out, "corpus: %" PRIu64 " documents, %" PRIu64 " tokens, %s of raw text (%s of input "
               "files); stored text %s; written pages %s the page cache; encoder code for %s; "
               "JSON Lines and TREC parsed on %u thread%s, WARC on %u\n\n",
               any->rep.docs, any->rep.tokens, raw, in, level,
               o->keep_cache ? "kept in" : "dropped from", gal_cpu_clones_running(), nread,
               nread == 1 ? "" : "s", nwarc);
    }
    fprintf(out, "%-*s %8s %8s %9s %9s %9s %9s %9s %9s\n", NAME_W, "device", "wall s", "MB/s", "kdocs/s",
           "Mtok/s", "CPU/wall", "peak RSS", "index/raw", "post/raw");
    for (size_t i = 0; i < n; i++) {
        char name[NAME_W + 1];
        short_name(&runs[i], name, sizeof name);
        if (runs[i].rc) {
            fprintf(out, "%-*s failed: %s\n", NAME_W, name, runs[i].detail);
            continue;
        }
        double m[NMETRICS], s = runs[i].rep.seconds > 0 ? runs[i].rep.seconds : 1e-9;
        run_metrics(&runs[i], m);
        char rss[32];
        human_bytes(m[M_RSS], rss, sizeof rss);
        fprintf(out, "%-*s %8.2f %8.1f %9.1f %9.2f %9.2f %9s %9.3f %9.3f\n", NAME_W, name, m[M_SECONDS],
               m[M_MBPS], m[M_DOCSPS] / 1e3, m[M_TOKPS] / 1e6, m[M_CPU] / s, rss,
               m[M_INDEX_RATIO], m[M_POSTINGS_RATIO]);
    }
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc || runs[i].nrepeat < 2)
            continue;
        char name[NAME_W + 1];
        short_name(&runs[i], name, sizeof name);
        fprintf(out, "%-*s wall s of its %u builds:", NAME_W, name, runs[i].nrepeat);
        for (uint32_t k = 0; k < runs[i].nrepeat; k++)
            fprintf(out, " %.2f", runs[i].repeat_sec[k]);
        fprintf(out, " (figures: the median one)\n");
    }
    fprintf(out, "\nseconds and share of wall time per stage\n");
    fprintf(out, "%-*s %14s %14s %14s %14s %14s %14s %8s %8s\n", NAME_W, "device", "read",
            "compress", "tokenize", "entities", "encode", "write", "setup", "threads");
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc)
            continue;
        double m[NMETRICS], s = runs[i].rep.seconds > 0 ? runs[i].rep.seconds : 1e-9;
        run_metrics(&runs[i], m);
        put_name(out, &runs[i]);
        for (int k = M_READ; k <= M_WRITE; k++)
            fprintf(out, " %7.2f %5.1f%%", m[k], 100.0 * m[k] / s);
        char threads[48];
        const gal_build_report *p = &runs[i].rep;
        if (p->writers > 1) /* each shard's threads, times the shards */
            snprintf(threads, sizeof threads, "%u+%u+%ux%u", p->compress_threads / p->writers,
                     p->tokenize_threads / p->writers, p->encode_threads / p->writers, p->writers);
        else
            snprintf(threads, sizeof threads, "%u+%u+%u", p->compress_threads, p->tokenize_threads,
                     p->encode_threads);
        fprintf(out, " %8.2f %8s\n", m[M_SETUP], threads);
    }
    fprintf(out, "busy seconds per stage, summed over its threads, which overlap: reader\n"
           "(read), compressor threads (compress, with the reader's dictionary\n"
           "training), tokenizer threads (tokenize, entities), encoder threads\n"
           "(encode), writer (write); threads: compressor+tokenizer+encoder\n");
    print_waits(out, runs, n);
    print_cpu(out, runs, n);
    print_device_times(out, runs, n);
    print_head(out, "index tables (bytes, share of raw text)", shown_tables, NSHOWN, 17);
    fprintf(out, " %17s\n", "other");
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc)
            continue;
        char b[32];
        double raw = runs[i].rep.raw_bytes ? (double)runs[i].rep.raw_bytes : 1;
        put_name(out, &runs[i]);
        uint64_t other = runs[i].tables_total;
        for (size_t k = 0; k < NSHOWN; k++) {
            uint64_t t = table_get(&runs[i], shown_tables[k]);
            human_bytes((double)t, b, sizeof b);
            fprintf(out, " %10s %5.3f", b, (double)t / raw);
            other -= t;
        }
        human_bytes((double)other, b, sizeof b);
        fprintf(out, " %10s %5.3f\n", b, (double)other / raw);
    }
}

static void write_json(FILE *f, const brun *runs, size_t n, const gal_build_opts *o,
                       const char *const *inputs, size_t ninputs, uint64_t input_bytes)
{
    char date[32];
    struct utsname un;
    gal_bench_utc_now(date, sizeof date);
    if (uname(&un)) {
        strcpy(un.nodename, "?");
        strcpy(un.machine, "?");
    }
    fprintf(f, "{\"galley_bench\": \"index\", \"version\": 1, \"date\": \"%s\", \"host\": ", date);
    gal_bench_json_str(f, un.nodename, strlen(un.nodename));
    fprintf(f, ", \"machine\": \"%s\", \"cpus\": %ld, \"encoder_code\": \"%s\", \"batch_mb\": %zu,\n"
               " \"text_level\": %d, \"keep_cache\": %s, \"read_threads\": %u, \"warc_read_threads\": %u,\n"
               " \"inputs\": [",
            un.machine, sysconf(_SC_NPROCESSORS_ONLN), gal_cpu_clones_running(),
            o->batch_bytes >> 20, gal_build_text_level(o), o->keep_cache ? "true" : "false",
            gal_build_read_threads(o, GAL_FORMAT_JSONL), gal_build_read_threads(o, GAL_FORMAT_WARC));
    for (size_t i = 0; i < ninputs; i++) {
        if (i)
            fputs(", ", f);
        gal_bench_json_str(f, inputs[i], strlen(inputs[i]));
    }
    fprintf(f, "], \"input_bytes\": %" PRIu64 ",\n \"runs\": [", input_bytes);
    for (size_t i = 0; i < n; i++) {
        const brun *r = &runs[i];
        fputs(i ? ",\n  {\"spec\": " : "\n  {\"spec\": ", f);
        gal_bench_json_str(f, r->spec, strlen(r->spec));
        fputs(", \"device\": ", f);
        gal_bench_json_str(f, r->rep.device, strlen(r->rep.device));
        if (r->rc) {
            fputs(", \"ok\": false, \"error\": ", f);
            gal_bench_json_str(f, r->detail, strlen(r->detail));
            fputs("}", f);
            continue;
        }
        const gal_build_report *p = &r->rep;
        fprintf(f,
                ", \"ok\": true,\n   \"docs\": %" PRIu64 ", \"raw_bytes\": %" PRIu64
                ", \"tokens\": %" PRIu64 ", \"new_terms\": %" PRIu64 ", \"batches\": %" PRIu64
                ", \"skipped\": %" PRIu64 ",\n   \"compress_threads\": %u, \"tokenize_threads\": %u, \"encode_threads\": %u, \"writers\": %u,\n   ",
                p->docs, p->raw_bytes, p->tokens, p->new_terms, p->batches, p->skipped,
                p->compress_threads, p->tokenize_threads, p->encode_threads, p->writers);
        double m[NMETRICS], s = p->seconds > 0 ? p->seconds : 1e-9;
        run_metrics(r, m);
        for (int k = 0; k < NMETRICS; k++) {
            int whole = k == M_RSS || k == M_INDEX || k == M_POSTINGS;
            fprintf(f, whole ? "\"%s\": %.0f,%s" : "\"%s\": %.6g,%s", metrics[k].key, m[k],
                    k % 4 == 3 ? "\n   " : " ");
        }
        fprintf(f, "\"user_sec\": %.3f, \"sys_sec\": %.3f, \"disk_bytes\": %" PRIu64
                   ", \"tables_bytes\": %" PRIu64 ",\n   \"h2d_bytes\": %" PRIu64
                   ", \"d2h_bytes\": %" PRIu64 ", \"entity_host_docs\": %" PRIu64
                   ",\n   \"pinned_bytes\": %" PRIu64 ", \"pinned_heap_bytes\": %" PRIu64
                   ", \"share\": {",
                r->user_sec, r->sys_sec, r->disk_bytes, r->tables_total, p->h2d_bytes,
                p->d2h_bytes, p->entity_host_docs, p->pinned_bytes, p->pinned_heap_bytes);
        for (int k = M_READ; k <= M_WRITE; k++)
            fprintf(f, "%s\"%.*s\": %.4f", k == M_READ ? "" : ", ",
                    (int)(strlen(metrics[k].key) - 4), metrics[k].key, m[k] / s);
        fputs("},\n   \"waits\": {", f);
        for (int k = 0; k < GAL_NSTAGES; k++)
            fprintf(f, "%s\"%s\": {\"input\": %.4f, \"order\": %.4f, \"room\": %.4f}",
                    k ? ", " : "", stage_names[k], p->wait_input[k], p->wait_order[k],
                    p->wait_room[k]);
        double load[GAL_NSTAGES];
        int pace = stage_load(p, load);
        fputs("},\n   \"cpu\": {", f);
        for (int k = 0; k < GAL_NSTAGES; k++)
            fprintf(f, "%s\"%s\": %.4f", k ? ", " : "", stage_names[k], p->cpu_sec[k]);
        fprintf(f, ", \"other\": %.4f", cpu_other(r));
        fputs("},\n   \"load\": {", f);
        for (int k = 0; k < GAL_NSTAGES; k++)
            fprintf(f, "%s\"%s\": %.4f", k ? ", " : "", stage_names[k], load[k]);
        fprintf(f, "}, \"pace\": \"%s\", \"repeat_seconds\": [", stage_names[pace]);
        for (uint32_t k = 0; k < r->nrepeat; k++)
            fprintf(f, "%s%.6g", k ? ", " : "", r->repeat_sec[k]);
        fputs("],\n   \"kernels\": {", f);
        for (unsigned k = 0; k < p->nkernels; k++) {
            fputs(k ? ", " : "", f);
            gal_bench_json_str(f, p->kernels[k].name, strlen(p->kernels[k].name));
            fprintf(f, ": {\"sec\": %.6g, \"launches\": %" PRIu64 "}", p->kernels[k].sec,
                    p->kernels[k].launches);
        }
        fputs("},\n   \"tables\": {", f);
        for (uint32_t k = 0; k < r->ntables; k++) {
            fputs(k ? ", " : "", f);
            gal_bench_json_str(f, r->table_name[k], strlen(r->table_name[k]));
            fprintf(f, ": %" PRIu64, r->table_bytes[k]);
        }
        fputs("}}", f);
    }
    fputs("\n ]}\n", f);
}

/* ---- --compare: a small JSON reader, enough for what write_json writes ---- */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jval {
    int type;
    double num;
    char *str;
    size_t n;
    struct jval *kid;
    char **key;
} jval;

static void jfree(jval *v)
{
    if (!v)
        return;
    gal_free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->kid[i]);
        if (v->key)
            gal_free(v->key[i]);
    }
    gal_free(v->kid);
    gal_free(v->key);
}

typedef struct jparser {
    const char *p, *end;
} jparser;

static void jws(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int jstring(jparser *j, char **out)
{
    if (j->p >= j->end || *j->p != '"')
        return -1;
    j->p++;
    size_t cap = 16, n = 0;
    char *s = gal_malloc(cap);
    if (!s)
        return -1;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            if (j->p >= j->end)
                break;
            c = *j->p++;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'u') { /* only ASCII matters here */
                if (j->end - j->p < 4)
                    break;
                unsigned u = (unsigned)strtoul((char[5]){j->p[0], j->p[1], j->p[2], j->p[3], 0},
                                               NULL, 16);
                j->p += 4;
                c = u < 0x80 ? (char)u : '?';
            }
        }
        if (n + 2 > cap) {
            char *t = gal_realloc(s, cap *= 2);
            if (!t) {
                gal_free(s);
                return -1;
            }
            s = t;
        }
        s[n++] = c;
    }
    if (j->p >= j->end) {
        gal_free(s);
        return -1;
    }
    j->p++;
    s[n] = '\0';
    *out = s;
    return 0;
}

static int jvalue(jparser *j, jval *v, int depth)
{
    memset(v, 0, sizeof *v);
    jws(j);
    if (j->p >= j->end || depth > 32)
        return -1;
    char c = *j->p;
    if (c == '"') {
        v->type = J_STR;
        return jstring(j, &v->str);
    }
    if (c == '{' || c == '[') {
        int obj = c == '{';
        v->type = obj ? J_OBJ : J_ARR;
        j->p++;
        size_t cap = 0;
        for (;;) {
            jws(j);
            if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
                j->p++;
                return 0;
            }
            if (v->n) {
                if (j->p >= j->end || *j->p != ',')
                    return -1;
                j->p++;
                jws(j);
            }
            if (v->n == cap) {
                cap = cap ? cap * 2 : 8;
                jval *k = gal_realloc(v->kid, cap * sizeof *k);
                if (!k)
                    return -1;
                v->kid = k;
                if (obj) {
                    char **ks = gal_realloc(v->key, cap * sizeof *ks);
                    if (!ks)
                        return -1;
                    v->key = ks;
                }
            }
            if (obj) {
                v->key[v->n] = NULL;
                memset(&v->kid[v->n], 0, sizeof v->kid[v->n]);
                v->n++;
                if (jstring(j, &v->key[v->n - 1]))
                    return -1;
                jws(j);
                if (j->p >= j->end || *j->p != ':')
                    return -1;
                j->p++;
                if (jvalue(j, &v->kid[v->n - 1], depth + 1))
                    return -1;
            } else {
                v->n++;
                if (jvalue(j, &v->kid[v->n - 1], depth + 1))
                    return -1;
            }
        }
    }
    if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5) || !strncmp(j->p, "null", 4)) {
        v->type = *j->p == 'n' ? J_NULL : J_BOOL;
        v->num = *j->p == 't';
        j->p += *j->p == 'f' ? 5 : 4;
        return 0;
    }
    char *end;
    v->type = J_NUM;
    v->num = strtod(j->p, &end);
    if (end == j->p)
        return -1;
    j->p = end;
    return 0;
}

static const jval *jget(const jval *o, const char *key)
{
    if (!o || o->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->key[i], key))
            return &o->kid[i];
    return NULL;
}

static int load_json(const char *path, jval *root)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return gal_error_set(GAL_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (n + 65536 > cap) {
            char *t = gal_realloc(buf, cap = cap ? cap * 2 : 65536 * 2);
            if (!t) {
                rc = GAL_ENOMEM;
                break;
            }
            buf = t;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    if (!rc) {
        jparser j = {buf, buf + n};
        buf[n] = '\0';
        if (jvalue(&j, root, 0) || root->type != J_OBJ || !jget(root, "runs")) {
            jfree(root);
            memset(root, 0, sizeof *root);
            rc = gal_error_set(GAL_EUSAGE, "'%s' is not a 'galley bench index --json' file", path);
        }
    }
    gal_free(buf);
    return rc;
}

static void print_compare(FILE *out, const brun *runs, size_t n, const jval *old,
                          const char *path)
{
    const jval *oruns = jget(old, "runs");
    const jval *odate = jget(old, "date");
    fprintf(out, "\nratio new/old against %s (%s); above 1 means more\n", path,
           odate && odate->type == J_STR ? odate->str : "undated");
    static const int shown[] = {M_MBPS, M_SECONDS, M_READ, M_COMPRESS, M_TOKENIZE, M_ENTITIES,
                                M_ENCODE, M_WRITE, M_RSS, M_INDEX_RATIO,
                                M_POSTINGS_RATIO};
    fprintf(out, "%-*s", NAME_W, "device");
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        fprintf(out, " %*s", k < 2 ? 7 : 9, metrics[shown[k]].label);
    fprintf(out, "\n");
    for (size_t i = 0; i < n; i++) {
        if (runs[i].rc)
            continue;
        const jval *match = NULL;
        for (int pass = 0; pass < 2 && !match; pass++)
            for (size_t k = 0; oruns && oruns->type == J_ARR && k < oruns->n && !match; k++) {
                const jval *ok = jget(&oruns->kid[k], "ok");
                const jval *key = jget(&oruns->kid[k], pass ? "device" : "spec");
                const char *want = pass ? runs[i].rep.device : runs[i].spec;
                if (ok && ok->num && key && key->type == J_STR && !strcmp(key->str, want))
                    match = &oruns->kid[k];
            }
        put_name(out, &runs[i]);
        if (!match) {
            fprintf(out, " (not in the old run)\n");
            continue;
        }
        double m[NMETRICS];
        run_metrics(&runs[i], m);
        for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
            const jval *ov = jget(match, metrics[shown[k]].key);
            int w = k < 2 ? 7 : 9;
            if (ov && ov->type == J_NUM && ov->num > 0)
                fprintf(out, " %*.2fx", w - 1, m[shown[k]] / ov->num);
            else
                fprintf(out, " %*s", w, "-");
        }
        fprintf(out, "\n");
    }
}

/* ---- arguments and the run ---- */

/* Read every input once so that each device starts with a warm page cache.
 * Returns the bytes read. */
static uint64_t warm_inputs(char **files, size_t n)
{
    static char buf[1 << 16];
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int fd = open(files[i], O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t k;
        while ((k = read(fd, buf, sizeof buf)) > 0)
            total += (uint64_t)k;
        close(fd);
    }
    return total;
}

/* Expand the --device value into specs. */
static int device_specs(const char *arg, char specs[][32], size_t cap, size_t *n)
{
    *n = 0;
    char *copy = gal_strndup(arg, strlen(arg));
    if (!copy)
        return GAL_ENOMEM;
    int rc = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "all")) {
            if (*n < cap)
                snprintf(specs[(*n)++], 32, "ref");
            dev_list *d = gal_calloc(1, sizeof *d);
            if (!d) {
                rc = GAL_ENOMEM;
                break;
            }
            int sig;
            ssize_t got = in_child(list_child, NULL, d, sizeof *d, &sig);
            if (got != (ssize_t)sizeof *d)
                fprintf(stderr, "galley: warning: listing OpenCL devices failed%s; benchmarking "
                                "the reference path only\n",
                        sig ? " (the process died)" : "");
            else if (d->rc)
                fprintf(stderr, "galley: warning: listing OpenCL devices failed: %s\n",
                        gal_strerror(-(int)d->rc));
            else if (!d->n)
                fprintf(stderr, "galley: warning: no OpenCL device; benchmarking the reference "
                                "path only\n");
            for (uint32_t k = 0; got == (ssize_t)sizeof *d && k < d->n && *n < cap; k++)
                snprintf(specs[(*n)++], 32, "%u", d->v[k].index);
            gal_free(d);
        } else if (!strcmp(t, "auto") || !strcmp(t, "ref") || strspn(t, "0123456789") == strlen(t)) {
            if (*n < cap)
                snprintf(specs[(*n)++], 32, "%s", t);
        } else {
            rc = GAL_EUSAGE;
        }
    }
    gal_free(copy);
    return rc;
}

/* Device i's result from its builds (builds[k * nspecs + i]): the first
 * failure, else the build of median wall time (the lower of the two middle
 * ones), with every build's wall time. */
static void pick_median(const brun *builds, size_t nspecs, unsigned repeat, size_t i, brun *out)
{
    unsigned order[MAX_REPEATS];
    for (unsigned k = 0; k < repeat; k++) {
        const brun *b = &builds[k * nspecs + i];
        if (b->rc) {
            *out = *b;
            return;
        }
        unsigned at = k; /* insertion by wall time */
        for (; at > 0 && builds[order[at - 1] * nspecs + i].rep.seconds > b->rep.seconds; at--)
            order[at] = order[at - 1];
        order[at] = k;
    }
    *out = builds[order[(repeat - 1) / 2] * nspecs + i];
    out->nrepeat = repeat;
    for (unsigned k = 0; k < repeat; k++)
        out->repeat_sec[k] = builds[k * nspecs + i].rep.seconds;
}

int gal_bench_index(int argc, char **argv)
{
    gal_build_opts o = {.batch_bytes = (size_t)GAL_BATCH_MB_DEFAULT << 20};
    const char *device = "all", *json = NULL, *compare = NULL;
    unsigned repeat = 1;
    const char **inputs = gal_calloc((size_t)argc, sizeof *inputs);
    if (!inputs)
        return gal_report(GAL_ENOMEM);
    size_t ninputs = 0, nfiles = 0, nspecs = 0;
    char **files = NULL;
    char(*specs)[32] = NULL;
    brun *runs = NULL, *builds = NULL;
    jval old;
    memset(&old, 0, sizeof old);
    int status = GAL_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int shared;
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            goto out;
        } else if (!strcmp(a, "--device")) {
            if (!val) {
                status = gal_usage_error("bench index", "--device needs a value");
                goto out;
            }
            device = val;
            i++;
        } else if ((shared = gal_build_option("bench index", a, val, &o)) != 0) {
            if (shared < 0) {
                status = -shared;
                goto out;
            }
            i += shared - 1;
        } else if (!strcmp(a, "--json")) {
            if (!val) {
                status = gal_usage_error("bench index", "--json needs a file");
                goto out;
            }
            json = val;
            i++;
        } else if (!strcmp(a, "--repeat")) {
            long n;
            if (gal_bench_parse_count(val, 1, MAX_REPEATS, &n)) {
                status = gal_usage_error("bench index", "--repeat takes 1 to %d builds per device",
                                         MAX_REPEATS);
                goto out;
            }
            repeat = (unsigned)n;
            i++;
        } else if (!strcmp(a, "--compare")) {
            if (!val) {
                status = gal_usage_error("bench index", "--compare needs a file");
                goto out;
            }
            compare = val;
            i++;
        } else if (!strcmp(a, "-")) {
            status = gal_usage_error("bench index", "standard input can be read only once: "
                                                    "give files");
            goto out;
        } else if (a[0] == '-' && a[1]) {
            status = gal_usage_error("bench index", "unknown option '%s'", a);
            goto out;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (!ninputs) {
        status = gal_usage_error("bench index", "no input files");
        goto out;
    }
    if (compare) {
        int rc = load_json(compare, &old);
        if (rc) {
            fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
            status = rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_USAGE;
            goto out;
        }
    }
    int rc = gal_input_list(inputs, ninputs, &files, &nfiles);
    if (rc) {
        status = gal_report(rc);
        goto out;
    }
    specs = gal_calloc(MAX_DEVICES + 1, sizeof *specs);
    if (!specs) {
        status = gal_report(GAL_ENOMEM);
        goto out;
    }
    if ((rc = device_specs(device, specs, MAX_DEVICES + 1, &nspecs))) {
        status = rc == GAL_EUSAGE ? gal_usage_error("bench index", "--device takes all, auto, ref "
                                                                   "or device numbers, not '%s'",
                                                    device)
                                  : gal_report(rc);
        goto out;
    }
    runs = gal_calloc(nspecs ? nspecs : 1, sizeof *runs);
    builds = gal_calloc((nspecs ? nspecs : 1) * repeat, sizeof *builds);
    if (!runs || !builds) {
        status = gal_report(GAL_ENOMEM);
        goto out;
    }
    o.inputs = inputs;
    o.ninputs = ninputs;
    uint64_t input_bytes = warm_inputs(files, nfiles);
    int worst = 0;
    /* the devices take turns, so that none gets the machine's quieter
     * minutes, or the memory another's build touched first, every time */
    for (unsigned k = 0; k < repeat; k++)
        for (size_t i = 0; i < nspecs; i++) {
            if (isatty(STDERR_FILENO))
                fprintf(stderr, "galley: bench: building with device %s (%u of %u) ...\n",
                        specs[i], k + 1, repeat);
            int r = bench_one(&o, specs[i], &builds[k * nspecs + i]);
            if (r && !worst)
                worst = r;
        }
    for (size_t i = 0; i < nspecs; i++)
        pick_median(builds, nspecs, repeat, i, &runs[i]);
    /* with --json -, the JSON alone goes to stdout and the table to stderr */
    FILE *table = json && !strcmp(json, "-") ? stderr : stdout;
    print_tables(table, runs, nspecs, input_bytes, &o);
    if (compare)
        print_compare(table, runs, nspecs, &old, compare);
    if (json) {
        FILE *f = strcmp(json, "-") ? fopen(json, "w") : stdout;
        if (!f) {
            fprintf(stderr, "galley: error: cannot write '%s': %s\n", json, strerror(errno));
            status = GAL_EXIT_SYSTEM;
            goto out;
        }
        write_json(f, runs, nspecs, &o, inputs, ninputs, input_bytes);
        int bad = fflush(f) || ferror(f);
        if (f != stdout)
            bad |= fclose(f) != 0;
        if (bad) {
            fprintf(stderr, "galley: error: cannot write '%s': %s\n", json, strerror(errno));
            status = GAL_EXIT_SYSTEM;
            goto out;
        }
    }
    if (worst) {
        for (size_t i = 0; i < nspecs; i++)
            if (runs[i].rc)
                fprintf(stderr, "galley: error: device %s: %s\n", runs[i].spec, runs[i].detail);
        status = gal_exit_for(worst);
    }
out:
    jfree(&old);
    gal_free(runs);
    gal_free(builds);
    gal_free(specs);
    if (files)
        gal_input_list_free(files, nfiles);
    gal_free(inputs);
    return status;
}
