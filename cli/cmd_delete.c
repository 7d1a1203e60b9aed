/*
 * cmd_delete.c — `galley delete INDEX ID...`: take documents out of an
 * index by their external ids (indexer/index_delete.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "commands.h"
#include "id_lines.h"
#include "index.h"
#include "index_delete.h"
#include "index_dirs.h"
#include "query.h"
#include "search.h"
#include "status.h"

static const char delete_help[] =
    "usage: galley delete INDEX ID|#N... | --ids FILE | --query QUERY\n"
    "\n"
    "Delete the documents with these external ids: every document that has\n"
    "one of them; #N is the document numbered N (0-based, as 'galley show #N'\n"
    "and 'query --json' name it), for documents without an id; --query: every\n"
    "document QUERY matches (galley's query language, as 'galley query'\n"
    "takes it).  Queries, counts, 'galley show', 'galley entities' and\n"
    "'galley merge' leave them out at once; their postings and stored text\n"
    "stay in the file (and in the document counts BM25 weighs terms by) until\n"
    "'galley optimize' purges them (or 'galley merge' writes an index without\n"
    "them).  'galley index --replace' deletes the earlier documents of an id\n"
    "it indexes again.\n"
    "\n"
    "options:\n"
    "  --ids FILE  read the ids (or #N) from FILE ('-': standard input), one a\n"
    "              line: 'galley query INDEX QUERY --ids --limit 0' prints them;\n"
    "              an id (here or as an argument) that starts with '\"' is a\n"
    "              JSON string, as --ids writes an id holding a control\n"
    "              character or starting with '\"' or '#' (\"#12\" is an id,\n"
    "              #12 a number)\n"
    "  --query Q   delete every live document query Q matches (with ids and\n"
    "              --ids too: all of them, in the one transaction)\n"
    "  -q, --quiet no summary line\n"
    "  -h, --help  show this help\n"
    "\n"
    "All the deletions are one transaction: all of them, or none.  INDEX may\n"
    "be a directory of shards (galley index --shards N or --mpi): then each\n"
    "shard deletes its documents with those ids, or those of QUERY's matches\n"
    "that it holds (the matches 'galley query INDEX QUERY' finds, all found\n"
    "before any shard deletes), in a transaction of its own, and #N, which\n"
    "numbers one shard's document, is refused.\n"
    "\n"
    "exit status:\n"
    "  0  every id named a document, and they are deleted\n"
    "  1  some ids named no document (they are listed; the others are deleted),\n"
    "     or the query matched none\n"
    "  2  usage error, or a query that does not parse\n"
    "  3  index missing, locked by a writer, or corrupt\n"
    "  4  FILE cannot be read, or holds a quoted id that is not a JSON string\n"
    "  6  out of memory, disk full or another system error\n";

typedef struct id_list {
    char **v;
    size_t *len;
    size_t n, cap, len_cap;
    uint32_t *nums; /* the #N given, and the argument each came from */
    char **num_text;
    size_t nnums, nums_cap, text_cap;
} id_list;

/* "#N": a document number. */
static int push_number(id_list *l, const char *s, size_t n, int *was)
{
    *was = 0;
    if (n < 2 || s[0] != '#')
        return 0;
    uint64_t v = 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || (v = v * 10 + (uint64_t)(s[i] - '0')) >= UINT32_MAX)
            return 0; /* not a number: an id that starts with '#' */
    }
    *was = 1;
    if (gal_grow((void **)&l->nums, &l->nums_cap, l->nnums + 1, sizeof *l->nums, 64) ||
        gal_grow((void **)&l->num_text, &l->text_cap, l->nnums + 1, sizeof *l->num_text, 64) ||
        !(l->num_text[l->nnums] = gal_strndup(s, n)))
        return gal_error_set(GAL_ENOMEM, "out of memory reading ids");
    l->nums[l->nnums++] = (uint32_t)v;
    return 0;
}

static int push_id(id_list *l, const char *s, size_t n)
{
    if (gal_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 64) ||
        gal_grow((void **)&l->len, &l->len_cap, l->n + 1, sizeof *l->len, 64))
        return gal_error_set(GAL_ENOMEM, "out of memory reading ids");
    if (!(l->v[l->n] = gal_strndup(s, n)))
        return gal_error_set(GAL_ENOMEM, "out of memory reading ids");
    l->len[l->n++] = n;
    return 0;
}

/* An id as given: a JSON string when quoted (id_lines.h), else as it is;
 * where names the argument or line for an error. */
static int push_given(id_list *l, const char *s, size_t n, gal_buf *scratch, const char *where)
{
    const char *id, *why = "";
    size_t id_n;
    if (gal_id_line_get(s, n, scratch, &id, &id_n, &why))
        return gal_error_set(GAL_EINPUT, "%s: a quoted id that is not one JSON string (%s)", where,
                             why);
    if (id != s) { /* quoted: an id, even "#12" */
        if (memchr(id, '\0', id_n))
            return gal_error_set(GAL_EINPUT, "%s: a NUL byte in an id", where);
        return push_id(l, id, id_n);
    }
    int was, rc = push_number(l, s, n, &was);
    return rc || was ? rc : push_id(l, s, n);
}

/* One id a line; a trailing '\r' and empty lines are dropped. */
static int read_ids(const char *path, id_list *l)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return gal_error_set(GAL_EINPUT, "cannot open '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    unsigned long lineno = 0;
    gal_buf scratch;
    gal_buf_init(&scratch);
    while (!rc && (got = getline(&line, &cap, f)) >= 0) {
        size_t n = (size_t)got;
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (memchr(line, '\0', n))
            rc = gal_error_set(GAL_EINPUT, "'%s', line %lu: a NUL byte in an id", path, lineno);
        else if (n) {
            char where[64 + 32];
            snprintf(where, sizeof where, "'%.64s', line %lu", path, lineno);
            rc = push_given(l, line, n, &scratch, where);
        }
    }
    gal_buf_release(&scratch);
    if (!rc && ferror(f))
        rc = gal_error_set(GAL_EINPUT, "cannot read '%s': %s", path, strerror(errno));
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static int push_match(void *arg, uint32_t doc)
{
    char text[16];
    int was;
    snprintf(text, sizeof text, "#%u", doc);
    return push_number(arg, text, strlen(text), &was);
}

/* The live documents query matches in each index (one, or a directory's
 * shards), numbers to delete, all found before any index is opened to
 * write: the indexes searched as one, as 'galley query' finds them.  A
 * prefix grows into the first terms of all the shards; searched shard by
 * shard, each would grow into its own first ones, and a capped prefix
 * would take out documents the query over the directory does not show.
 * The numbers stay theirs: a writer that appends meanwhile adds others. */
typedef struct doc_numbers {
    uint32_t *v;
    size_t n, cap;
} doc_numbers;

static int push_doc(void *arg, uint32_t doc)
{
    doc_numbers *d = arg;
    if (gal_grow((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v, 256))
        return gal_error_set(GAL_ENOMEM, "out of memory collecting matches");
    d->v[d->n++] = doc;
    return 0;
}

static int find_matches(const gal_index_dirs *dirs, const char *query, doc_numbers *per)
{
    gal_query *q = NULL;
    gal_index_set set = {0};
    gal_search_stats *st = NULL;
    int rc = gal_query_parse(query, strlen(query), &q);
    if (!rc)
        rc = gal_index_set_open(&set, (const char *const *)dirs->dir, dirs->n);
    /* the prefixes' terms of all the shards; no ranking counts */
    gal_search_opts o = {.limit = 10, .note = gal_print_note, .count_only = 1};
    if (!rc)
        rc = gal_search_stats_of(set.snaps, set.n, q, &o, &st);
    o.stats = st;
    o.note = NULL; /* told once, above */
    for (size_t k = 0; k < set.n && !rc; k++) {
        uint64_t n = 0;
        rc = gal_search_each(set.snaps[k], q, &o, push_doc, &per[k], &n);
    }
    gal_search_stats_free(st);
    gal_index_set_close(&set); /* before any shard is opened to write */
    gal_query_free(q);
    return rc;
}

int gal_cmd_delete(int argc, char **argv)
{
    const char *index = NULL, *from = NULL, *query = NULL;
    int quiet = 0, status = GAL_EXIT_OK;
    id_list l = {0};
    gal_index_dirs dirs = {0};
    uint8_t *found = NULL;
    doc_numbers *per = NULL; /* a directory of shards' query matches, each shard's */
    gal_delete_target **targets = NULL; /* each shard open to write */
    for (int i = 1; i < argc && status == GAL_EXIT_OK; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(delete_help, stdout);
            goto out;
        } else if (!strcmp(a, "--ids")) {
            if (i + 1 >= argc)
                status = gal_usage_error("delete", "--ids needs a FILE");
            else
                from = argv[++i];
        } else if (!strcmp(a, "--query")) {
            if (i + 1 >= argc)
                status = gal_usage_error("delete", "--query needs a QUERY");
            else
                query = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0' && !(index && !strcmp(a, "--"))) {
            status = gal_usage_error("delete", "unknown option '%s'", a);
        } else if (!index) {
            index = a;
        } else {
            gal_buf scratch;
            gal_buf_init(&scratch);
            char where[96];
            snprintf(where, sizeof where, "argument %d", i);
            int rc = push_given(&l, a, strlen(a), &scratch, where);
            gal_buf_release(&scratch);
            if (rc == GAL_EINPUT)
                status = gal_usage_error("delete", "%s", gal_error_detail(rc));
            else if (rc)
                status = gal_report(rc);
        }
    }
    if (status != GAL_EXIT_OK)
        goto out;
    if (!index) {
        status = gal_usage_error("delete", "missing INDEX");
        goto out;
    }
    int rc = from ? read_ids(from, &l) : 0;
    if (rc) {
        status = gal_report(rc);
        goto out;
    }
    /* a directory of shards: each shard deletes what it holds */
    if ((status = gal_index_dirs_expand("delete", &index, 1, &dirs)) != GAL_EXIT_OK)
        goto out;
    if (dirs.n > 1 && l.nnums) {
        status = gal_usage_error("delete", "%s numbers a document of one shard: give '%s/shard-K'",
                                 l.num_text[0], index);
        goto out;
    }
    if (l.n + l.nnums == 0 && !query) {
        status = from ? GAL_EXIT_OK : gal_usage_error("delete", "no ids given");
        goto out;
    }
    size_t given = l.n + l.nnums; /* the ids and #N given, found in any shard */
    if (!(found = gal_calloc(given ? given : 1, 1))) {
        status = gal_report(GAL_ENOMEM);
        goto out;
    }
    uint64_t matched = 0, deleted = 0, total = 0;
    size_t missing = 0;
    int any = 0; /* a shard had something to delete */
    if (query) {
        if (!(per = gal_calloc(dirs.n, sizeof *per))) {
            status = gal_report(GAL_ENOMEM);
            goto out;
        }
        if ((rc = find_matches(&dirs, query, per))) {
            status = gal_report(rc);
            if (rc == GAL_ENOTFOUND)
                status = GAL_EXIT_INDEX;
            goto out;
        }
    }
    /* every shard's writer lock first: one another writer holds stops
     * the command before any shard has changed */
    if (!(targets = gal_calloc(dirs.n, sizeof *targets))) {
        status = gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
        goto out;
    }
    for (size_t k = 0; k < dirs.n; k++)
        if ((rc = gal_delete_open(dirs.dir[k], &targets[k]))) {
            status = gal_report(rc);
            if (rc == GAL_ENOTFOUND) /* no index there, as for every command that reads one */
                status = GAL_EXIT_INDEX;
            if (dirs.n > 1)
                fprintf(stderr, "galley: nothing deleted in '%s'\n", index);
            goto out;
        }
    for (size_t k = 0; k < dirs.n; k++) {
        const char *dir = dirs.dir[k];
        for (size_t i = 0; per && i < per[k].n && !rc; i++)
            rc = push_match(&l, per[k].v[i]);
        if (rc) {
            status = gal_report(rc);
            goto out;
        }
        matched += per ? per[k].n : 0;
        if (l.n + l.nnums == 0)
            continue;
        gal_delete_report r = {0};
        any = 1;
        if ((rc = gal_delete_in(targets[k], (const char *const *)l.v, l.len, l.n, l.nums, l.nnums,
                                &r))) {
            status = gal_report(rc);
            if (k) /* each shard's deletions are a transaction of their own */
                fprintf(stderr, "galley: the shards before '%s' have deleted theirs\n", dir);
            goto out;
        }
        for (size_t i = 0; i < given; i++)
            found[i] |= r.found[i];
        for (size_t i = given; i < l.n + l.nnums; i++) /* the query's, deleted meanwhile */
            if (!r.found[i] && missing++ < 20)
                fprintf(stderr, "galley: no document %s in '%s' (or deleted already)\n",
                        l.num_text[i - l.n], dir);
        deleted += r.deleted;
        total += r.total;
        gal_free(r.found);
        while (l.nnums > given - l.n) /* the next shard's matches are its own */
            gal_free(l.num_text[--l.nnums]);
    }
    if (query && !quiet)
        fprintf(stderr, "galley: the query matched %llu documents\n", (unsigned long long)matched);
    for (size_t i = 0; i < given; i++)
        if (!found[i] && missing++ < 20) {
            if (i < l.n)
                fprintf(stderr, "galley: no document with id '%.*s%s' in '%s'\n",
                        GAL_ECHO(l.v[i]), index);
            else
                fprintf(stderr, "galley: no document %s in '%s' (or deleted already)\n",
                        l.num_text[i - l.n], index);
        }
    if (missing > 20)
        fprintf(stderr, "galley: ... and %zu more ids not found\n", missing - 20);
    if (!quiet && any)
        fprintf(stderr, "galley: deleted %llu documents; '%s' has %llu deleted in all\n",
                (unsigned long long)deleted, index, (unsigned long long)total);
    status = missing || (query && !matched) ? GAL_EXIT_NOHITS : GAL_EXIT_OK;
out:
    for (size_t k = 0; targets && k < dirs.n; k++)
        gal_delete_close(targets[k]);
    gal_free(targets);
    for (size_t i = 0; i < l.n; i++)
        gal_free(l.v[i]);
    gal_free(l.v);
    gal_free(l.len);
    for (size_t i = 0; i < l.nnums; i++)
        gal_free(l.num_text[i]);
    gal_free(l.num_text);
    gal_free(l.nums);
    gal_free(found);
    for (size_t k = 0; per && k < dirs.n; k++)
        gal_free(per[k].v);
    gal_free(per);
    gal_index_dirs_free(&dirs);
    return status;
}
