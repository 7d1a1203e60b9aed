#include "index_build.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "cl_runtime.h"
#include "cl_entities.h"
#include "cl_tokenize.h"
#include "entities.h"
#include "index_writer.h"
#include "text_pack.h"
#include "status.h"
#include "tokenize.h"

/*
 * Two threads share the work.  The reader thread (decompress, parse, lay
 * out documents) fills one batch while the main thread tokenizes, encodes
 * and commits the other; they swap through a one-slot hand-off, so the
 * slower of the two sets the pace and memory holds two batches.
 */
typedef struct handoff {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gal_batch *full;  /* filled, waiting for the main thread */
    gal_batch *empty; /* processed, waiting for the reader */
    int reader_done;  /* no more batches will come */
    int reader_rc;
    int stop;         /* the main thread failed: the reader gives up */
} handoff;

typedef struct build_state {
    const gal_build_opts *opts;
    gal_build_report *report;
    gal_writer *w;
    gal_cl *cl;
    gal_cl_tokenizer *clt;
    gal_cl_entity_finder *cle;
    gal_mentions mentions;
    gal_batch batches[2];
    gal_tokens tokens;
    handoff h;
    /* reader thread only */
    gal_text_packer *packer;
    double reader_busy, compress_sec; /* seconds working, not waiting */
    gal_batch *fill;
    uint32_t next_doc;
    char **files;
    size_t nfiles, first_input;
    uint32_t first_file_no;
    uint32_t file_no;
    uint64_t file_input;  /* input bytes of the current file read so far */
    int skipping;         /* resume: drop documents up to skip_offset */
    uint64_t skip_offset;
    gal_read_stats rstats;
    uint64_t read_files;
    char reader_error[1024]; /* the reader's error detail: it is per thread */
    /* main thread only */
    double start, last_progress;
    int progress;
    uint64_t total_input;
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
    double mb = (double)s->report->raw_bytes / 1e6;
    char eta[32] = "";
    /* compressed input is read at about the pace raw text is committed */
    pthread_mutex_lock(&s->h.mu);
    uint64_t done_input = s->rstats.input_bytes + __atomic_load_n(&s->file_input, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->h.mu);
    if (!final && s->total_input && done_input && done_input < s->total_input)
        snprintf(eta, sizeof eta, ", ETA %.0f s",
                 el * (double)(s->total_input - done_input) / (double)done_input);
    fprintf(stderr, "\r\033[Kgalley: %llu documents, %.1f MB, %.1f MB/s%s",
            (unsigned long long)s->report->docs, mb, el > 0 ? mb / el : 0.0, eta);
    if (final)
        fputc('\n', stderr);
}

/* Main thread: tokenize and commit one batch. */
static int process_batch(build_state *s, gal_batch *b)
{
    double t0 = now_sec();
    int rc = s->clt ? gal_cl_tokenize(s->clt, b->text.data, (uint32_t)b->text.len, b->doc_start,
                                      b->body_start, b->ndocs, &s->tokens)
                    : gal_tokenize_ref(b->text.data, (uint32_t)b->text.len, b->doc_start,
                                       b->body_start, b->ndocs, &s->tokens);
    s->report->tokenize_sec += now_sec() - t0;
    if (rc)
        return rc;
    t0 = now_sec();
    rc = s->cle ? gal_cl_entities(s->cle, b->text.data, (uint32_t)b->text.len, b->doc_start,
                                  b->body_start, b->ndocs, &s->tokens, &s->mentions)
                : gal_entities_ref(b->text.data, (uint32_t)b->text.len, b->doc_start,
                                   b->body_start, b->ndocs, &s->tokens, &s->mentions);
    s->report->entities_sec += now_sec() - t0;
    if (rc)
        return rc;
    uint64_t ntokens = s->tokens.n;
    s->report->mentions += s->mentions.n;
    if ((rc = gal_writer_commit(s->w, b, &s->tokens, &s->mentions)))
        return rc;
    s->report->docs += b->ndocs;
    s->report->raw_bytes += b->raw_bytes;
    s->report->tokens += ntokens;
    s->report->batches++;
    show_progress(s, 0);
    return 0;
}

/* Reader thread: pass the filled batch on and take an empty one.  Fails
 * only when the main thread has stopped. */
static int hand_off(build_state *s)
{
    handoff *h = &s->h;
    double t0 = now_sec();
    int rc = gal_text_packer_run(s->packer, s->fill);
    s->compress_sec += now_sec() - t0;
    if (rc)
        return rc;
    s->reader_busy += now_sec() - t0;
    pthread_mutex_lock(&h->mu);
    while (h->full && !h->stop)
        pthread_cond_wait(&h->cv, &h->mu);
    if (!h->stop) {
        h->full = s->fill;
        pthread_cond_broadcast(&h->cv);
        while (!h->empty && !h->stop)
            pthread_cond_wait(&h->cv, &h->mu);
        s->fill = h->empty;
        h->empty = NULL;
    }
    int stop = h->stop;
    pthread_mutex_unlock(&h->mu);
    s->reader_busy -= now_sec() - t0; /* waiting for the main thread is not work */
    if (stop)
        return GAL_EUSAGE; /* the main thread's own error is what gets reported */
    gal_batch_reset(s->fill, s->next_doc);
    return 0;
}

static int on_doc(void *ctx, const gal_doc *doc)
{
    build_state *s = ctx;
    __atomic_store_n(&s->file_input, doc->input_bytes, __ATOMIC_RELAXED); /* progress only */
    if (s->skipping && doc->end_offset <= s->skip_offset)
        return 0; /* committed by the interrupted run */
    int rc = gal_batch_add(s->fill, doc, s->file_no);
    if (rc)
        return rc;
    s->next_doc++;
    if (s->fill->text.len >= s->opts->batch_bytes)
        return hand_off(s);
    return 0;
}

static void *reader_main(void *arg)
{
    build_state *s = arg;
    const gal_build_opts *o = s->opts;
    gal_read_opts ropts = {o->format, o->strict, o->quiet};
    int rc = 0;
    double t0 = now_sec();
    for (size_t i = s->first_input; i < s->nfiles && !rc; i++) {
        s->file_no = s->first_file_no + (uint32_t)(i - s->first_input);
        gal_read_stats one;
        memset(&one, 0, sizeof one);
        rc = gal_read_file(s->files[i], &ropts, on_doc, s, &one);
        s->skipping = 0;
        pthread_mutex_lock(&s->h.mu);
        s->rstats.input_bytes += one.input_bytes;
        s->rstats.raw_bytes += one.raw_bytes;
        s->rstats.skipped += one.skipped;
        s->rstats.docs += one.docs;
        s->read_files++;
        __atomic_store_n(&s->file_input, 0, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&s->h.mu);
    }
    if (!rc && s->fill->ndocs)
        rc = hand_off(s);
    s->reader_busy += now_sec() - t0;
    if (rc)
        snprintf(s->reader_error, sizeof s->reader_error, "%s", gal_error_detail(rc));
    pthread_mutex_lock(&s->h.mu);
    s->h.reader_done = 1;
    s->h.reader_rc = rc;
    pthread_cond_broadcast(&s->h.cv);
    pthread_mutex_unlock(&s->h.mu);
    return NULL;
}

/* Main thread: commit batches as the reader fills them. */
static int consume(build_state *s)
{
    handoff *h = &s->h;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (!h->full && !h->reader_done)
            pthread_cond_wait(&h->cv, &h->mu);
        gal_batch *b = h->full;
        h->full = NULL;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        if (!b)
            break; /* reader done, nothing left */
        rc = process_batch(s, b);
        pthread_mutex_lock(&h->mu);
        h->empty = b;
        if (rc)
            h->stop = 1;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        if (rc)
            break;
    }
    return rc;
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
    if (!rc)
        rc = gal_cl_entities_new(s->cl, &s->cle);
    if (rc) {
        if (!s->opts->quiet)
            fprintf(stderr, "galley: warning: %s; using the reference path\n", gal_error_detail(rc));
        gal_cl_tokenizer_free(s->clt);
        s->clt = NULL;
        gal_cl_entities_free(s->cle);
        s->cle = NULL;
        gal_cl_close(s->cl);
        s->cl = NULL;
        return;
    }
    snprintf(r->device, sizeof r->device, "%s", s->cl->info.name);
}

/* Check that the inputs are those of the interrupted run and find where to
 * start reading: the file of the last committed document, after it. */
static int plan_resume(build_state *s, char **files, size_t nfiles, size_t *first_input,
                       int *complete)
{
    gal_resume_point rp;
    gal_writer_resume_point(s->w, &rp);
    if (!rp.has_batches) { /* killed before its first commit: start over */
        gal_writer_begin_run(s->w);
        return 0;
    }
    if (rp.complete) {
        *complete = 1;
        return 0;
    }
    size_t k = rp.file_no - rp.run_first_file;
    if (rp.file_no < rp.run_first_file || k >= nfiles)
        return gal_error_set(GAL_EUSAGE,
                             "--resume needs the inputs of the interrupted run: it read %zu files, "
                             "%zu are given", k + 1, nfiles);
    for (size_t i = 0; i <= k; i++) {
        char *path = NULL;
        int rc = gal_writer_file_path(s->w, rp.run_first_file + (uint32_t)i, &path);
        if (rc)
            return rc;
        int same = !strcmp(path, files[i]);
        if (!same)
            rc = gal_error_set(GAL_EUSAGE,
                               "--resume needs the inputs of the interrupted run: input %zu is "
                               "'%s', the index recorded '%s'", i + 1, files[i], path);
        gal_free(path);
        if (rc)
            return rc;
    }
    gal_writer_continue_run(s->w, rp.file_no);
    *first_input = k;
    s->skipping = 1;
    s->skip_offset = rp.offset;
    return 0;
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
    gal_batch_init(&s.batches[0]);
    gal_batch_init(&s.batches[1]);
    gal_tokens_init(&s.tokens);
    gal_mentions_init(&s.mentions);
    pthread_mutex_init(&s.h.mu, NULL);
    pthread_cond_init(&s.h.cv, NULL);
    int reader_started = 0;
    pthread_t reader;

    int rc = gal_input_list(opts->inputs, opts->ninputs, &s.files, &s.nfiles);
    if (rc)
        goto done;
    /* With a strict device request ("0", "1"...) a missing device is an
     * error, not a fallback: check it before the index is touched. */
    if (opts->device && strcmp(opts->device, "auto") && strcmp(opts->device, "ref")) {
        if ((rc = gal_cl_open(opts->device, &s.cl)) ||
            (rc = gal_cl_tokenizer_new(s.cl, &s.clt)) ||
            (rc = gal_cl_entities_new(s.cl, &s.cle)))
            goto done;
        snprintf(report->device, sizeof report->device, "%s", s.cl->info.name);
    } else {
        open_device(&s);
    }
    for (size_t i = 0; i < s.nfiles; i++) {
        struct stat sb;
        if (strcmp(s.files[i], "-") && stat(s.files[i], &sb) == 0)
            s.total_input += (uint64_t)sb.st_size;
    }
    if ((rc = gal_writer_open(opts->out_dir, opts->append || opts->resume, &s.w)))
        goto done;
    if (opts->resume) {
        int complete = 0;
        if ((rc = plan_resume(&s, s.files, s.nfiles, &s.first_input, &complete)))
            goto done;
        if (complete) {
            if (!opts->quiet)
                fprintf(stderr, "galley: '%s' is complete: nothing to resume\n", opts->out_dir);
            goto done;
        }
    } else {
        gal_writer_begin_run(s.w);
    }
    const void *dict;
    size_t dict_len;
    gal_writer_dict(s.w, &dict, &dict_len);
    if ((rc = gal_text_packer_new(dict, dict_len, &s.packer)))
        goto done;
    char note[512];
    snprintf(note, sizeof note, "device=%s batch_mb=%zu", report->device, opts->batch_bytes >> 20);
    if ((rc = gal_writer_set_build_note(s.w, note)))
        goto done;
    /* every input of the run gets its number now; the reader thread never
     * touches the writer */
    for (size_t i = s.first_input; i < s.nfiles && !rc; i++) {
        uint32_t no;
        rc = gal_writer_add_file(s.w, s.files[i], &no);
        if (i == s.first_input)
            s.first_file_no = no;
    }
    if (rc)
        goto done;

    s.next_doc = gal_writer_next_doc(s.w);
    s.fill = &s.batches[0];
    s.h.empty = &s.batches[1];
    gal_batch_reset(s.fill, s.next_doc);
    if (pthread_create(&reader, NULL, reader_main, &s) != 0) {
        rc = gal_error_set(GAL_ENOMEM, "cannot start the reader thread");
        goto done;
    }
    reader_started = 1;
    rc = consume(&s);
    pthread_join(reader, NULL);
    if (!rc && s.h.reader_rc)
        rc = gal_error_set(s.h.reader_rc, "%s", s.reader_error);
    if (!rc)
        rc = gal_writer_finish(s.w);
done:
    if (reader_started)
        report->files = s.read_files;
    report->skipped = s.rstats.skipped;
    if (s.w) {
        const gal_writer_totals *tot = gal_writer_totals_get(s.w);
        report->new_terms = tot->new_terms;
        report->encode_sec = tot->encode_sec;
        report->write_sec = tot->write_sec;
    }
    report->seconds = now_sec() - s.start;
    /* the reader thread's work, which overlaps the main thread's stages */
    report->compress_sec = s.compress_sec;
    report->read_sec = s.reader_busy - s.compress_sec;
    if (s.w)
        show_progress(&s, 1);
    gal_writer_close(s.w);
    gal_text_packer_free(s.packer);
    gal_cl_tokenizer_free(s.clt);
    gal_cl_entities_free(s.cle);
    gal_cl_close(s.cl);
    gal_mentions_release(&s.mentions);
    gal_batch_release(&s.batches[0]);
    gal_batch_release(&s.batches[1]);
    gal_tokens_release(&s.tokens);
    gal_input_list_free(s.files, s.nfiles);
    pthread_mutex_destroy(&s.h.mu);
    pthread_cond_destroy(&s.h.cv);
    char data[4096];
    struct stat sb;
    snprintf(data, sizeof data, "%s/data.mdb", opts->out_dir);
    if (stat(data, &sb) == 0)
        report->index_bytes = (uint64_t)sb.st_size;
    return rc;
}
