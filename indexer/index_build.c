#include "index_build.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "cl_runtime.h"
#include "cl_tokenize.h"
#include "index_writer.h"
#include "status.h"
#include "tokenize.h"

typedef struct build_state {
    const gal_build_opts *opts;
    gal_build_report *report;
    gal_writer *w;
    gal_cl *cl;
    gal_cl_tokenizer *clt;
    gal_batch batch;
    gal_tokens tokens;
    uint32_t file_no;
    double start, last_progress;
    int progress;
    uint64_t total_input, done_input; /* bytes on disk: all inputs, finished files */
} build_state;

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void show_progress(build_state *s, int final)
{
    double t = now_sec();
    if (!s->progress || (!final && t - s->last_progress < 0.25))
        return;
    s->last_progress = t;
    double el = t - s->start;
    const gal_writer_totals *tot = gal_writer_totals_get(s->w);
    double mb = (double)s->report->raw_bytes / 1e6;
    char eta[32] = "";
    if (s->total_input && s->done_input && s->done_input < s->total_input)
        snprintf(eta, sizeof eta, ", ETA %.0fs",
                 el * (double)(s->total_input - s->done_input) / (double)s->done_input);
    fprintf(stderr, "\r\033[Kgalley: %llu documents, %.1f MB, %.1f MB/s%s",
            (unsigned long long)(tot->docs + s->batch.ndocs), mb, el > 0 ? mb / el : 0.0, eta);
    if (final)
        fputc('\n', stderr);
}

static int flush_batch(build_state *s)
{
    gal_batch *b = &s->batch;
    if (b->ndocs == 0)
        return 0;
    double t0 = now_sec();
    int rc = s->clt ? gal_cl_tokenize(s->clt, b->text.data, (uint32_t)b->text.len, b->doc_start,
                                      b->body_start, b->ndocs, &s->tokens)
                    : gal_tokenize_ref(b->text.data, (uint32_t)b->text.len, b->doc_start,
                                       b->body_start, b->ndocs, &s->tokens);
    s->report->tokenize_sec += now_sec() - t0;
    if (rc)
        return rc;
    uint64_t ntokens = s->tokens.n;
    if ((rc = gal_writer_commit(s->w, b, &s->tokens)))
        return rc;
    s->report->docs += b->ndocs;
    s->report->raw_bytes += b->raw_bytes;
    s->report->tokens += ntokens;
    s->report->batches++;
    gal_batch_reset(b, gal_writer_next_doc(s->w));
    show_progress(s, 0);
    return 0;
}

static int on_doc(void *ctx, const gal_doc *doc)
{
    build_state *s = ctx;
    int rc = gal_batch_add(&s->batch, doc, s->file_no);
    if (rc)
        return rc;
    if (s->batch.text.len >= s->opts->batch_bytes)
        return flush_batch(s);
    return 0;
}

static void open_device(build_state *s)
{
    gal_build_report *r = s->report;
    snprintf(r->device, sizeof r->device, "reference (host C)");
    const char *spec = s->opts->device ? s->opts->device : "auto";
    if (!strcmp(spec, "ref"))
        return;
    int rc = gal_cl_open(spec, &s->cl);
    if (!rc)
        rc = gal_cl_tokenizer_new(s->cl, &s->clt);
    if (rc) {
        if (!s->opts->quiet)
            fprintf(stderr, "galley: warning: %s; using the reference path\n", gal_error_detail(rc));
        gal_cl_tokenizer_free(s->clt);
        s->clt = NULL;
        gal_cl_close(s->cl);
        s->cl = NULL;
        return;
    }
    snprintf(r->device, sizeof r->device, "%s", s->cl->info.name);
}

int gal_index_build(const gal_build_opts *opts, gal_build_report *report)
{
    build_state s;
    memset(&s, 0, sizeof s);
    memset(report, 0, sizeof *report);
    s.opts = opts;
    s.report = report;
    s.start = now_sec();
    s.progress = opts->quiet ? 0 : opts->progress >= 0 ? opts->progress : isatty(2);
    gal_batch_init(&s.batch);
    gal_tokens_init(&s.tokens);

    char **files = NULL;
    size_t nfiles = 0;
    int rc = gal_input_list(opts->inputs, opts->ninputs, &files, &nfiles);
    if (rc)
        return rc;
    /* With a strict device request ("0", "1"...) a missing device is an
     * error, not a fallback: check it before the index is touched. */
    if (opts->device && strcmp(opts->device, "auto") && strcmp(opts->device, "ref")) {
        if ((rc = gal_cl_open(opts->device, &s.cl)) ||
            (rc = gal_cl_tokenizer_new(s.cl, &s.clt)))
            goto done;
        snprintf(report->device, sizeof report->device, "%s", s.cl->info.name);
    } else {
        open_device(&s);
    }
    for (size_t i = 0; i < nfiles; i++) {
        struct stat sb;
        if (strcmp(files[i], "-") && stat(files[i], &sb) == 0)
            s.total_input += (uint64_t)sb.st_size;
    }
    if ((rc = gal_writer_open(opts->out_dir, opts->append, &s.w)))
        goto done;
    char note[512];
    snprintf(note, sizeof note, "device=%s batch_mb=%zu", report->device, opts->batch_bytes >> 20);
    if ((rc = gal_writer_set_build_note(s.w, note)))
        goto done;
    gal_batch_reset(&s.batch, gal_writer_next_doc(s.w));

    gal_read_opts ropts = {opts->format, opts->strict, opts->quiet};
    gal_read_stats rstats;
    memset(&rstats, 0, sizeof rstats);
    for (size_t i = 0; i < nfiles && !rc; i++) {
        if ((rc = gal_writer_add_file(s.w, files[i], &s.file_no)))
            break;
        uint64_t before = rstats.input_bytes;
        rc = gal_read_file(files[i], &ropts, on_doc, &s, &rstats);
        s.done_input += rstats.input_bytes - before;
        report->files++;
    }
    if (!rc)
        rc = flush_batch(&s);
    report->skipped = rstats.skipped;
done:
    if (s.w) {
        const gal_writer_totals *tot = gal_writer_totals_get(s.w);
        report->new_terms = tot->new_terms;
        report->encode_sec = tot->encode_sec;
        report->compress_sec = tot->compress_sec;
        report->write_sec = tot->write_sec;
    }
    report->seconds = now_sec() - s.start;
    report->read_sec = report->seconds - report->tokenize_sec - report->encode_sec -
                       report->compress_sec - report->write_sec;
    if (s.w)
        show_progress(&s, 1);
    gal_writer_close(s.w);
    gal_cl_tokenizer_free(s.clt);
    gal_cl_close(s.cl);
    gal_batch_release(&s.batch);
    gal_tokens_release(&s.tokens);
    gal_input_list_free(files, nfiles);
    char data[4096];
    struct stat sb;
    snprintf(data, sizeof data, "%s/data.mdb", opts->out_dir);
    if (stat(data, &sb) == 0)
        report->index_bytes = (uint64_t)sb.st_size;
    return rc;
}
