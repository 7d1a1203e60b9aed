#include "index_build.h"

#include <pthread.h>
#include <sys/prctl.h>
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
#include "format.h"
#include "index_writer.h"
#include "merge_inputs.h"
#include "text_pack.h"
#include "status.h"
#include "tokenize.h"
#include "work_queue.h"

/*
 * Five stages, with batches moving between them through queues
 * (work_queue.h):
 *   reader      decompress, parse, lay out documents (one thread)
 *   compressor  compress stored text (ncomp threads)
 *   tokenizer   tokenize and find entities, on the OpenCL device (one
 *               thread) or the host reference (ntok threads)
 *   encoder     group and encode postings and document records (nenc)
 *   writer      commit, in input order (the calling thread)
 * The reader hands each batch to the compressors and the tokenizers at
 * once: they read its text and write apart (stored text; tokens), so a
 * batch's way to the writer is the longer of the two branches, not their
 * sum, and the first commit comes sooner.  The writer takes a batch from
 * both branches.  A stage of several threads hands batches on in input
 * order (seq_gate), so every queue stays in order and the writer commits
 * batch after batch.
 * A pool of batches (one filling, one per worker thread, one writing),
 * one of token sets and one of encoded batches circulate, so memory is
 * bounded by the batch size however large the input is, and the slowest
 * stage sets the pace.  Five threads on two cores still pay: whichever two
 * have work run.  With more cores, more threads in the middle three.
 */

typedef struct tokset {
    gal_tokens tokens;
    gal_mentions mentions;
} tokset;

typedef struct work {
    gal_batch batch;
    uint64_t seq;     /* place in this run's input order */
    tokset *ts;       /* from the tokenizer until the encoder is done with it */
    uint64_t ntokens, nmentions; /* what ts held, for the writer */
    gal_entity_batch *entities;  /* its mentions grouped by entity, for the writer */
    gal_encoded *enc; /* from the encoder until the writer is done with it */
} work;

/* Lets the threads of one stage pass batches on in seq order: a thread
 * enters with its batch's seq once every earlier batch has left. */
typedef struct seq_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next;
    int closed; /* stopped: nobody waits any more */
    double wait_sec; /* threads' time waiting to enter, summed */
} seq_gate;

typedef struct build_state {
    const gal_build_opts *opts;
    gal_build_report *report;
    gal_writer *w;
    gal_cl *cl;
    gal_cl_tokenizer *clt;
    gal_cl_entity_finder *cle;
    unsigned ncomp, ntok, nenc;
    size_t nwork, ntoksets, nencs;
    work *slots;
    tokset *toksets;
    gal_encoded **encs;
    /* read_q and text_q: the reader's batches, for the compressors and the
     * tokenizers; comp_q: compressed, for the writer */
    gal_queue free_q, read_q, text_q, comp_q, token_q, tok_free_q, enc_q, enc_free_q;
    seq_gate comp_gate, tok_gate, enc_gate;
    /* the first batch of the run chooses the bigram words that every other
     * batch's encoding needs (gal_writer_choose_common) */
    pthread_mutex_t common_mu;
    pthread_cond_t common_cv;
    int common_ready;
    /* the last thread of a stage to finish closes the stage's output */
    unsigned comp_running, tok_running, enc_running;
    /* the first error of any stage; a reader error still lets the batches
     * read before it be committed */
    pthread_mutex_t err_mu;
    int err_rc, err_from_reader;
    char err_detail[1024];
    pthread_mutex_t stats_mu; /* rstats, read_files, the stage seconds */
    /* reader thread only */
    gal_text_dict *tdict;
    double reader_busy, train_sec; /* seconds working, not waiting */
    work *fill;
    uint64_t next_seq;
    uint32_t next_doc;
    char **files;
    size_t nfiles, first_input;
    uint32_t first_file_no;
    uint32_t file_no;
    size_t input_no;     /* the file being read: its place in files[] */
    uint64_t doc_in_file; /* documents of it seen so far, skipped ones included */
    uint64_t file_input;  /* input bytes of the current file read so far */
    int skipping;         /* resume: drop documents up to skip_offset */
    gal_replace_key replace; /* --replace, or a resumed run that replaced */
    uint64_t skip_offset;
    gal_read_stats rstats;
    uint64_t read_files;
    gal_merge_files merge_files; /* merge: each input index's file numbers here */
    int merge_shards;            /* merge: the inputs are one run's shards, read as one */
    /* compressor, tokenizer and encoder threads, under stats_mu */
    double tokenize_sec, entities_sec, compress_sec;
    double common_wait_sec; /* encoders waiting for the first batch's bigram words */
    /* writer (calling) thread only */
    double start, last_progress;
    int progress;
    uint64_t total_input;
} build_state;

static void gate_init(seq_gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->next = 0;
    g->closed = 0;
    g->wait_sec = 0;
}

static void gate_destroy(seq_gate *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1 once every batch before seq has left, 0 when the gate closed. */
static int gate_enter(seq_gate *g, uint64_t seq)
{
    pthread_mutex_lock(&g->mu);
    if (g->next != seq && !g->closed) {
        double t0 = now_sec();
        while (g->next != seq && !g->closed)
            pthread_cond_wait(&g->cv, &g->mu);
        g->wait_sec += now_sec() - t0;
    }
    int open = !g->closed;
    pthread_mutex_unlock(&g->mu);
    return open;
}

static void gate_leave(seq_gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->next++;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void gate_close(seq_gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->closed = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Record a stage's error (the first one wins: it caused the others) and
 * stop the pipeline.  A reader error only ends the input. */
static void fail(build_state *s, int rc, int from_reader)
{
    pthread_mutex_lock(&s->err_mu);
    if (!s->err_rc) {
        s->err_rc = rc;
        s->err_from_reader = from_reader;
        /* the detail string is per thread: copy it while on this one */
        snprintf(s->err_detail, sizeof s->err_detail, "%s", gal_error_detail(rc));
    }
    pthread_mutex_unlock(&s->err_mu);
    if (from_reader) {
        gal_queue_close(&s->read_q);
        gal_queue_close(&s->text_q);
    } else {
        gal_queue_close(&s->free_q);
        gal_queue_close(&s->read_q);
        gal_queue_close(&s->text_q);
        gal_queue_close(&s->comp_q);
        gal_queue_close(&s->token_q);
        gal_queue_close(&s->tok_free_q);
        gal_queue_close(&s->enc_q);
        gal_queue_close(&s->enc_free_q);
        gate_close(&s->comp_gate);
        gate_close(&s->tok_gate);
        gate_close(&s->enc_gate);
        pthread_mutex_lock(&s->common_mu);
        pthread_cond_broadcast(&s->common_cv);
        pthread_mutex_unlock(&s->common_mu);
    }
}

static int stopped(build_state *s)
{
    pthread_mutex_lock(&s->err_mu);
    int stop = s->err_rc && !s->err_from_reader;
    pthread_mutex_unlock(&s->err_mu);
    return stop;
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
    pthread_mutex_lock(&s->stats_mu);
    uint64_t done_input = s->rstats.input_bytes + __atomic_load_n(&s->file_input, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->stats_mu);
    if (!final && s->total_input && done_input && done_input < s->total_input)
        snprintf(eta, sizeof eta, ", ETA %.0f s",
                 el * (double)(s->total_input - done_input) / (double)done_input);
    fprintf(stderr, "\r\033[Kgalley: %llu documents, %.1f MB, %.1f MB/s%s",
            (unsigned long long)s->report->docs, mb, el > 0 ? mb / el : 0.0, eta);
    if (final)
        fputc('\n', stderr);
}

/* ---- reader thread ---- */

/* Give the filled batch its place in the run and the dictionary decision,
 * and pass it on.  GAL_EUSAGE when another stage failed: its error is the
 * one reported. */
static int send_filled(build_state *s)
{
    double t0 = now_sec();
    int rc = gal_text_dict_prepare(s->tdict, &s->fill->batch);
    double t1 = now_sec();
    s->train_sec += t1 - t0;
    if (rc)
        return rc;
    s->fill->seq = s->next_seq++;
    rc = gal_queue_push(&s->read_q, s->fill) != 0 || gal_queue_push(&s->text_q, s->fill) != 0
             ? GAL_EUSAGE : 0;
    s->reader_busy -= now_sec() - t1; /* waiting for the other stages is not work */
    return rc;
}

/* Pass the filled batch on and start the next one. */
static int hand_off(build_state *s)
{
    int rc = send_filled(s);
    if (rc)
        return rc;
    double t0 = now_sec();
    if (!(s->fill = gal_queue_pop(&s->free_q)))
        return GAL_EUSAGE;
    s->reader_busy -= now_sec() - t0;
    gal_batch_reset(&s->fill->batch, s->next_doc);
    return 0;
}

static int on_doc(void *ctx, const gal_doc *doc)
{
    build_state *s = ctx;
    __atomic_store_n(&s->file_input, doc->input_bytes, __ATOMIC_RELAXED); /* progress only */
    uint64_t place = s->doc_in_file++;
    if (s->skipping && doc->end_offset <= s->skip_offset)
        return 0; /* committed by the interrupted run */
    if (s->opts->nshards > 1 && gal_shard_of(s->input_no, place, s->opts->nshards) != s->opts->shard - 1)
        return 0; /* another shard's */
    uint32_t file_no = s->file_no;
    int rc;
    if (s->opts->merge && (rc = gal_merge_file_no(&s->merge_files, s->input_no, doc->path,
                                                   doc->source_no, &file_no)))
        return rc;
    rc = gal_batch_add(&s->fill->batch, doc, file_no);
    if (rc)
        return rc;
    s->next_doc++;
    if (s->fill->batch.text.len >= s->opts->batch_bytes)
        return hand_off(s);
    return 0;
}

static void *reader_main(void *arg)
{
    build_state *s = arg;
    prctl(PR_SET_NAME, "galley-read"); /* for top -H and perf --comm */
    const gal_build_opts *o = s->opts;
    gal_read_opts ropts = {o->format, o->strict, o->quiet};
    int rc = 0;
    double t0 = now_sec();
    if (!(s->fill = gal_queue_pop(&s->free_q)))
        rc = GAL_EUSAGE;
    else
        gal_batch_reset(&s->fill->batch, s->next_doc);
    /* one run's shards merged are read as one input */
    size_t end = o->merge && s->merge_shards ? s->first_input + 1 : s->nfiles;
    for (size_t i = s->first_input; i < end && !rc; i++) {
        s->file_no = s->first_file_no + (uint32_t)(i - s->first_input);
        s->input_no = i;
        s->doc_in_file = 0;
        gal_read_stats one;
        memset(&one, 0, sizeof one);
        if (!o->merge)
            rc = gal_read_file(s->files[i], &ropts, on_doc, s, &one);
        else if (s->merge_shards)
            rc = gal_read_index_shards(s->files, s->nfiles, on_doc, s, &one);
        else
            rc = gal_read_index(s->files[i], on_doc, s, &one);
        s->skipping = 0;
        pthread_mutex_lock(&s->stats_mu);
        s->rstats.input_bytes += one.input_bytes;
        s->rstats.raw_bytes += one.raw_bytes;
        s->rstats.skipped += one.skipped;
        s->rstats.docs += one.docs;
        s->read_files++;
        __atomic_store_n(&s->file_input, 0, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&s->stats_mu);
    }
    if (!rc && s->fill->batch.ndocs)
        rc = send_filled(s);
    s->reader_busy += now_sec() - t0;
    if (rc && !stopped(s))
        fail(s, rc, 1);
    gal_queue_close(&s->read_q); /* end of input */
    gal_queue_close(&s->text_q);
    return NULL;
}

/* The last thread of a stage to finish closes its output queue. */
static void stage_done(build_state *s, unsigned *running, gal_queue *out)
{
    pthread_mutex_lock(&s->stats_mu);
    int last = --*running == 0;
    pthread_mutex_unlock(&s->stats_mu);
    if (last)
        gal_queue_close(out);
}

/* Pass wk on to the next stage once every earlier batch has gone; 0 when
 * the build stopped. */
static int pass_on(seq_gate *g, gal_queue *next, work *wk)
{
    if (!gate_enter(g, wk->seq))
        return 0;
    int pushed = gal_queue_push(next, wk) == 0;
    gate_leave(g);
    return pushed;
}

/* ---- compressor threads ---- */

static void *compressor_main(void *arg)
{
    build_state *s = arg;
    prctl(PR_SET_NAME, "galley-compress");
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (!cctx)
        fail(s, gal_error_set(GAL_ENOMEM, "out of memory for zstd"), 0);
    work *wk;
    while (cctx && (wk = gal_queue_pop(&s->read_q))) {
        double t0 = now_sec();
        int rc = gal_text_pack(cctx, s->tdict, &wk->batch);
        double t1 = now_sec();
        pthread_mutex_lock(&s->stats_mu);
        s->compress_sec += t1 - t0;
        pthread_mutex_unlock(&s->stats_mu);
        if (rc) {
            fail(s, rc, 0);
            break;
        }
        if (!pass_on(&s->comp_gate, &s->comp_q, wk))
            break;
    }
    ZSTD_freeCCtx(cctx);
    stage_done(s, &s->comp_running, &s->comp_q);
    return NULL;
}

/* ---- tokenizer threads ---- */

static int tokenize_one(build_state *s, work *wk)
{
    gal_batch *b = &wk->batch;
    gal_tokens *tokens = &wk->ts->tokens;
    double t0 = now_sec();
    int rc = s->clt ? gal_cl_tokenize(s->clt, b->text.data, (uint32_t)b->text.len, b->doc_start,
                                      b->body_start, b->ndocs, tokens)
                    : gal_tokenize_ref(b->text.data, (uint32_t)b->text.len, b->doc_start,
                                       b->body_start, b->ndocs, tokens);
    double t1 = now_sec();
    if (rc)
        return rc;
    /* on a device, the entity kernels read the text and tokens that the
     * tokenizer left there: no second upload */
    rc = s->cle ? gal_cl_entities_after(s->cle, s->clt, b->text.data, (uint32_t)b->text.len,
                                        b->doc_start, b->body_start, b->ndocs, tokens,
                                        &wk->ts->mentions)
                : gal_entities_ref(b->text.data, (uint32_t)b->text.len, b->doc_start,
                                   b->body_start, b->ndocs, tokens, &wk->ts->mentions);
    /* the entity merge's grouping and counting, here where there is room
     * (the encoders are the busiest stage and the writer is one thread) */
    if (!rc)
        rc = gal_entity_batch_prepare(wk->entities, b->text.data, &wk->ts->mentions);
    double t2 = now_sec();
    pthread_mutex_lock(&s->stats_mu);
    s->tokenize_sec += t1 - t0;
    s->entities_sec += t2 - t1;
    pthread_mutex_unlock(&s->stats_mu);
    return rc;
}

static void *tokenizer_main(void *arg)
{
    build_state *s = arg;
    prctl(PR_SET_NAME, "galley-tokenize");
    work *wk;
    /* the token set first: a thread that holds a batch never waits for one
     * while later batches hold them all */
    tokset *ts;
    while ((ts = gal_queue_pop(&s->tok_free_q))) {
        if (!(wk = gal_queue_pop(&s->text_q))) {
            gal_queue_push(&s->tok_free_q, ts);
            break; /* end of input, or stopped */
        }
        wk->ts = ts;
        int rc = tokenize_one(s, wk);
        if (rc) {
            fail(s, rc, 0);
            break;
        }
        if (!pass_on(&s->tok_gate, &s->token_q, wk))
            break;
    }
    stage_done(s, &s->tok_running, &s->token_q);
    return NULL;
}

/* ---- encoder threads ---- */

/* Batches after the run's first wait until it has chosen the bigram words;
 * 0 when the build stopped meanwhile. */
static int wait_for_common(build_state *s)
{
    double t0 = now_sec();
    pthread_mutex_lock(&s->common_mu);
    while (!s->common_ready && !stopped(s))
        pthread_cond_wait(&s->common_cv, &s->common_mu);
    int ready = s->common_ready;
    pthread_mutex_unlock(&s->common_mu);
    pthread_mutex_lock(&s->stats_mu);
    s->common_wait_sec += now_sec() - t0;
    pthread_mutex_unlock(&s->stats_mu);
    return ready;
}

static void common_chosen(build_state *s)
{
    pthread_mutex_lock(&s->common_mu);
    s->common_ready = 1;
    pthread_cond_broadcast(&s->common_cv);
    pthread_mutex_unlock(&s->common_mu);
}

static void *encoder_main(void *arg)
{
    build_state *s = arg;
    prctl(PR_SET_NAME, "galley-encode");
    gal_encoded *enc;
    work *wk;
    while ((enc = gal_queue_pop(&s->enc_free_q))) {
        if (!(wk = gal_queue_pop(&s->token_q))) {
            gal_queue_push(&s->enc_free_q, enc);
            break;
        }
        wk->enc = enc;
        int rc = 0;
        if (wk->seq == 0) {
            /* the others wait for the bigram words, not for this batch */
            if (!(rc = gal_writer_choose_common(s->w, wk->enc, &wk->ts->tokens)))
                common_chosen(s);
        } else if (!wait_for_common(s)) {
            break;
        }
        if (!rc)
            rc = gal_writer_encode(s->w, wk->enc, &wk->batch, &wk->ts->tokens, &wk->ts->mentions);
        if (rc) {
            fail(s, rc, 0);
            break;
        }
        /* the commit needs only the counts: the token set goes back now */
        wk->ntokens = wk->ts->tokens.n;
        wk->nmentions = wk->ts->mentions.n;
        if (gal_queue_push(&s->tok_free_q, wk->ts) != 0)
            break;
        wk->ts = NULL;
        if (!pass_on(&s->enc_gate, &s->enc_q, wk))
            break;
    }
    stage_done(s, &s->enc_running, &s->enc_q);
    return NULL;
}

/* ---- writer (calling thread) ---- */

static int write_all(build_state *s)
{
    work *wk;
    while ((wk = gal_queue_pop(&s->enc_q))) {
        /* both branches keep input order: the compressed batch is this one */
        work *packed = gal_queue_pop(&s->comp_q);
        if (stopped(s) || !packed)
            break;
        if (packed != wk) {
            int rc = gal_error_set(GAL_EUSAGE, "internal error: batch %llu compressed, %llu encoded",
                                   (unsigned long long)packed->seq, (unsigned long long)wk->seq);
            fail(s, rc, 0);
            return rc;
        }
        gal_batch *b = &wk->batch;
        int rc = gal_writer_commit(s->w, wk->enc, b, wk->ntokens, wk->entities);
        if (rc) {
            fail(s, rc, 0);
            return rc;
        }
        s->report->docs += b->ndocs;
        s->report->raw_bytes += b->raw_bytes;
        s->report->tokens += wk->ntokens;
        s->report->mentions += wk->nmentions;
        s->report->batches++;
        show_progress(s, 0);
        if (gal_queue_push(&s->enc_free_q, wk->enc) != 0 ||
            gal_queue_push(&s->free_q, wk) != 0)
            break;
    }
    return 0;
}

static void open_device(build_state *s)
{
    gal_build_report *r = s->report;
    snprintf(r->device, sizeof r->device, "reference (host C)");
    const char *spec = s->opts->device ? s->opts->device : "auto";
    if (!strcmp(spec, "ref"))
        return;
    int rc = gal_cl_open_slot(spec, s->opts->device_slot, &s->cl);
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
        /* Complete, unless a later run over other inputs (an --append) was
         * killed before its first commit: then those inputs start now. */
        int same = rp.files - rp.run_first_file == nfiles;
        for (size_t i = 0; same && i < nfiles; i++) {
            char *path = NULL;
            int rc = gal_writer_file_path(s->w, rp.run_first_file + (uint32_t)i, &path);
            if (rc)
                return rc;
            same = !strcmp(path, files[i]);
            gal_free(path);
        }
        if (same)
            *complete = 1;
        else
            gal_writer_begin_run(s->w);
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
    /* the run goes on as it began: replacing documents by id or url, or not */
    static const char *const by[] = {"", "id", "url"};
    if (rp.replace && !s->replace && !s->opts->quiet)
        fprintf(stderr, "galley: the interrupted run replaced documents by %s: so does this one\n",
                by[rp.replace]);
    if (s->replace && rp.replace != s->replace)
        return rp.replace ? gal_error_set(GAL_EUSAGE, "the interrupted run replaced documents by "
                                                      "%s, not by %s", by[rp.replace], by[s->replace])
                          : gal_error_set(GAL_EUSAGE, "the interrupted run did not replace "
                                                      "documents: resume it without --replace");
    s->replace = rp.replace;
    gal_writer_continue_run(s->w, rp.file_no);
    *first_input = k;
    s->skipping = 1;
    s->skip_offset = rp.offset;
    return 0;
}

/* Compressor, tokenizer and encoder threads.  The device takes one
 * tokenizer thread (one command queue); on the host the three stages cost
 * about the same (each 20-30 % of the CPU on news), so they get a third of
 * the threads each, the encoders the rest.  By default every core beyond
 * the reader's and the writer's gets a thread, and at least one of each
 * stage runs. */
static void plan_threads(build_state *s)
{
    unsigned n = s->opts->threads;
    if (n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        /* one of each on small machines: on 2 cores a second encoder
         * measured the same (16.2 s against 16.6 s on 1 GB, 3 runs each)
         * for 0.3 GB more memory */
        n = cores > 5 ? (unsigned)(cores - 2) : 3;
    }
    if (n > GAL_MAX_THREADS)
        n = GAL_MAX_THREADS;
    s->ntok = s->clt || n < 3 ? 1 : n / 3;
    s->ncomp = n > s->ntok + 1 ? (n - s->ntok) / 2 : 1;
    s->nenc = n > s->ntok + s->ncomp ? n - s->ntok - s->ncomp : 1;
    /* every batch past the reader can hold a token set and, past the
     * tokenizers, an encoded batch: no stage ever waits on a later one */
    s->nwork = s->ncomp + s->ntok + s->nenc + 2;
    s->ntoksets = s->ntok + s->nenc; /* held from tokenizing to encoding */
    s->nencs = s->nenc + 1;
}

static int alloc_pools(build_state *s)
{
    if (!(s->slots = gal_calloc(s->nwork, sizeof *s->slots)) ||
        !(s->toksets = gal_calloc(s->ntoksets, sizeof *s->toksets)) ||
        !(s->encs = gal_calloc(s->nencs, sizeof *s->encs)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->nwork; i++) {
        gal_batch_init(&s->slots[i].batch);
        int rc = gal_entity_batch_new(&s->slots[i].entities);
        if (rc)
            return rc;
        gal_queue_push(&s->free_q, &s->slots[i]);
    }
    for (size_t i = 0; i < s->ntoksets; i++) {
        gal_tokens_init(&s->toksets[i].tokens);
        gal_mentions_init(&s->toksets[i].mentions);
        gal_queue_push(&s->tok_free_q, &s->toksets[i]);
    }
    for (size_t i = 0; i < s->nencs; i++) {
        int rc = gal_encoded_new(&s->encs[i]);
        if (rc)
            return rc;
        gal_queue_push(&s->enc_free_q, s->encs[i]);
    }
    return 0;
}

static void free_pools(build_state *s)
{
    for (size_t i = 0; s->slots && i < s->nwork; i++) {
        gal_batch_release(&s->slots[i].batch);
        gal_entity_batch_free(s->slots[i].entities);
    }
    for (size_t i = 0; s->toksets && i < s->ntoksets; i++) {
        gal_tokens_release(&s->toksets[i].tokens);
        gal_mentions_release(&s->toksets[i].mentions);
    }
    for (size_t i = 0; s->encs && i < s->nencs; i++)
        gal_encoded_free(s->encs[i]);
    gal_free(s->slots);
    gal_free(s->toksets);
    gal_free(s->encs);
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
    gal_queue_init(&s.free_q);
    gal_queue_init(&s.tok_free_q);
    gal_queue_init(&s.read_q);
    gal_queue_init(&s.text_q);
    gal_queue_init(&s.comp_q);
    gal_queue_init(&s.token_q);
    gal_queue_init(&s.enc_q);
    gal_queue_init(&s.enc_free_q);
    pthread_mutex_init(&s.err_mu, NULL);
    pthread_mutex_init(&s.stats_mu, NULL);
    pthread_mutex_init(&s.common_mu, NULL);
    pthread_cond_init(&s.common_cv, NULL);
    gate_init(&s.comp_gate);
    gate_init(&s.tok_gate);
    gate_init(&s.enc_gate);
    int started = 0;
    pthread_t reader, *threads = NULL; /* compressors, tokenizers, encoders */
    unsigned nthreads = 0;

    int rc;
    if (opts->merge && opts->resume) {
        rc = gal_error_set(GAL_EUSAGE, "a merge cannot be resumed: merge again into a new index");
        goto done;
    }
    if (opts->merge) {
        s.nfiles = opts->ninputs;
        rc = gal_merge_inputs_check(opts->inputs, opts->ninputs, &s.files, &s.total_input,
                                    &s.merge_shards);
    } else {
        rc = gal_input_list(opts->inputs, opts->ninputs, &s.files, &s.nfiles);
    }
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
    for (size_t i = 0; i < s.nfiles && !opts->merge; i++) {
        struct stat sb;
        if (strcmp(s.files[i], "-") && stat(s.files[i], &sb) == 0)
            s.total_input += (uint64_t)sb.st_size;
    }
    if ((rc = gal_writer_open(opts->out_dir, opts->append || opts->resume, &s.w)) ||
        (rc = gal_writer_set_shard(s.w, opts->nshards > 1 ? opts->shard : 0,
                                   opts->nshards > 1 ? opts->nshards : 0)))
        goto done;
    s.replace = opts->replace;
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
    if (s.replace && (rc = gal_writer_set_replace(s.w, s.replace)))
        goto done;
    const void *dict;
    size_t dict_len;
    gal_writer_dict(s.w, &dict, &dict_len);
    if ((rc = gal_text_dict_new(dict, dict_len, &s.tdict)))
        goto done;
    plan_threads(&s);
    report->compress_threads = s.ncomp;
    report->tokenize_threads = s.ntok;
    report->encode_threads = s.nenc;
    if ((rc = alloc_pools(&s)))
        goto done;
    char note[512];
    snprintf(note, sizeof note, "device=%s batch_mb=%zu threads=%u+%u+%u", report->device,
             opts->batch_bytes >> 20, s.ncomp, s.ntok, s.nenc);
    if ((rc = gal_writer_set_build_note(s.w, note)))
        goto done;
    /* every input of the run gets its number now; the reader thread never
     * touches the writer */
    if (opts->merge)
        rc = gal_merge_inputs_register(s.w, s.files, s.nfiles, s.merge_shards, &s.merge_files);
    for (size_t i = s.first_input; i < s.nfiles && !rc && !opts->merge; i++) {
        uint32_t no;
        rc = gal_writer_add_file(s.w, s.files[i], &no);
        if (i == s.first_input)
            s.first_file_no = no;
    }
    if (rc)
        goto done;

    s.next_doc = gal_writer_next_doc(s.w);
    unsigned workers = s.ncomp + s.ntok + s.nenc;
    if (!(threads = gal_calloc(workers, sizeof *threads))) {
        rc = gal_error_set(GAL_ENOMEM, "out of memory");
        goto done;
    }
    s.comp_running = s.ncomp;
    s.tok_running = s.ntok;
    s.enc_running = s.nenc;
    for (; nthreads < workers; nthreads++) {
        void *(*fn)(void *) = nthreads < s.ncomp              ? compressor_main
                              : nthreads < s.ncomp + s.ntok ? tokenizer_main
                                                            : encoder_main;
        if (pthread_create(&threads[nthreads], NULL, fn, &s) != 0)
            break;
    }
    if (nthreads < workers || pthread_create(&reader, NULL, reader_main, &s) != 0) {
        rc = gal_error_set(GAL_ENOMEM, "cannot start the indexing threads");
        fail(&s, rc, 0); /* the threads started see closed queues and leave */
        gal_queue_close(&s.free_q);
        gal_queue_close(&s.tok_free_q);
        gal_queue_close(&s.enc_free_q);
        for (unsigned i = 0; i < nthreads; i++)
            pthread_join(threads[i], NULL);
        goto done;
    }
    started = 1;
    write_all(&s);
    /* unblock the other stages if the writer stopped early */
    if (stopped(&s)) {
        gal_queue_close(&s.free_q);
        gal_queue_close(&s.tok_free_q);
        gal_queue_close(&s.enc_free_q);
    }
    pthread_join(reader, NULL);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    if (s.err_rc)
        rc = gal_error_set(s.err_rc, "%s", s.err_detail);
    if (!rc)
        rc = gal_writer_finish(s.w);
done:
    if (started)
        report->files = s.read_files;
    report->skipped = s.rstats.skipped;
    if (s.w) {
        const gal_writer_totals *tot = gal_writer_totals_get(s.w);
        report->new_terms = tot->new_terms;
        report->replaced = tot->replaced;
        report->replaced_by = s.replace;
        report->index_raw_bytes = tot->raw_bytes;
        report->index_batches = tot->batches;
        report->encode_sec = tot->encode_sec;
        report->write_sec = tot->write_sec;
        report->commit_sec = tot->commit_sec;
        report->update_sec = tot->update_sec;
    }
    /* every thread has left: the queues' and gates' clocks are still */
    report->wait_room[GAL_STAGE_READ] = s.free_q.wait_sec;
    report->wait_input[GAL_STAGE_COMPRESS] = s.read_q.wait_sec;
    report->wait_order[GAL_STAGE_COMPRESS] = s.comp_gate.wait_sec;
    report->wait_room[GAL_STAGE_TOKENIZE] = s.tok_free_q.wait_sec;
    report->wait_input[GAL_STAGE_TOKENIZE] = s.text_q.wait_sec;
    report->wait_order[GAL_STAGE_TOKENIZE] = s.tok_gate.wait_sec;
    report->wait_room[GAL_STAGE_ENCODE] = s.enc_free_q.wait_sec;
    report->wait_input[GAL_STAGE_ENCODE] = s.token_q.wait_sec;
    report->wait_order[GAL_STAGE_ENCODE] = s.enc_gate.wait_sec + s.common_wait_sec;
    report->wait_input[GAL_STAGE_WRITE] = s.enc_q.wait_sec + s.comp_q.wait_sec;
    report->seconds = now_sec() - s.start;
    /* each thread's busy time; the three overlap in wall time */
    /* training the dictionary on the reader counts as compressing */
    report->compress_sec = s.compress_sec + s.train_sec;
    report->read_sec = s.reader_busy - s.train_sec;
    report->tokenize_sec = s.tokenize_sec;
    report->entities_sec = s.entities_sec;
    if (s.cl) {
        /* every command has finished: each batch waits for its queue */
        const gal_cl_profile *pf = &s.cl->prof;
        report->h2d_sec = pf->h2d_sec;
        report->kernel_sec = pf->kernel_sec;
        report->d2h_sec = pf->d2h_sec;
        report->h2d_bytes = pf->h2d_bytes;
        report->d2h_bytes = pf->d2h_bytes;
        memcpy(report->kernels, pf->kernels, sizeof report->kernels);
        report->nkernels = pf->nkernels;
    }
    if (s.cle)
        report->entity_host_docs = gal_cl_entities_host_docs(s.cle);
    if (s.w)
        show_progress(&s, 1);
    gal_text_dict_free(s.tdict);
    gal_free(threads);
    gal_cl_tokenizer_free(s.clt);
    gal_cl_entities_free(s.cle);
    gal_cl_close(s.cl);
    free_pools(&s);
    gal_writer_close(s.w);
    gal_queue_release(&s.free_q);
    gal_queue_release(&s.tok_free_q);
    gal_queue_release(&s.read_q);
    gal_queue_release(&s.text_q);
    gal_queue_release(&s.comp_q);
    gal_queue_release(&s.token_q);
    gal_queue_release(&s.enc_q);
    gal_queue_release(&s.enc_free_q);
    pthread_mutex_destroy(&s.err_mu);
    pthread_mutex_destroy(&s.stats_mu);
    pthread_mutex_destroy(&s.common_mu);
    pthread_cond_destroy(&s.common_cv);
    gate_destroy(&s.comp_gate);
    gate_destroy(&s.tok_gate);
    gate_destroy(&s.enc_gate);
    gal_input_list_free(s.files, s.nfiles);
    gal_merge_files_release(&s.merge_files);
    char data[4096];
    struct stat sb;
    snprintf(data, sizeof data, "%s/data.mdb", opts->out_dir);
    if (stat(data, &sb) == 0)
        report->index_bytes = (uint64_t)sb.st_size;
    return rc;
}
