/*
 * cmd_query.c — `galley query INDEX... QUERY`: search an index, or several
 * as one (gal_search_many).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "commands.h"
#include "id_lines.h"
#include "index.h"
#include "index_dirs.h"
#include "output.h"
#include "query.h"
#include "search.h"
#include "snippet.h"
#include "status.h"

#define TITLE_BYTES 100
#define SNIPPET_BYTES 200

static const char query_help[] =
    "usage: galley query INDEX... QUERY [OPTIONS]\n"
    "       galley query INDEX... --queries FILE|- [OPTIONS]\n"
    "\n"
    "Search INDEX and print the best hits, ranked by BM25 (k1 = 1.2, b = 0.75).\n"
    "Several indexes (an archive indexed in parts) are searched as one index of\n"
    "all their documents, in the order given: counts add up, and BM25 counts\n"
    "documents, tokens and document frequencies over all of them, so every hit\n"
    "scores what it would in one index; each hit names its index.\n"
    "A directory of shards (galley index --shards N or --mpi) is all its shards.\n"
    "\n"
    "query language (operators are case-sensitive; 'or' is a word):\n"
    "  tariff talks               both words (implicit AND; AND may be written)\n"
    "  trade OR tariffs           either; implicit AND binds tighter than OR\n"
    "  china -bitcoin             NOT (also: china NOT bitcoin)\n"
    "  (a OR b) c                 grouping\n"
    "  \"tariff talks\"             phrase; a word such as u.s. or reagan's is a phrase too\n"
    "  \"china trade\"~3            all words in one field, any order, at most 3\n"
    "                             tokens between the first and the last (FTS5 NEAR;\n"
    "                             a word named twice needs one occurrence)\n"
    "  tarif*                     prefix: every term that starts so, each scored\n"
    "                             as a word (an OR of them all)\n"
    "  \"oil pri*\"                 a prefix in a phrase or ~N: any term that starts\n"
    "                             so fills its place (at most 16384 such terms)\n"
    "  title:tariffs              word, \"phrase\", prefix* or (group) in the title;\n"
    "                             its idf counts the documents it is in anywhere;\n"
    "                             -title:tariffs leaves out those with it in the title\n"
    "  entity:\"Scott Bessent\"     named entity\n"
    "  date:2025-04-01..2025-05-31  inclusive days; YYYY or YYYY-MM also work; either\n"
    "                             end may be open (date:..1987-03-31); undated\n"
    "                             documents never match\n"
    "A query needs at least one positive term.\n"
    "\n"
    "options:\n"
    "  --limit N, -n N     show N hits (default 10; 0 = all)\n"
    "  --offset N          skip the first N hits\n"
    "  --sort KEY          score (default), date (newest first) or doc (input order)\n"
    "  --count             print only the number of matching documents (of\n"
    "                      --count, --ids and --json the last given decides)\n"
    "  --histogram UNIT    the number of matching documents per year, month or\n"
    "                      day of their dates, oldest first ('undated' first);\n"
    "                      with --json one object per period\n"
    "  --ids               print only external ids, one per line (all of them unless\n"
    "                      --limit is given); an id holding a control character\n"
    "                      (a newline) or starting with '\"' or '#' as a JSON\n"
    "                      string, a document without one as #N\n"
    "  --json              one JSON object per hit: query (with --queries), rank,\n"
    "                      index (with several), id, doc, score, date, url, title,\n"
    "                      source, snippet, snippet_matches (byte ranges in\n"
    "                      snippet), matches (byte ranges in the stored text\n"
    "                      that 'galley show --raw' prints)\n"
    "  --color WHEN        highlight matches: auto (default: on a terminal), always, never\n"
    "  --queries FILE      run every line of FILE ('-' = standard input) as a query;\n"
    "                      each result is tagged with its query\n"
    "  --prefix-cap N      terms of one prefix* read through cursors of their own\n"
    "                      (default 256); the rest are read in one pass, with the\n"
    "                      same hits and scores\n"
    "  --part-threads N    with several indexes (or shards), how many are searched\n"
    "                      at once, a thread each (default: one a core)\n"
    "  --timing            print query latency (mean, p50, p95, p99) to stderr\n"
    "  --explain           print how the query was parsed to stderr\n"
    "  -h, --help          show this help\n"
    "\n"
    "exit status:\n"
    "  0  at least one hit\n"
    "  1  no hits\n"
    "  2  usage error or bad query (the message names the column)\n"
    "  3  index missing or corrupt\n"
    "  6  out of memory or another system error\n";

enum { OUT_PEOPLE, OUT_JSON, OUT_IDS, OUT_COUNT, OUT_HISTOGRAM };

typedef struct qopts {
    const char **indexes;
    size_t nindexes;
    const char *query;
    const char *queries;
    int out;
    int color;
    int limit_given;
    int timing, explain;
    int histogram_json; /* --histogram with --json */
    gal_search_opts so;
} qopts;

static int parse_size(const char *s, size_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-')
        return -1;
    *v = (size_t)x;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* o->indexes points into pos (argv's strings), which the caller frees. */
static int parse_args(int argc, char **argv, qopts *o, const char **pos)
{
    int color = -1; /* auto */
    int npos = 0, only_pos = 0;
    memset(o, 0, sizeof *o);
    o->so.limit = 10;
    o->so.note = gal_print_note;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* "-word" is a query (NOT word); options are --long, -n, -nN and -h */
        int n_joined = a[0] == '-' && a[1] == 'n' && a[2] >= '0' && a[2] <= '9';
        int is_opt = a[0] == '-' && (a[1] == '-' || !strcmp(a, "-n") || !strcmp(a, "-h") || n_joined);
        if (only_pos || !is_opt) {
            pos[npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        /* --opt=value or --opt value */
        const char *val = NULL;
        char name[32];
        const char *eq = n_joined ? NULL : strchr(a, '=');
        size_t nl = n_joined ? 2 : eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name)
            return gal_usage_error("query", "unknown option '%s'", a);
        memcpy(name, a, nl);
        name[nl] = '\0';
        int takes = !strcmp(name, "--limit") || !strcmp(name, "-n") || !strcmp(name, "--offset") ||
                    !strcmp(name, "--sort") || !strcmp(name, "--color") ||
                    !strcmp(name, "--colour") || !strcmp(name, "--queries") ||
                    !strcmp(name, "--prefix-cap") || !strcmp(name, "--histogram") ||
                    !strcmp(name, "--part-threads");
        if (takes) {
            if (n_joined) /* -n5 */
                val = a + 2;
            else if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return gal_usage_error("query", "option '%s' needs a value", name);
        } else if (eq) {
            return gal_usage_error("query", "option '%s' takes no value", name);
        }
        size_t n;
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(query_help, stdout);
            return -1;
        } else if (!strcmp(name, "--count")) {
            o->out = OUT_COUNT;
        } else if (!strcmp(name, "--ids")) {
            o->out = OUT_IDS;
        } else if (!strcmp(name, "--json")) {
            o->out = OUT_JSON;
        } else if (!strcmp(name, "--timing")) {
            o->timing = 1;
        } else if (!strcmp(name, "--explain")) {
            o->explain = 1;
        } else if (!strcmp(name, "--limit") || !strcmp(name, "-n")) {
            if (parse_size(val, &n))
                return gal_usage_error("query", "--limit needs a number, not '%s'", val);
            o->so.limit = n ? n : SIZE_MAX;
            o->limit_given = 1;
        } else if (!strcmp(name, "--offset")) {
            if (parse_size(val, &n))
                return gal_usage_error("query", "--offset needs a number, not '%s'", val);
            o->so.offset = n;
        } else if (!strcmp(name, "--prefix-cap")) {
            if (parse_size(val, &n) || n == 0 || n > 100000)
                return gal_usage_error("query", "--prefix-cap needs a number from 1 to 100000, not '%s'", val);
            o->so.prefix_cap = (unsigned)n;
        } else if (!strcmp(name, "--part-threads")) {
            if (parse_size(val, &n) || n == 0 || n > 64)
                return gal_usage_error("query", "--part-threads needs a number from 1 to 64, not '%s'", val);
            o->so.part_threads = (unsigned)n;
        } else if (!strcmp(name, "--sort")) {
            if (!strcmp(val, "score"))
                o->so.sort = GAL_SORT_SCORE;
            else if (!strcmp(val, "date"))
                o->so.sort = GAL_SORT_DATE;
            else if (!strcmp(val, "doc"))
                o->so.sort = GAL_SORT_DOC;
            else
                return gal_usage_error("query", "--sort takes score, date or doc, not '%s'", val);
        } else if (!strcmp(name, "--color") || !strcmp(name, "--colour")) {
            if (!strcmp(val, "auto"))
                color = -1;
            else if (!strcmp(val, "always"))
                color = 1;
            else if (!strcmp(val, "never"))
                color = 0;
            else
                return gal_usage_error("query", "--color takes auto, always or never, not '%s'", val);
        } else if (!strcmp(name, "--queries")) {
            o->queries = val;
        } else if (!strcmp(name, "--histogram")) {
            if (!strcmp(val, "year"))
                o->so.histogram = GAL_PER_YEAR;
            else if (!strcmp(val, "month"))
                o->so.histogram = GAL_PER_MONTH;
            else if (!strcmp(val, "day"))
                o->so.histogram = GAL_PER_DAY;
            else
                return gal_usage_error("query", "--histogram takes year, month or day, not '%s'", val);
        } else {
            return gal_usage_error("query", "unknown option '%s'", a);
        }
    }
    if (npos == 0)
        return gal_usage_error("query", "missing INDEX and QUERY");
    /* the last argument is the query, unless --queries gives them; an
     * argument before it that is no directory is most likely a query's
     * word (an index that is missing says so when it is opened) */
    o->indexes = pos;
    o->nindexes = (size_t)npos;
    if (o->queries && npos > 1 && !is_dir(pos[npos - 1]))
        return gal_usage_error("query", "'%s' is not an index directory (give either QUERY or --queries, not both)",
                               pos[npos - 1]);
    if (!o->queries) {
        if (npos == 1)
            return gal_usage_error("query", "missing QUERY (or --queries FILE)");
        o->query = pos[--o->nindexes];
    }
    int twice = gal_distinct_indexes("query", pos, o->nindexes);
    if (twice)
        return twice;
    for (size_t i = 0; o->nindexes > 1 && i < o->nindexes; i++)
        if (!is_dir(pos[i]))
            return gal_usage_error("query", o->queries ? "'%s' is not an index directory"
                                                       : "'%s' is not an index directory (a query of several words is one argument: quote it)",
                                   pos[i]);
    if (o->out == OUT_IDS && !o->limit_given)
        o->so.limit = SIZE_MAX;
    o->so.count_only = o->out == OUT_COUNT; /* the last of --count, --ids, --json */
    if (o->so.histogram) {
        if (o->out == OUT_IDS || o->out == OUT_COUNT)
            return gal_usage_error("query", "--histogram prints counts: give it without --%s",
                                   o->out == OUT_IDS ? "ids" : "count");
        o->histogram_json = o->out == OUT_JSON;
        o->out = OUT_HISTOGRAM;
        o->so.count_only = 1;
    }
    if (color < 0) {
        const char *term = getenv("TERM");
        color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
    }
    o->color = color;
    return 0;
}

/* Everything one query's output needs, reused from query to query. */
typedef struct runner {
    gal_snapshot **snaps; /* one per index, in the order given */
    size_t nsnaps;
    qopts *o;
    gal_results res;
    gal_buf out, text, explain;
    gal_spans spans;
    gal_excerpt title, snippet;
    double *lat;
    size_t nlat, latcap;
    int any_hits, any_error;
} runner;

/* A hit's document record: missing, it is not the user's mistake (as in
 * 'galley show #N') but an index whose postings name a document it lacks. */
static int hit_doc(runner *r, const gal_hit *hit, gal_doc_info *info)
{
    uint32_t doc = hit->doc;
    int rc = gal_snapshot_doc(r->snaps[hit->part], doc, info);
    if (rc == GAL_ENOTFOUND)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: a hit, document %u, has no record", doc);
    return rc;
}

static int render_hit(runner *r, gal_matcher *m, const gal_hit *hit, size_t rank,
                      const char *qtext, size_t qlen)
{
    gal_doc_info info;
    const gal_posrange *ranges;
    size_t nranges;
    int rc = hit_doc(r, hit, &info);
    if (!rc && (rc = gal_snapshot_text(r->snaps[hit->part], hit->doc, &r->text)) == GAL_ENOTFOUND)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: a hit, document %u, has no text",
                           hit->doc);
    if (!rc)
        rc = gal_matcher_doc(m, hit->doc, &ranges, &nranges);
    if (rc)
        return rc;
    const char *text = (const char *)r->text.data;
    size_t len = r->text.len, tl = info.title_len < len ? info.title_len : len;
    if ((rc = gal_snippet_spans(text, len, tl, info.title_tokens, ranges, nranges, &r->spans)))
        return rc;
    if ((rc = gal_excerpt_make(&r->title, text, 0, tl, r->spans.v, r->spans.n, TITLE_BYTES)))
        return rc;
    if ((rc = gal_excerpt_make(&r->snippet, text, tl < len ? tl + 1 : len, len, r->spans.v,
                               r->spans.n, SNIPPET_BYTES)))
        return rc;
    gal_hit_view v = {
        .rank = rank, .doc = hit->doc, .score = hit->score,
        .id = info.id, .id_len = info.id_len, .date = info.date, .date_len = info.date_len,
        .url = info.url, .url_len = info.url_len,
        .index = r->nsnaps > 1 ? r->o->indexes[hit->part] : NULL,
        .source = info.source, .source_len = info.source_len,
        .title = &r->title, .snippet = &r->snippet,
        .matches = r->spans.v, .nmatches = r->spans.n,
    };
    if (r->o->out == OUT_JSON)
        return gal_out_hit_json(&r->out, &v, qtext, qlen);
    return gal_out_hit_people(&r->out, &v, r->o->color);
}

/* A hit's place for looking ids up: its index, its document, its rank. */
typedef struct id_place {
    uint32_t part, doc;
    size_t rank;
} id_place;

static int by_place_then_rank(const void *a, const void *b)
{
    const id_place *x = a, *y = b;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* --histogram: a line per period with matches, oldest first, undated
 * documents before them: "1987-03<TAB>count" (<TAB>query with --queries),
 * or with --json {"query":..., "period":"1987-03", "count":N}. */
static int write_histogram(runner *r, const char *qtext, size_t qlen, int tagged)
{
    const gal_histogram *h = &r->res.periods;
    gal_buf *b = &r->out;
    char num[32];
    int e = 0;
    for (size_t k = 0; k < h->n && !e; k++) {
        snprintf(num, sizeof num, "%" PRIu64, h->v[k].count);
        if (r->o->histogram_json) {
            if (tagged)
                e = gal_buf_append(b, "{\"query\":", 9) || gal_json_string(b, qtext, qlen) ||
                    gal_buf_append(b, ",\"period\":\"", 11);
            else
                e = gal_buf_append(b, "{\"period\":\"", 11);
            e = e || gal_period_format(h->v[k].period, r->o->so.histogram, b) ||
                gal_buf_append(b, "\",\"count\":", 10) || gal_buf_append(b, num, strlen(num)) ||
                gal_buf_append(b, "}\n", 2);
        } else {
            e = gal_period_format(h->v[k].period, r->o->so.histogram, b) || gal_buf_push(b, '\t') ||
                gal_buf_append(b, num, strlen(num));
            if (!e && tagged)
                e = gal_buf_push(b, '\t') || gal_buf_append(b, qtext, qlen);
            e = e || gal_buf_push(b, '\n');
        }
    }
    return e ? gal_error_set(GAL_ENOMEM, "out of memory writing the histogram") : 0;
}

/* --ids: one line per hit, in rank order, each the hit's external id (or
 * #doc when it has none).  The ids are looked up in document order, so
 * that each block of document records is decoded once, not once per hit,
 * then written in rank order: 300,000 hits of 'said' on news-1g took 1.07 s
 * looked up in rank order, 0.24 s so. */
static int write_ids(runner *r, const char *qtext, size_t qlen, int tagged)
{
    size_t n = r->res.nhits;
    id_place *order = gal_malloc((n ? n : 1) * sizeof *order);
    struct {
        size_t off, len;
    } *id_of = gal_malloc((n ? n : 1) * sizeof *id_of); /* by rank: where in ids */
    gal_buf ids;
    gal_buf_init(&ids);
    int rc = order && id_of ? 0 : gal_error_set(GAL_ENOMEM, "out of memory for %zu ids", n);
    for (size_t k = 0; !rc && k < n; k++)
        order[k] = (id_place){r->res.hits[k].part, r->res.hits[k].doc, k};
    if (!rc)
        qsort(order, n, sizeof *order, by_place_then_rank);
    for (size_t i = 0; !rc && i < n; i++) {
        size_t k = order[i].rank;
        gal_doc_info info;
        if ((rc = hit_doc(r, &r->res.hits[k], &info)))
            break;
        id_of[k].off = ids.len;
        if (info.id_len) {
            rc = gal_id_line_put(&ids, info.id, info.id_len);
        } else {
            char line[24];
            snprintf(line, sizeof line, "#%" PRIu32, info.doc);
            rc = gal_buf_append(&ids, line, strlen(line));
        }
        id_of[k].len = ids.len - id_of[k].off;
    }
    for (size_t k = 0; !rc && k < n; k++) {
        if (tagged && (gal_buf_append(&r->out, qtext, qlen) || gal_buf_push(&r->out, '\t')))
            rc = GAL_ENOMEM;
        else if (!(rc = gal_buf_append(&r->out, ids.data + id_of[k].off, id_of[k].len)))
            rc = gal_buf_push(&r->out, '\n');
    }
    gal_free(id_of);
    gal_free(order);
    gal_buf_release(&ids);
    return rc;
}

/* Run one query; output goes to r->out.  Returns 0 or a negative status
 * (a bad query is GAL_EUSAGE). */
static int run_one(runner *r, const char *qtext, size_t qlen, int tagged)
{
    gal_query *q = NULL;
    gal_matcher **m = NULL; /* one per index, made when a hit of it is shown */
    gal_search_stats *st = NULL;
    qopts *o = r->o;
    gal_search_opts so = o->so;
    double t0 = gal_now_sec() * 1e3;
    int rc = gal_query_parse(qtext, qlen, &q);
    if (rc)
        return rc;
    if (o->explain) {
        gal_buf_clear(&r->explain);
        if (!gal_query_format(q, &r->explain))
            fprintf(stderr, "galley: query: %.*s\n", (int)r->explain.len, (const char *)r->explain.data);
    }
    if (r->nsnaps > 1) {
        /* the counts of all the indexes, kept for the snippets' matches:
         * a prefix highlights the terms it searched in all of them */
        if ((rc = gal_search_stats_of(r->snaps, r->nsnaps, q, &so, &st)))
            goto out;
        so.stats = st;
    }
    if ((rc = gal_search_many(r->snaps, r->nsnaps, q, &so, &r->res)))
        goto out;
    if (r->res.total)
        r->any_hits = 1;
    char line[64];
    switch (o->out) {
    case OUT_COUNT:
        snprintf(line, sizeof line, "%" PRIu64, r->res.total);
        rc = gal_buf_append(&r->out, line, strlen(line));
        if (!rc && tagged)
            rc = gal_buf_push(&r->out, '\t') || gal_buf_append(&r->out, qtext, qlen) ? GAL_ENOMEM : 0;
        if (!rc)
            rc = gal_buf_push(&r->out, '\n');
        break;
    case OUT_IDS:
        rc = write_ids(r, qtext, qlen, tagged);
        break;
    case OUT_HISTOGRAM:
        rc = write_histogram(r, qtext, qlen, tagged);
        break;
    default:
        if (o->out == OUT_PEOPLE) {
            if (tagged) {
                rc = gal_buf_append(&r->out, "## ", 3) || gal_buf_append(&r->out, qtext, qlen) ||
                     gal_buf_push(&r->out, '\n') ? GAL_ENOMEM : 0;
            }
            if (!r->res.nhits)
                snprintf(line, sizeof line, "%" PRIu64 " hits\n\n", r->res.total);
            else
                snprintf(line, sizeof line, "%" PRIu64 " hit%s, showing %zu-%zu\n\n", r->res.total,
                         r->res.total == 1 ? "" : "s", o->so.offset + 1,
                         o->so.offset + r->res.nhits);
            if (!rc)
                rc = gal_buf_append(&r->out, line, strlen(line));
        }
        if (!rc && r->res.nhits && !(m = gal_calloc(r->nsnaps, sizeof *m)))
            rc = gal_error_set(GAL_ENOMEM, "out of memory for snippets");
        for (size_t k = 0; !rc && k < r->res.nhits; k++) {
            uint32_t part = r->res.hits[k].part;
            if (!m[part] && (rc = gal_matcher_new(r->snaps[part], q, &so, &m[part])))
                break;
            rc = render_hit(r, m[part], &r->res.hits[k], o->so.offset + k + 1,
                            tagged ? qtext : NULL, qlen);
        }
    }
out:
    if (o->timing && !rc) {
        if (r->nlat == r->latcap) {
            size_t cap = r->latcap ? r->latcap * 2 : 256;
            double *v = gal_realloc(r->lat, cap * sizeof *v);
            if (v) {
                r->lat = v;
                r->latcap = cap;
            }
        }
        if (r->nlat < r->latcap)
            r->lat[r->nlat++] = gal_now_sec() * 1e3 - t0;
    }
    for (size_t i = 0; m && i < r->nsnaps; i++)
        gal_matcher_free(m[i]);
    gal_free(m);
    gal_search_stats_free(st);
    gal_query_free(q);
    return rc;
}

static int flush_out(runner *r)
{
    if (r->out.len && fwrite(r->out.data, 1, r->out.len, stdout) != r->out.len)
        return gal_error_set(GAL_EIO, "cannot write to standard output: %s", strerror(errno));
    gal_buf_clear(&r->out);
    return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_timing(runner *r)
{
    if (!r->nlat)
        return;
    double sum = 0;
    for (size_t k = 0; k < r->nlat; k++)
        sum += r->lat[k];
    qsort(r->lat, r->nlat, sizeof *r->lat, dbl_cmp);
#define PCT(p) r->lat[(size_t)((p) * (double)(r->nlat - 1) + 0.5)]
    fprintf(stderr, "galley: timing: %zu queries, mean %.3f ms, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, max %.3f ms\n",
            r->nlat, sum / (double)r->nlat, PCT(0.50), PCT(0.95), PCT(0.99), r->lat[r->nlat - 1]);
#undef PCT
}

/* Read one line (without its '\n') into b; 0 at EOF with nothing read. */
static int read_line(FILE *f, gal_buf *b, int *got)
{
    int c;
    gal_buf_clear(b);
    *got = 0;
    while ((c = getc(f)) != EOF) {
        *got = 1;
        if (c == '\n')
            break;
        if (gal_buf_push(b, (uint8_t)c))
            return GAL_ENOMEM;
    }
    if (b->len && b->data[b->len - 1] == '\r')
        b->len--;
    if (ferror(f))
        return gal_error_set(GAL_EIO, "cannot read queries: %s", strerror(errno));
    return 0;
}

static int index_exit(int status)
{
    fprintf(stderr, "galley: error: %s\n", gal_error_detail(status));
    if (status == GAL_ENOTFOUND || status == GAL_ECORRUPT || status == GAL_EBUSY ||
        status == GAL_EDB)
        return GAL_EXIT_INDEX;
    return gal_exit_for(status);
}

int gal_cmd_query(int argc, char **argv)
{
    qopts o;
    const char **pos = gal_malloc((size_t)argc * sizeof *pos);
    if (!pos)
        return gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
    int rc = parse_args(argc, argv, &o, pos);
    if (rc) {
        gal_free(pos);
        return rc < 0 ? GAL_EXIT_OK : rc;
    }
    gal_error_clear();

    /* A bad query is a usage error whatever state the index is in. */
    if (o.query) {
        gal_query *q;
        if ((rc = gal_query_parse(o.query, strlen(o.query), &q))) {
            gal_free(pos);
            return gal_report(rc); /* one line: "galley: error: ... at column N" */
        }
        gal_query_free(q);
    }
    FILE *qf = NULL;
    if (o.queries) {
        qf = strcmp(o.queries, "-") ? fopen(o.queries, "r") : stdin;
        if (!qf) {
            fprintf(stderr, "galley: error: cannot open '%s': %s\n", o.queries, strerror(errno));
            gal_free(pos);
            return GAL_EXIT_USAGE;
        }
    }

    gal_index_set set = {0};
    gal_index_dirs dirs = {0};
    runner r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    gal_results_init(&r.res);
    gal_buf_init(&r.out);
    gal_buf_init(&r.text);
    gal_buf_init(&r.explain);
    gal_spans_init(&r.spans);
    gal_excerpt_init(&r.title);
    gal_excerpt_init(&r.snippet);
    gal_buf line;
    gal_buf_init(&line);
    int exit_code;

    /* a directory of shards stands for them all */
    if ((exit_code = gal_index_dirs_expand_open("query", o.indexes, o.nindexes, &dirs)))
        goto out;
    o.indexes = (const char **)dirs.dir;
    o.nindexes = dirs.n;
    if ((rc = gal_index_set_adopt(&set, o.indexes, dirs.ix, o.nindexes))) {
        exit_code = index_exit(rc);
        goto out;
    }
    r.snaps = set.snaps;
    r.nsnaps = set.n;
    if (o.query) {
        rc = run_one(&r, o.query, strlen(o.query), 0);
        if (!rc)
            rc = flush_out(&r);
    } else {
        unsigned long lineno = 0;
        int got;
        while (!(rc = read_line(qf, &line, &got)) && got) {
            lineno++;
            size_t k = 0;
            while (k < line.len && (line.data[k] == ' ' || line.data[k] == '\t'))
                k++;
            if (k == line.len)
                continue;
            gal_error_clear();
            rc = run_one(&r, (const char *)line.data, line.len, 1);
            if (rc == GAL_EUSAGE) {
                fprintf(stderr, "galley: error: line %lu: %s\n", lineno, gal_error_detail(rc));
                r.any_error = 1;
                gal_buf_clear(&r.out);
                rc = 0;
                continue;
            }
            if (rc || (rc = flush_out(&r)))
                break;
        }
    }
    if (rc) {
        exit_code = (rc == GAL_ECORRUPT) ? index_exit(rc) : gal_report(rc);
        goto out;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "galley: error: cannot write to standard output: %s\n", strerror(errno));
        exit_code = GAL_EXIT_SYSTEM;
        goto out;
    }
    if (o.timing)
        print_timing(&r);
    exit_code = r.any_error ? GAL_EXIT_USAGE : r.any_hits ? GAL_EXIT_OK : GAL_EXIT_NOHITS;
out:
    if (qf && qf != stdin)
        fclose(qf);
    gal_buf_release(&line);
    gal_excerpt_release(&r.title);
    gal_excerpt_release(&r.snippet);
    gal_spans_release(&r.spans);
    gal_buf_release(&r.explain);
    gal_buf_release(&r.text);
    gal_buf_release(&r.out);
    gal_results_release(&r.res);
    gal_free(r.lat);
    gal_index_set_close(&set);
    gal_index_dirs_free(&dirs);
    gal_free(pos);
    return exit_code;
}
