/*
 * bench_query.c — `galley bench query INDEX... QUERIES`: query latency, warm.
 *
 * Every non-blank line of QUERIES is one query in galley's language (the
 * same file `galley query --queries` takes).  The whole set runs --warmup
 * times unmeasured (pages of the index come into the cache), then --runs
 * times measured.  One query's latency is parse + evaluate + rank: the
 * matching-document count and the top --limit hits by BM25, as `galley
 * query --count` and `galley query` compute them, without rendering
 * snippets.  All queries share one read snapshot, in one thread; with
 * --threads N, N threads run the measured passes at once, each with read
 * snapshots of its own (LMDB readers do not block each other), each
 * starting at another place in the set, and the throughput is what they
 * answer together.  Several indexes are searched as one (gal_search_many),
 * each query's statistics over all of them included in its time.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc.h"
#include "bench.h"
#include "clock.h"
#include "commands.h"
#include "index.h"
#include "index_dirs.h"
#include "query.h"
#include "search.h"
#include "status.h"

static const char help[] =
    "usage: galley bench query INDEX... QUERIES [OPTIONS]\n"
    "\n"
    "Run every non-blank line of the file QUERIES as a query against INDEX (or\n"
    "several indexes searched as one, as 'galley query' does, a directory of\n"
    "shards as all of them), in this process,\n"
    "and report the latency per query (mean, p50, p95, p99, max)\n"
    "and queries per second.  The set runs --warmup times first, unmeasured, so\n"
    "the figures are for a warm cache.  A query's time covers parsing, matching,\n"
    "counting every matching document and ranking the top --limit by BM25; it\n"
    "does not cover snippets or output.  A line that does not parse is reported\n"
    "on stderr and left out.\n"
    "\n"
    "options:\n"
    "  --json FILE     also write the figures and each query's count and mean\n"
    "                  latency as JSON to FILE ('-' = standard output)\n"
    "  --warmup N      unmeasured passes over the set first [1]\n"
    "  --runs N        measured passes [3]\n"
    "  --limit K       hits ranked per query [10]\n"
    "  --threads N     N threads run the measured passes at once, each from\n"
    "                  another place in the set: latency under load, and the\n"
    "                  queries per second they answer together [1]\n"
    "  --part-threads N  with several indexes (or shards), how many one query\n"
    "                  searches at once, a thread each [the cores shared out\n"
    "                  among --threads, at least 1]\n"
    "  --prefix-cap N  terms of one prefix* read through cursors of their own,\n"
    "                  as 'galley query' takes it (the same hits and scores)\n"
    "                  [256]\n"
    "  -h, --help      show this help\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  2  usage error, unreadable QUERIES or no valid query in it\n"
    "  3  index missing or corrupt\n"
    "  6  out of memory or another system error\n";

typedef struct bquery {
    char *text;
    size_t len;
    unsigned long line;
    int bad;         /* does not parse (found by the first pass) */
    uint64_t total;  /* matching documents (set by the unmeasured passes) */
    double sum_ms;   /* over the measured runs, every thread's */
} bquery;

typedef struct qset {
    bquery *v;
    size_t n, cap;
} qset;

static void qset_release(qset *s)
{
    for (size_t i = 0; i < s->n; i++)
        gal_free(s->v[i].text);
    gal_free(s->v);
}

static int qset_load(const char *path, qset *s)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return gal_error_set(GAL_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    int rc = 0;
    while ((got = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == n)
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            bquery *v = gal_realloc(s->v, cap * sizeof *v);
            if (!v) {
                rc = GAL_ENOMEM;
                break;
            }
            s->v = v;
            s->cap = cap;
        }
        bquery *q = &s->v[s->n];
        memset(q, 0, sizeof *q);
        if (!(q->text = gal_malloc(n + 1))) {
            rc = GAL_ENOMEM;
            break;
        }
        memcpy(q->text, line, n);
        q->text[n] = '\0';
        q->len = n;
        q->line = lineno;
        s->n++;
    }
    if (!rc && ferror(f))
        rc = gal_error_set(GAL_EIO, "cannot read '%s': %s", path, strerror(errno));
    free(line);
    fclose(f);
    return rc;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0, n). */
static double pct(const double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t k = (size_t)(p * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

/* One pass over the set, from query first on (wrapping round).  Measured
 * (lat not NULL): lat gets each good query's ms, sum_ms[i] adds query i's
 * (NULL: the query's own sum does);
 * else each query's count is kept, and a line that does not parse is
 * marked bad. */
static int run_pass(gal_snapshot **snaps, size_t nsnaps, qset *s, size_t first,
                    const gal_search_opts *so, gal_results *res, double *lat, size_t *nlat,
                    double *sum_ms)
{
    for (size_t j = 0; j < s->n; j++) {
        size_t i = (first + j) % s->n;
        bquery *bq = &s->v[i];
        if (bq->bad)
            continue;
        gal_query *q = NULL;
        double t0 = gal_now_sec();
        int rc = gal_query_parse(bq->text, bq->len, &q);
        if (!rc)
            rc = gal_search_many(snaps, nsnaps, q, so, res);
        double ms = (gal_now_sec() - t0) * 1e3;
        gal_query_free(q);
        if (rc == GAL_EUSAGE && !lat) {
            fprintf(stderr, "galley: warning: line %lu: %s; left out\n", bq->line,
                    gal_error_detail(rc));
            bq->bad = 1;
            continue;
        }
        if (rc)
            return rc;
        if (lat) {
            lat[(*nlat)++] = ms;
            *(sum_ms ? &sum_ms[i] : &bq->sum_ms) += ms;
        } else {
            bq->total = res->total;
        }
    }
    return 0;
}

/* Where the query threads wait, warm, for the clock to start; or learn
 * that not all of them could be started, and leave. */
typedef struct start_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long warm; /* threads waiting at the gate */
    int go;    /* 0: wait, 1: run the measured passes, -1: leave */
} start_gate;

/* A worker, warm: 1 to go on, 0 to leave. */
static int gate_wait(start_gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->warm++;
    pthread_cond_broadcast(&g->cv);
    while (g->go == 0)
        pthread_cond_wait(&g->cv, &g->mu);
    int go = g->go > 0;
    pthread_mutex_unlock(&g->mu);
    return go;
}

/* The caller: once n workers are warm (go = 1), or at once (go = -1). */
static void gate_open(start_gate *g, long n, int go)
{
    pthread_mutex_lock(&g->mu);
    while (go > 0 && g->warm < n)
        pthread_cond_wait(&g->cv, &g->mu);
    g->go = go;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* One of --threads N: its own snapshots of the indexes, its passes from
 * its own place in the set, its latencies. */
typedef struct worker {
    gal_index_set *ixs;
    qset *set;
    const gal_search_opts *so;
    long runs;
    size_t first;
    double *lat, *sum_ms;
    size_t nlat;
    int rc;
    start_gate *start; /* every thread warm, and the clock started */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    size_t n = w->ixs->n;
    gal_snapshot **snaps = gal_calloc(n, sizeof *snaps);
    gal_results res;
    gal_results_init(&res);
    w->rc = snaps ? 0 : gal_error_set(GAL_ENOMEM, "out of memory");
    for (size_t k = 0; k < n && !w->rc; k++)
        w->rc = gal_snapshot_begin(w->ixs->ix[k], &snaps[k]);
    /* one pass unmeasured (into the thread's own buffers, then forgotten):
     * a snapshot checks what it first reads (docstats blocks, chunk
     * directories) once */
    if (!w->rc)
        w->rc = run_pass(snaps, n, w->set, w->first, w->so, &res, w->lat, &w->nlat, w->sum_ms);
    w->nlat = 0;
    memset(w->sum_ms, 0, (w->set->n ? w->set->n : 1) * sizeof *w->sum_ms);
    int go = gate_wait(w->start);
    for (long r = 0; go && r < w->runs && !w->rc; r++)
        w->rc = run_pass(snaps, n, w->set, w->first, w->so, &res, w->lat, &w->nlat, w->sum_ms);
    for (size_t k = 0; snaps && k < n; k++)
        gal_snapshot_end(snaps[k]);
    gal_free(snaps);
    gal_results_release(&res);
    return NULL;
}

/* The measured passes on nthreads threads at once (each warmed by a pass
 * of its own first): every latency into lat (nlat of them), each query's
 * sum into the set; the wall seconds from when all of them start. */
static int run_threads(gal_index_set *ixs, qset *set, const gal_search_opts *so, long runs,
                       long nthreads, double *lat, size_t *nlat, double *wall)
{
    worker *w = gal_calloc((size_t)nthreads, sizeof *w);
    pthread_t *tid = gal_calloc((size_t)nthreads, sizeof *tid);
    size_t per = set->n * (size_t)runs;
    start_gate start = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    int rc = w && tid ? 0 : gal_error_set(GAL_ENOMEM, "out of memory");
    for (long t = 0; t < nthreads && !rc; t++) {
        w[t] = (worker){ixs, set, so, runs, set->n * (size_t)t / (size_t)nthreads,
                        gal_malloc((per ? per : 1) * sizeof *lat),
                        gal_calloc(set->n ? set->n : 1, sizeof *lat), 0, 0, &start};
        if (!w[t].lat || !w[t].sum_ms)
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
    }
    long started = 0;
    for (; !rc && started < nthreads; started++)
        if (pthread_create(&tid[started], NULL, work, &w[started]))
            break;
    if (!rc && started < nthreads) /* those started leave at the gate */
        rc = gal_error_set(GAL_ENOMEM, "cannot start %ld query threads (%ld started)", nthreads,
                           started);
    gate_open(&start, started, rc ? -1 : 1);
    double t0 = gal_now_sec();
    for (long t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    *wall = gal_now_sec() - t0;
    for (long t = 0; t < nthreads && w && !rc; t++) { /* after a failed start, no figures */
        rc = w[t].rc;
        memcpy(lat + *nlat, w[t].lat, w[t].nlat * sizeof *lat);
        *nlat += w[t].nlat;
        for (size_t i = 0; i < set->n; i++)
            set->v[i].sum_ms += w[t].sum_ms[i];
    }
    for (long t = 0; w && t < nthreads; t++) {
        gal_free(w[t].lat);
        gal_free(w[t].sum_ms);
    }
    gal_free(w);
    gal_free(tid);
    return rc;
}

/* Free the argument list and pass a usage error's status on. */
static int usage_free(const char **pos, int status)
{
    gal_free(pos);
    return status;
}

int gal_bench_query(int argc, char **argv)
{
    const char *json = NULL;
    const char **pos = gal_calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    if (!pos)
        return gal_report(GAL_ENOMEM);
    long warmup = 1, runs = 3, limit = 10, threads = 1, part_threads = 0,
         prefix_cap = GAL_PREFIX_CAP_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            gal_free(pos);
            return GAL_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            if (!val)
                return usage_free(pos, gal_usage_error("bench query", "--json needs a file"));
            json = val;
            i++;
        } else if (!strcmp(a, "--warmup")) {
            if (gal_bench_parse_count(val, 0, 1000, &warmup))
                return usage_free(pos, gal_usage_error("bench query", "--warmup needs a number from 0 to 1000"));
            i++;
        } else if (!strcmp(a, "--runs")) {
            if (gal_bench_parse_count(val, 1, 1000, &runs))
                return usage_free(pos, gal_usage_error("bench query", "--runs needs a number from 1 to 1000"));
            i++;
        } else if (!strcmp(a, "--limit")) {
            if (gal_bench_parse_count(val, 1, 1000000, &limit))
                return usage_free(pos, gal_usage_error("bench query", "--limit needs a number from 1 to 1000000"));
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (gal_bench_parse_count(val, 1, 256, &threads))
                return usage_free(pos, gal_usage_error("bench query", "--threads needs a number from 1 to 256"));
            i++;
        } else if (!strcmp(a, "--part-threads")) {
            if (gal_bench_parse_count(val, 1, 64, &part_threads))
                return usage_free(pos, gal_usage_error("bench query", "--part-threads needs a number from 1 to 64"));
            i++;
        } else if (!strcmp(a, "--prefix-cap")) {
            if (gal_bench_parse_count(val, 1, 100000, &prefix_cap))
                return usage_free(pos, gal_usage_error("bench query", "--prefix-cap needs a number from 1 to 100000"));
            i++;
        } else if (a[0] == '-' && a[1]) {
            return usage_free(pos, gal_usage_error("bench query", "unknown option '%s'", a));
        } else {
            pos[npos++] = a;
        }
    }
    if (npos < 2)
        return usage_free(pos, gal_usage_error("bench query", "missing %s", npos ? "QUERIES" : "INDEX and QUERIES"));

    /* the indexes: a directory of shards stands for them all */
    gal_index_dirs dirs;
    int given = gal_index_dirs_expand_open("bench query", pos, (size_t)npos - 1, &dirs);
    if (given)
        return usage_free(pos, given);
    const char *const *ix_dirs = (const char *const *)dirs.dir;
    size_t nix = dirs.n;
    const char *queries = pos[npos - 1];
    qset set = {0};
    gal_index_set ixs = {0};
    gal_results res;
    gal_results_init(&res);
    double *lat = NULL;
    size_t nlat = 0;
    int exit_code = GAL_EXIT_OK;
    FILE *jf = NULL;

    int rc = qset_load(queries, &set);
    if (rc) {
        fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
        exit_code = rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_USAGE;
        goto out;
    }
    if ((rc = gal_index_set_adopt(&ixs, ix_dirs, dirs.ix, nix))) {
        fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
        exit_code = rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_INDEX;
        goto out;
    }
    gal_snapshot **snaps = ixs.snaps;
    if (!(lat = gal_malloc((set.n ? set.n : 1) * (size_t)runs * (size_t)threads * sizeof *lat))) {
        exit_code = gal_report(GAL_ENOMEM);
        goto out;
    }
    if (!part_threads) { /* the query threads share the cores */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        part_threads = cores > threads ? cores / threads : 1;
    }
    if ((size_t)part_threads > nix)
        part_threads = (long)nix;
    gal_search_opts so = {.sort = GAL_SORT_SCORE, .limit = (size_t)limit,
                          .part_threads = (unsigned)part_threads,
                          .prefix_cap = (unsigned)prefix_cap};
    /* the first pass also finds the lines that do not parse */
    for (long w = 0; w < (warmup ? warmup : 1) && !rc; w++)
        rc = run_pass(snaps, nix, &set, 0, &so, &res, NULL, NULL, NULL);
    double wall = 0, t0 = gal_now_sec();
    if (threads == 1) { /* on the snapshots the unmeasured passes warmed */
        for (long r = 0; r < runs && !rc; r++)
            rc = run_pass(snaps, nix, &set, 0, &so, &res, lat, &nlat, NULL);
        wall = gal_now_sec() - t0;
    } else if (!rc) {
        rc = run_threads(&ixs, &set, &so, runs, threads, lat, &nlat, &wall);
    }
    if (rc) {
        exit_code = rc == GAL_ECORRUPT ? GAL_EXIT_INDEX : gal_report(rc);
        if (rc == GAL_ECORRUPT)
            fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
        goto out;
    }
    size_t good = nlat / (size_t)runs / (size_t)threads;
    if (!good) {
        fprintf(stderr, "galley: error: no valid query in '%s'\n", queries);
        exit_code = GAL_EXIT_USAGE;
        goto out;
    }
    double sum = 0;
    for (size_t k = 0; k < nlat; k++)
        sum += lat[k];
    qsort(lat, nlat, sizeof *lat, dbl_cmp);
    double mean = sum / (double)nlat, p50 = pct(lat, nlat, 0.50), p95 = pct(lat, nlat, 0.95),
           p99 = pct(lat, nlat, 0.99), max = lat[nlat - 1], qps = wall > 0 ? (double)nlat / wall : 0;
    gal_index_stats st; /* documents and terms of all the indexes (terms: added up) */
    memset(&st, 0, sizeof st);
    for (size_t k = 0; k < nix; k++) {
        gal_index_stats one;
        memset(&one, 0, sizeof one);
        gal_snapshot_stats(snaps[k], &one);
        st.docs += one.docs;
        st.terms += one.terms;
    }

    /* with --json -, the JSON alone goes to stdout and the table to stderr */
    FILE *out = json && !strcmp(json, "-") ? stderr : stdout;
    if (nix == 1)
        fprintf(out, "index %s: %" PRIu64 " documents, %" PRIu64 " terms\n", ix_dirs[0], st.docs, st.terms);
    else
        fprintf(out, "%zu indexes as one (%s ...): %" PRIu64 " documents\n", nix, ix_dirs[0], st.docs);
    fprintf(out, "%zu queries (%zu left out), %ld warm-up and %ld measured passes, top %ld by BM25\n",
           good, set.n - good, warmup, runs, limit);
    if (nix > 1)
        fprintf(out, "each query searches %ld of the %zu indexes at once\n", part_threads, nix);
    fprintf(out, "latency ms: mean %.3f  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f\n", mean, p50, p95, p99,
           max);
    if (threads == 1)
        fprintf(out, "throughput: %.0f queries/s (one thread)\n", qps);
    else
        fprintf(out, "throughput: %.0f queries/s (%ld threads at once)\n", qps, threads);

    if (json) {
        jf = strcmp(json, "-") ? fopen(json, "w") : stdout;
        if (!jf) {
            fprintf(stderr, "galley: error: cannot write '%s': %s\n", json, strerror(errno));
            exit_code = GAL_EXIT_SYSTEM;
            goto out;
        }
        char date[32];
        struct utsname un;
        gal_bench_utc_now(date, sizeof date);
        if (uname(&un))
            strcpy(un.nodename, "?");
        fprintf(jf, "{\"galley_bench\": \"query\", \"version\": 1, \"date\": \"%s\", \"host\": ",
                date);
        gal_bench_json_str(jf, un.nodename, strlen(un.nodename));
        fputs(", \"index\": ", jf);
        gal_bench_json_str(jf, ix_dirs[0], strlen(ix_dirs[0]));
        if (nix > 1) {
            fputs(", \"indexes\": [", jf);
            for (size_t k = 0; k < nix; k++) {
                if (k)
                    fputs(", ", jf);
                gal_bench_json_str(jf, ix_dirs[k], strlen(ix_dirs[k]));
            }
            fputs("]", jf);
        }
        fputs(", \"queries_file\": ", jf);
        gal_bench_json_str(jf, queries, strlen(queries));
        fprintf(jf,
                ",\n \"docs\": %" PRIu64 ", \"terms\": %" PRIu64 ", \"queries\": %zu, \"left_out\": %zu,"
                " \"warmup\": %ld, \"runs\": %ld, \"limit\": %ld, \"threads\": %ld,"
                " \"part_threads\": %ld, \"prefix_cap\": %ld,\n"
                " \"mean_ms\": %.4f, \"p50_ms\": %.4f, \"p95_ms\": %.4f, \"p99_ms\": %.4f,"
                " \"max_ms\": %.4f, \"qps\": %.1f,\n \"per_query\": [",
                st.docs, st.terms, good, set.n - good, warmup, runs, limit, threads, part_threads,
                prefix_cap,
                mean, p50, p95,
                p99, max, qps);
        int first = 1;
        for (size_t i = 0; i < set.n; i++) {
            const bquery *bq = &set.v[i];
            fputs(first ? "\n  {\"query\": " : ",\n  {\"query\": ", jf);
            first = 0;
            gal_bench_json_str(jf, bq->text, bq->len);
            if (bq->bad)
                fputs(", \"error\": true}", jf);
            else
                fprintf(jf, ", \"count\": %" PRIu64 ", \"ms\": %.4f}", bq->total,
                        bq->sum_ms / (double)runs / (double)threads);
        }
        fputs("\n ]}\n", jf);
        if (fflush(jf) || ferror(jf)) {
            fprintf(stderr, "galley: error: cannot write '%s': %s\n", json, strerror(errno));
            exit_code = GAL_EXIT_SYSTEM;
        }
    }
out:
    if (jf && jf != stdout)
        fclose(jf);
    gal_free(lat);
    gal_results_release(&res);
    gal_index_set_close(&ixs);
    gal_index_dirs_free(&dirs);
    gal_free(pos);
    qset_release(&set);
    return exit_code;
}
