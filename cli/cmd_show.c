/*
 * cmd_show.c — `galley show INDEX ID`: print one stored document, or
 * every one (`--all`, JSON lines: an export of the archive).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "id_lines.h"
#include "index.h"
#include "index_dirs.h"
#include "output.h"
#include "reader.h"
#include "status.h"

static const char show_help[] =
    "usage: galley show INDEX ID [--raw] [--json]\n"
    "       galley show INDEX #N | --doc N\n"
    "       galley show INDEX --all\n"
    "\n"
    "Print a stored document: by external id, or by document number (#N or --doc N).\n"
    "An ID that starts with '\"' is a JSON string, as 'query --ids' writes an id\n"
    "holding a control character or starting with '\"' or '#' (\"#12\" is an id).\n"
    "Deleted and replaced documents are not shown; an id names the one that\n"
    "replaced them.  INDEX may be a directory of shards (galley index --shards\n"
    "N or --mpi): an id is looked for in every shard, --all prints the shards'\n"
    "documents in input order (shard after shard once --append has added\n"
    "other inputs), and a document number needs the shard it numbers.\n"
    "\n"
    "options:\n"
    "  --doc N     the document numbered N (0-based, input order)\n"
    "  --all       every document in input order, one JSON object a line (as --json)\n"
    "  --raw       print the stored text exactly as indexed (title, newline, body);\n"
    "              the byte offsets in 'galley query --json' matches point into it\n"
    "  --json      one JSON object: id, doc, tokens, date, url, title, source, text\n"
    "  -h, --help  show this help\n"
    "\n"
    "exit status:\n"
    "  0  printed\n"
    "  1  no such document\n"
    "  2  usage error\n"
    "  3  index missing or corrupt\n"
    "  6  out of memory or another system error\n";

static int parse_doc(const char *s, uint32_t *doc)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v >= UINT32_MAX)
        return -1;
    *doc = (uint32_t)v;
    return 0;
}

/* Append document doc (info, its stored text) to out as --raw, --json or
 * the labelled form prints it. */
static int format_doc(const gal_doc_info *info, const gal_buf *text, int raw, int json,
                      gal_buf *out)
{
    size_t tl = info->title_len < text->len ? info->title_len : text->len;
    const char *body = (const char *)text->data + (tl < text->len ? tl + 1 : tl);
    size_t body_len = text->len - (size_t)(body - (const char *)text->data);
    char tmp[96];
    if (raw)
        return gal_buf_append(out, text->data, text->len);
    if (json) {
        snprintf(tmp, sizeof tmp, ",\"doc\":%" PRIu32 ",\"tokens\":%" PRIu32 ",\"date\":",
                 info->doc, info->tokens);
        return gal_buf_append(out, "{\"id\":", 6) || gal_json_string(out, info->id, info->id_len) ||
               gal_buf_append(out, tmp, strlen(tmp)) ||
               (info->date_len ? gal_json_string(out, info->date, info->date_len)
                               : gal_buf_append(out, "null", 4)) ||
               gal_buf_append(out, ",\"url\":", 7) ||
               (info->url_len ? gal_json_string(out, info->url, info->url_len)
                              : gal_buf_append(out, "null", 4)) ||
               gal_buf_append(out, ",\"title\":", 9) ||
               gal_json_string(out, (const char *)text->data, tl) ||
               gal_buf_append(out, ",\"source\":", 10) ||
               gal_json_string(out, info->source, info->source_len) ||
               gal_buf_append(out, ",\"text\":", 8) || gal_json_string(out, body, body_len) ||
               gal_buf_append(out, "}\n", 2);
    }
    /* for a terminal: a control byte of the text (ESC) is shown as '?', as
     * query shows it; --raw and --json give the bytes */
    snprintf(tmp, sizeof tmp, "\ndoc:    %" PRIu32 "\ndate:   ", info->doc);
    int rc = gal_buf_append(out, "id:     ", 8) || gal_out_safe(out, info->id, info->id_len, 0) ||
             gal_buf_append(out, tmp, strlen(tmp)) ||
             gal_out_safe(out, info->date, info->date_len, 0) || gal_buf_push(out, '\n');
    if (!rc && info->url_len)
        rc = gal_buf_append(out, "url:    ", 8) || gal_out_safe(out, info->url, info->url_len, 0) ||
             gal_buf_push(out, '\n');
    snprintf(tmp, sizeof tmp, "\ntokens: %" PRIu32 "\ntitle:  ", info->tokens);
    if (!rc)
        rc = gal_buf_append(out, "source: ", 8) ||
             gal_out_safe(out, info->source, info->source_len, 0) ||
             gal_buf_append(out, tmp, strlen(tmp)) ||
             gal_out_safe(out, (const char *)text->data, tl, 0) || gal_buf_append(out, "\n\n", 2) ||
             gal_out_safe(out, body, body_len, 1);
    return rc || ((!body_len || body[body_len - 1] != '\n') && gal_buf_push(out, '\n'));
}

static int write_out(gal_buf *out)
{
    /* out->data is NULL while nothing was written (an index of no document) */
    if ((out->len && fwrite(out->data, 1, out->len, stdout) != out->len) || fflush(stdout)) {
        fprintf(stderr, "galley: error: cannot write to standard output: %s\n", strerror(errno));
        return GAL_EXIT_SYSTEM;
    }
    gal_buf_clear(out);
    return GAL_EXIT_OK;
}

/* The message and exit status of a failure to read a document. */
static int read_failed(int rc)
{
    fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
    return rc == GAL_ECORRUPT ? GAL_EXIT_INDEX : gal_exit_for(rc);
}

/* Where --all prints: each document as a JSON line into out, out flushed
 * every megabyte; code, the exit status of a failed write. */
typedef struct all_out {
    gal_buf *text, *out;
    int code;
} all_out;

/* Print document doc of s (info its record): 0, a negative status (not
 * reported yet), or 1 when a write failed (reported, o->code set). */
static int print_doc(all_out *o, gal_snapshot *s, uint32_t doc, const gal_doc_info *info)
{
    int rc = gal_snapshot_text(s, doc, o->text);
    if (rc)
        return rc;
    if (format_doc(info, o->text, 0, 1, o->out))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    if (o->out->len >= (1u << 20) && (o->code = write_out(o->out)))
        return 1;
    return 0;
}

/* The exit status of an --all that ended with rc (print_doc's). */
static int all_done(all_out *o, int rc)
{
    if (rc == 1)
        return o->code;
    return rc ? read_failed(rc) : write_out(o->out);
}

/* Every document, as JSON lines. */
static int show_all(gal_snapshot *s, all_out *o)
{
    gal_doc_info info;
    const gal_deleted_set *del;
    int rc = gal_snapshot_deleted(s, &del);
    for (uint32_t doc = 0; !rc; doc++) {
        if (gal_deleted_has(del, doc))
            continue;
        rc = gal_snapshot_doc(s, doc, &info);
        if (rc == GAL_ENOTFOUND)
            return all_done(o, 0);
        if (!rc)
            rc = print_doc(o, s, doc, &info);
    }
    return all_done(o, rc);
}

/* show_all of the shards of one run, in the inputs' order (as one index of
 * those inputs prints them; each document's number is its shard's). */
typedef struct in_order {
    gal_index_set *set;
    all_out *o;
} in_order;

static int show_in_order(void *vctx, size_t k, uint32_t doc, const gal_doc_info *info)
{
    in_order *c = vctx;
    return print_doc(c->o, c->set->snaps[k], doc, info);
}

/* Every document of a directory of shards: in the inputs' order when they
 * are the shards of one run, else shard after shard.  *done is 0 when the
 * caller is to print shard after shard. */
static int show_all_shards(const gal_index_dirs *dirs, all_out *o, int *done)
{
    gal_index_set set;
    *done = 1;
    int rc = gal_index_set_open(&set, (const char *const *)dirs->dir, dirs->n);
    if (rc) {
        fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
        return rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_INDEX;
    }
    in_order c = {&set, o};
    int one_run = gal_shards_of_one_run(&set);
    if (one_run < 0)
        rc = one_run;
    else if (!one_run)
        *done = 0;
    else
        rc = gal_shards_in_input_order(&set, (const char *const *)dirs->dir, show_in_order, &c);
    gal_index_set_close(&set);
    return *done ? all_done(o, rc) : GAL_EXIT_OK;
}

int gal_cmd_show(int argc, char **argv)
{
    const char *index = NULL, *id = NULL;
    int raw = 0, json = 0, by_number = 0, all = 0;
    uint32_t doc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(show_help, stdout);
            return GAL_EXIT_OK;
        } else if (!strcmp(a, "--raw")) {
            raw = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--all")) {
            all = 1;
        } else if (!strcmp(a, "--doc") || !strncmp(a, "--doc=", 6)) {
            const char *v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || parse_doc(v, &doc))
                return gal_usage_error("show", "--doc needs a document number");
            by_number = 1;
        } else if (a[0] == '-' && a[1]) {
            return gal_usage_error("show", "unknown option '%s'", a);
        } else if (!index) {
            index = a;
        } else if (!id && !by_number && !all) {
            id = a;
        } else {
            return gal_usage_error("show", "too many arguments: '%s'", a);
        }
    }
    if (all && (id || by_number || raw))
        return gal_usage_error("show", "--all takes no ID, --doc or --raw");
    if (!index || (!id && !by_number && !all))
        return gal_usage_error("show", "missing %s", index ? "ID" : "INDEX and ID");
    /* an id as 'query --ids' writes it: quoted, a JSON string ("#12" is an
     * id, #12 a document number) */
    gal_buf quoted;
    gal_buf_init(&quoted);
    const char *id_bytes = id;
    size_t id_len = id ? strlen(id) : 0;
    const char *why = "";
    if (id && gal_id_line_get(id, id_len, &quoted, &id_bytes, &id_len, &why)) {
        gal_buf_release(&quoted);
        return gal_usage_error("show", "'%s' is a quoted id that is not one JSON string (%s)", id,
                               why);
    }
    if (id && id_bytes == id && id[0] == '#' && id[1]) {
        if (parse_doc(id + 1, &doc)) {
            gal_buf_release(&quoted);
            return gal_usage_error("show", "'%s' is not a document number", id);
        }
        by_number = 1;
    }

    /* a directory of shards: the shard that holds the id; --all, in the
     * inputs' order (shard after shard when they are not of one run) */
    gal_index_dirs dirs;
    int code = gal_index_dirs_expand("show", &index, 1, &dirs), rc = 0;
    if (code != GAL_EXIT_OK) {
        gal_buf_release(&quoted);
        return code;
    }
    if (dirs.n > 1 && by_number) {
        gal_buf_release(&quoted);
        gal_index_dirs_free(&dirs);
        return gal_usage_error("show", "a document number names a document of one shard: give "
                                       "'%s/shard-K'", index);
    }
    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    gal_buf text, out;
    gal_buf_init(&text);
    gal_buf_init(&out);
    gal_doc_info info;
    const char *where = index; /* the shard that holds the document */
    gal_error_clear();
    all_out everything = {&text, &out, GAL_EXIT_OK};
    if (all && dirs.n > 1) {
        int done;
        code = show_all_shards(&dirs, &everything, &done);
        if (done || code != GAL_EXIT_OK)
            goto out;
    }
    for (size_t k = 0; k < dirs.n; k++) {
        gal_snapshot_end(s);
        gal_index_close(ix);
        s = NULL;
        ix = NULL;
        if ((rc = gal_index_open(dirs.dir[k], &ix)) || (rc = gal_snapshot_begin(ix, &s))) {
            fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
            code = rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_INDEX;
            goto out;
        }
        if (all) {
            if ((code = show_all(s, &everything)) != GAL_EXIT_OK)
                goto out;
            continue;
        }
        rc = by_number ? 0 : gal_snapshot_find_id(s, id_bytes, id_len, &doc);
        where = dirs.dir[k];
        if (rc != GAL_ENOTFOUND)
            break; /* found, or an error */
    }
    if (all)
        goto out;
    if (rc == GAL_ENOTFOUND) {
        fprintf(stderr, "galley: error: no document with id '%.*s%s' in '%s'\n", GAL_ECHO(id),
                index);
        code = GAL_EXIT_NOHITS;
        goto out;
    }
    const gal_deleted_set *del = NULL;
    if (!rc && !(rc = gal_snapshot_deleted(s, &del)) && gal_deleted_has(del, doc)) {
        fprintf(stderr, "galley: error: document #%" PRIu32 " of '%s' was deleted or replaced\n",
                doc, where);
        code = GAL_EXIT_NOHITS;
        goto out;
    }
    if (!rc)
        rc = gal_snapshot_doc(s, doc, &info);
    if (rc == GAL_ENOTFOUND) {
        fprintf(stderr, "galley: error: no document #%" PRIu32 " in '%s'\n", doc, where);
        code = GAL_EXIT_NOHITS;
        goto out;
    }
    if (!rc)
        rc = gal_snapshot_text(s, doc, &text);
    if (rc) {
        code = read_failed(rc);
        goto out;
    }
    code = format_doc(&info, &text, raw, json, &out) ? gal_report(GAL_ENOMEM) : write_out(&out);
out:
    gal_buf_release(&text);
    gal_buf_release(&out);
    gal_buf_release(&quoted);
    gal_snapshot_end(s);
    gal_index_close(ix);
    gal_index_dirs_free(&dirs);
    return code;
}
