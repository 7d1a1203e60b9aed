#include "index_build.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "cl_runtime.h"
#include "cl_entities.h"
#include "cl_group.h"
#include "cl_pinned.h"
#include "cl_tokenize.h"
#include "clock.h"
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
 *
 * An LMDB file has one writer, and on a machine of many cores that one
 * thread sets the pace (bench/README.md).  With --shards N one reader
 * feeds N such pipelines after it, each with its own stages and writer and
 * index, INDEX/shard-K: the document goes to the pipeline of its shard
 * (gal_shard_of), so shard K is what `--shard K/N` alone would have made,
 * and the inputs are read once instead of N times.
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

typedef struct router router;

/* One index being built: its stages after the reader, its writer, and
 * where its own part of the inputs starts. */
typedef struct build_state {
    router *r;
    const gal_build_opts *opts; /* this index's: with --shards a copy naming its shard */
    gal_build_opts shard_opts;
    gal_build_report *report;   /* this index's; summed into the caller's */
    gal_build_report own_report;
    unsigned thread_budget;     /* compressor + tokenizer + encoder threads */
    int open;                   /* queues and gates initialised */
    int complete;               /* resumed, with nothing left to read */
    int started;                /* its threads run */
    gal_writer *w;
    gal_cl *cl;
    gal_cl_tokenizer *clt;
    gal_cl_entity_finder *cle;
    gal_cl_pinned *pinned; /* where a device's tokens and mentions are copied */
    gal_cl_grouper *clg;   /* groups tokens by term on the device (GALLEY_CL_GROUP=1) */
    unsigned ncomp, ntok, nenc;
    size_t nwork, ntoksets, nencs;
    work *slots;
    tokset *toksets;
    gal_encoded **encs;
    pthread_t *threads; /* compressors, tokenizers, encoders */
    unsigned nthreads;
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
    pthread_mutex_t stats_mu; /* the stage seconds */
    /* reader thread only */
    gal_text_dict *tdict;
    double train_sec;
    work *fill;
    uint64_t next_seq;
    uint32_t next_doc;
    size_t first_input;   /* resume: the file it goes on in; earlier ones are done */
    uint32_t first_file_no;
    int skipping;         /* resume: drop its documents up to skip_offset there */
    gal_replace_key replace; /* --replace, or a resumed run that replaced */
    uint64_t skip_offset;
    gal_merge_files merge_files; /* merge: each input index's file numbers here */
    /* compressor, tokenizer and encoder threads, under stats_mu */
    double tokenize_sec, entities_sec, compress_sec;
    double common_wait_sec; /* encoders waiting for the first batch's bigram words */
    double cpu_sec[GAL_NSTAGES]; /* its threads' CPU seconds, by stage (under stats_mu) */
    double train_cpu_sec;        /* reader thread only: of its CPU, training */
} build_state;

/* The reader and what the indexes it feeds share: the inputs, the place in
 * them, the clock and the progress line. */
struct router {
    const gal_build_opts *opts;
    build_state *states; /* one, or with --shards one per shard */
    unsigned nstates;
    build_state **by_shard; /* [nhash]: the index that takes shard k's
                             * documents; NULL: none of this run's (another
                             * --shard run's, or a complete one's) */
    unsigned nhash;         /* the shards documents are hashed to; 1: none */
    char **files;
    size_t nfiles;
    size_t first_input;     /* the earliest file any index reads */
    int merge_shards;       /* merge: the inputs are one run's shards, read as one */
    size_t input_no;        /* the file being read: its place in files[] */
    uint64_t doc_in_file;   /* documents of it seen so far, skipped ones included */
    uint64_t file_input;    /* input bytes of the current file read so far (atomic) */
    double busy;            /* the reader's seconds working, not waiting */
    double cpu_sec;         /* the reader thread's CPU seconds */
    pthread_mutex_t mu;     /* rstats, read_files; one progress line at a time */
    gal_read_stats rstats;
    uint64_t read_files;
    double start, last_progress;
    int progress;
    uint64_t total_input;
    uint64_t bad_dates; /* documents whose date could not be read */
    /* inputs damaged part way (a truncated .gz): what came before the
     * damage is indexed, the run goes on with the next input, and ends
     * with an error naming the first */
    uint64_t damaged;
    const char *first_damaged;
};

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

/* 1 once every batch before seq has left, 0 when the gate closed. */
static int gate_enter(seq_gate *g, uint64_t seq)
{
    pthread_mutex_lock(&g->mu);
    if (g->next != seq && !g->closed) {
        double t0 = gal_now_sec();
        while (g->next != seq && !g->closed)
            pthread_cond_wait(&g->cv, &g->mu);
        g->wait_sec += gal_now_sec() - t0;
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

/* The progress line, over every index of the run; from any writer, one at
 * a time (the others skip a line, not wait for it). */
static void show_progress(router *r, int final)
{
    if (!r->progress)
        return;
    if (final)
        pthread_mutex_lock(&r->mu);
    else if (pthread_mutex_trylock(&r->mu))
        return;
    double t = gal_now_sec();
    if (!final && t - r->last_progress < 0.25) {
        pthread_mutex_unlock(&r->mu);
        return;
    }
    r->last_progress = t;
    double el = t - r->start;
    uint64_t docs = 0, raw = 0;
    for (unsigned i = 0; i < r->nstates; i++) {
        docs += __atomic_load_n(&r->states[i].report->docs, __ATOMIC_RELAXED);
        raw += __atomic_load_n(&r->states[i].report->raw_bytes, __ATOMIC_RELAXED);
    }
    double mb = (double)raw / 1e6;
    char eta[32] = "";
    /* compressed input is read at about the pace raw text is committed */
    uint64_t done_input = r->rstats.input_bytes + __atomic_load_n(&r->file_input, __ATOMIC_RELAXED);
    if (!final && r->total_input && done_input && done_input < r->total_input)
        snprintf(eta, sizeof eta, ", ETA %.0f s",
                 el * (double)(r->total_input - done_input) / (double)done_input);
    fprintf(stderr, "\r\033[Kgalley: %llu documents, %.1f MB, %.1f MB/s%s",
            (unsigned long long)docs, mb, el > 0 ? mb / el : 0.0, eta);
    if (final)
        fputc('\n', stderr);
    pthread_mutex_unlock(&r->mu);
}

/* ---- reader thread ---- */

/* Give the filled batch its place in the run and the dictionary decision,
 * and pass it on.  GAL_EUSAGE when another stage failed: its error is the
 * one reported. */
static int send_filled(build_state *s)
{
    double t0 = gal_now_sec(), c0 = gal_thread_cpu_sec();
    int rc = gal_text_dict_prepare(s->tdict, &s->fill->batch);
    double t1 = gal_now_sec();
    s->train_sec += t1 - t0;
    s->train_cpu_sec += gal_thread_cpu_sec() - c0;
    if (rc)
        return rc;
    s->fill->seq = s->next_seq++;
    rc = gal_queue_push(&s->read_q, s->fill) != 0 || gal_queue_push(&s->text_q, s->fill) != 0
             ? GAL_EUSAGE : 0;
    s->r->busy -= gal_now_sec() - t1; /* waiting for the other stages is not work */
    return rc;
}

/* Pass the filled batch on and start the next one. */
static int hand_off(build_state *s)
{
    int rc = send_filled(s);
    if (rc)
        return rc;
    double t0 = gal_now_sec();
    if (!(s->fill = gal_queue_pop(&s->free_q)))
        return GAL_EUSAGE;
    s->r->busy -= gal_now_sec() - t0;
    gal_batch_reset(&s->fill->batch, s->next_doc);
    return 0;
}

/* How many unreadable dates a run names one by one; the rest it counts. */
#define BAD_DATES_SHOWN 5

/* A date that did not read left its document undated (no date: range
 * finds it, --sort date puts it last): say so, naming the place.  added:
 * the document as the batch took it, its date parsed there. */
static void note_bad_date(router *r, const gal_doc *doc, const gal_batch_doc *added)
{
    if (!doc->date_len || added->date_sec != GAL_NO_DATE || r->bad_dates++ >= BAD_DATES_SHOWN)
        return;
    char shown[81];
    size_t n = doc->date_len < sizeof shown - 1 ? doc->date_len : sizeof shown - 1;
    for (size_t i = 0; i < n; i++) /* one line, whatever the input held */
        shown[i] = (unsigned char)doc->date[i] < 0x20 ? '?' : doc->date[i];
    shown[n] = '\0';
    fprintf(stderr,
            "galley: warning: %s:%" PRIu64 ": date '%s' is no day in ISO 8601 or RFC 2822 "
            "form: the document is indexed undated\n",
            doc->path, doc->line, shown);
}

static int on_doc(void *ctx, const gal_doc *doc)
{
    router *r = ctx;
    __atomic_store_n(&r->file_input, doc->input_bytes, __ATOMIC_RELAXED); /* progress only */
    uint64_t place = r->doc_in_file++;
    build_state *s = r->by_shard[r->nhash > 1 ? gal_shard_of(r->input_no, place, r->nhash) : 0];
    if (!s || r->input_no < s->first_input)
        return 0; /* another shard's, or committed by the interrupted run */
    if (s->skipping && r->input_no == s->first_input && doc->end_offset <= s->skip_offset)
        return 0; /* committed by the interrupted run */
    uint32_t file_no = s->first_file_no + (uint32_t)(r->input_no - s->first_input);
    int rc;
    if (s->opts->merge && (rc = gal_merge_file_no(&s->merge_files, r->input_no, doc->path,
                                                   doc->source_no, &file_no)))
        return rc;
    rc = gal_batch_add(&s->fill->batch, doc, file_no);
    if (rc)
        return rc;
    if (!s->opts->quiet)
        note_bad_date(r, doc, &s->fill->batch.docs[s->fill->batch.ndocs - 1]);
    s->next_doc++;
    if (s->fill->batch.text.len >= s->opts->batch_bytes)
        return hand_off(s);
    return 0;
}

static void *reader_main(void *arg)
{
    router *r = arg;
    prctl(PR_SET_NAME, "galley-read"); /* for top -H and perf --comm */
    const gal_build_opts *o = r->opts;
    gal_read_opts ropts = {.format = o->format, .strict = o->strict, .quiet = o->quiet,
                           .parse_threads = o->read_threads};
    int rc = 0;
    double t0 = gal_now_sec(), c0 = gal_thread_cpu_sec();
    for (unsigned k = 0; k < r->nstates && !rc; k++) {
        build_state *s = &r->states[k];
        if (!s->started) /* complete already */
            continue;
        if (!(s->fill = gal_queue_pop(&s->free_q)))
            rc = GAL_EUSAGE;
        else
            gal_batch_reset(&s->fill->batch, s->next_doc);
    }
    /* one run's shards merged are read as one input */
    size_t end = o->merge && r->merge_shards ? r->first_input + 1 : r->nfiles;
    for (size_t i = r->first_input; i < end && !rc; i++) {
        r->input_no = i;
        r->doc_in_file = 0;
        gal_read_stats one;
        memset(&one, 0, sizeof one);
        if (!o->merge)
            rc = gal_read_file(r->files[i], &ropts, on_doc, r, &one);
        else if (r->merge_shards)
            rc = gal_read_index_shards(r->files, r->nfiles, on_doc, r, &one);
        else
            rc = gal_read_index(r->files[i], on_doc, r, &one);
        if (rc == GAL_EINPUT && !o->strict && !o->merge) {
            if (!r->damaged++)
                r->first_damaged = r->files[i];
            fprintf(stderr, "galley: warning: %s: the rest of it is passed over; the documents "
                            "before are indexed and the other inputs go on\n",
                    gal_error_detail(rc));
            rc = 0;
        }
        pthread_mutex_lock(&r->mu);
        r->rstats.input_bytes += one.input_bytes;
        r->rstats.raw_bytes += one.raw_bytes;
        r->rstats.skipped += one.skipped;
        r->rstats.docs += one.docs;
        r->rstats.parse_cpu_sec += one.parse_cpu_sec;
        r->read_files++;
        __atomic_store_n(&r->file_input, 0, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&r->mu);
    }
    for (unsigned k = 0; k < r->nstates && !rc; k++) {
        build_state *s = &r->states[k];
        if (s->started && s->fill->batch.ndocs)
            rc = send_filled(s);
    }
    if (r->bad_dates > BAD_DATES_SHOWN)
        fprintf(stderr, "galley: warning: %" PRIu64 " documents in all had dates that do not "
                        "read, and are indexed undated\n", r->bad_dates);
    r->busy += gal_now_sec() - t0;
    r->cpu_sec += gal_thread_cpu_sec() - c0;
    for (unsigned k = 0; k < r->nstates; k++) {
        build_state *s = &r->states[k];
        if (!s->started) /* complete already */
            continue;
        if (rc && !stopped(s))
            fail(s, rc, 1);
        gal_queue_close(&s->read_q); /* end of input */
        gal_queue_close(&s->text_q);
    }
    return NULL;
}

/* The last thread of a stage to finish closes its output queue.  The
 * thread's CPU seconds, from its start, go to the stage's. */
static void stage_done(build_state *s, int stage, unsigned *running, gal_queue *out)
{
    double cpu = gal_thread_cpu_sec();
    pthread_mutex_lock(&s->stats_mu);
    s->cpu_sec[stage] += cpu;
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
        double t0 = gal_now_sec();
        int rc = gal_text_pack(cctx, s->tdict, &wk->batch);
        double t1 = gal_now_sec();
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
    stage_done(s, GAL_STAGE_COMPRESS, &s->comp_running, &s->comp_q);
    return NULL;
}

/* ---- tokenizer threads ---- */

static int tokenize_one(build_state *s, work *wk)
{
    gal_batch *b = &wk->batch;
    gal_tokens *tokens = &wk->ts->tokens;
    double t0 = gal_now_sec();
    int rc = s->clt ? gal_cl_tokenize(s->clt, b->text.data, (uint32_t)b->text.len, b->doc_start,
                                      b->body_start, b->ndocs, tokens)
                    : gal_tokenize_ref(b->text.data, (uint32_t)b->text.len, b->doc_start,
                                       b->body_start, b->ndocs, tokens);
    if (!rc && s->clg)
        rc = gal_cl_group(s->clg, s->clt, tokens);
    double t1 = gal_now_sec();
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
    double t2 = gal_now_sec();
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
    stage_done(s, GAL_STAGE_TOKENIZE, &s->tok_running, &s->token_q);
    return NULL;
}

/* ---- encoder threads ---- */

/* Batches after the run's first wait until it has chosen the bigram words;
 * 0 when the build stopped meanwhile. */
static int wait_for_common(build_state *s)
{
    double t0 = gal_now_sec();
    pthread_mutex_lock(&s->common_mu);
    while (!s->common_ready && !stopped(s))
        pthread_cond_wait(&s->common_cv, &s->common_mu);
    int ready = s->common_ready;
    pthread_mutex_unlock(&s->common_mu);
    pthread_mutex_lock(&s->stats_mu);
    s->common_wait_sec += gal_now_sec() - t0;
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
    stage_done(s, GAL_STAGE_ENCODE, &s->enc_running, &s->enc_q);
    return NULL;
}

/* ---- writers: the calling thread, and one more per further shard ---- */

/* Commit s's batches in order until its input ends or it stops. */
static void write_all(build_state *s)
{
    double c0 = gal_thread_cpu_sec(); /* the calling thread has done other work */
    work *wk;
    while ((wk = gal_queue_pop(&s->enc_q))) {
        /* both branches keep input order: the compressed batch is this one */
        work *packed = gal_queue_pop(&s->comp_q);
        if (stopped(s) || !packed)
            break;
        if (packed != wk) {
            fail(s, gal_error_set(GAL_EUSAGE, "internal error: batch %llu compressed, %llu encoded",
                                  (unsigned long long)packed->seq, (unsigned long long)wk->seq), 0);
            break;
        }
        gal_batch *b = &wk->batch;
        int rc = gal_writer_commit(s->w, wk->enc, b, wk->ntokens, wk->entities);
        if (rc) {
            fail(s, rc, 0);
            break;
        }
        /* the progress line may read these from another index's writer */
        __atomic_fetch_add(&s->report->docs, b->ndocs, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->report->raw_bytes, b->raw_bytes, __ATOMIC_RELAXED);
        s->report->tokens += wk->ntokens;
        s->report->mentions += wk->nmentions;
        s->report->batches++;
        show_progress(s->r, 0);
        if (gal_queue_push(&s->enc_free_q, wk->enc) != 0 ||
            gal_queue_push(&s->free_q, wk) != 0)
            break;
    }
    /* unblock the other stages if the writer stopped early */
    if (stopped(s)) {
        gal_queue_close(&s->free_q);
        gal_queue_close(&s->tok_free_q);
        gal_queue_close(&s->enc_free_q);
    }
    s->cpu_sec[GAL_STAGE_WRITE] = gal_thread_cpu_sec() - c0;
}

static void *writer_main(void *arg)
{
    prctl(PR_SET_NAME, "galley-write");
    write_all(arg);
    return NULL;
}

/* ---- setting up an index's pipeline ---- */

static void open_device(build_state *s)
{
    gal_build_report *r = s->report;
    snprintf(r->device, sizeof r->device, "reference (host C)");
    const char *spec = s->opts->device ? s->opts->device : "auto";
    if (!strcmp(spec, "ref"))
        return;
    int rc = gal_cl_open_for_build(s->opts->device_slot, &s->cl);
    if (!rc && !s->cl)
        return; /* a CPU device only: the reference path does its work */
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

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* GAL_EUSAGE naming the first of inputs[] that the index's first `files`
 * input records name: a run read it already, and --resume reads only what
 * an interrupted run has left. */
static int refuse_read_inputs(build_state *s, uint32_t files, char **inputs, size_t n)
{
    char **read = files ? gal_calloc(files, sizeof *read) : NULL;
    if (files && !read)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    uint32_t nread = 0;
    int rc = 0;
    for (uint32_t no = 0; no < files && !rc; no++) {
        rc = gal_writer_file_path(s->w, no, &read[nread]);
        if (!rc)
            nread++;
        else if (rc == GAL_ENOTFOUND)
            rc = 0; /* a number a resumed run left unused */
    }
    if (!rc)
        qsort(read, nread, sizeof *read, cmp_paths);
    for (size_t i = 0; i < n && !rc; i++) {
        const char *key = inputs[i];
        if (read && bsearch(&key, read, nread, sizeof *read, cmp_paths))
            rc = gal_error_set(GAL_EUSAGE,
                               "--resume: '%s' was read by an earlier run of '%s', which finished; "
                               "--resume continues an interrupted run (add new inputs with "
                               "--append)", inputs[i], s->opts->out_dir);
    }
    for (uint32_t i = 0; i < nread; i++)
        gal_free(read[i]);
    gal_free(read);
    return rc;
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
    size_t run_files = rp.files - rp.run_first_file;
    if (rp.complete) {
        /* Complete, unless a later run over other inputs (an --append) was
         * killed before its first commit: then those inputs start now.  An
         * input some run already read would go in twice: refused. */
        int same = run_files == nfiles;
        for (size_t i = 0; same && i < nfiles; i++) {
            char *path = NULL;
            int rc = gal_writer_file_path(s->w, rp.run_first_file + (uint32_t)i, &path);
            if (rc)
                return rc;
            same = !strcmp(path, files[i]);
            gal_free(path);
        }
        if (same) {
            *complete = 1;
            return 0;
        }
        int rc = refuse_read_inputs(s, rp.files, files, nfiles);
        if (!rc)
            gal_writer_begin_run(s->w);
        return rc;
    }
    if (rp.merge) /* its files are the sources' inputs, its offsets documents */
        return gal_error_set(GAL_EUSAGE, "the interrupted run of '%s' was a merge, which cannot "
                                         "be resumed: merge again into a new index",
                             s->opts->out_dir);
    size_t k = rp.file_no - rp.run_first_file;
    if (rp.file_no < rp.run_first_file || k >= nfiles || nfiles < run_files)
        return gal_error_set(GAL_EUSAGE,
                             "--resume needs the inputs of the interrupted run: it had %zu, "
                             "%zu %s given", run_files, nfiles, nfiles == 1 ? "is" : "are");
    for (size_t i = 0; i < run_files; i++) {
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

int gal_build_text_level(const gal_build_opts *o)
{
    return o->text_level == GAL_TEXT_LEVEL_RAW ? 0
           : o->text_level                     ? o->text_level
                                               : GAL_TEXT_INDEX_LEVEL;
}

/* Compressor, tokenizer and encoder threads of one index, out of its
 * budget (index_threads).  The device takes one tokenizer thread (one
 * command queue); on the host the three stages cost about the same (each
 * 20-30 % of the CPU on news), so they get a third of the threads each,
 * the encoders the rest; at least one of each stage runs.  A GPU's
 * tokenizer thread mostly waits for the device (busy a third of the wall
 * time with 4 shards on the H200, its copies and kernels included), so it
 * is not counted: the whole budget goes to the compressors and encoders,
 * which there set the pace (a shard of 4 on 16 cores had 1 compressor,
 * busy 87 %, and 2 encoders; bench/README.md).  A CPU device's kernels
 * run on the cores and count as a tokenizer. */
static void plan_threads(build_state *s)
{
    unsigned n = s->thread_budget;
    int gpu = s->clt && !strcmp(s->cl->info.type, "GPU");
    s->ntok = s->clt || n < 3 ? 1 : n / 3;
    unsigned rest = gpu ? n : n - s->ntok; /* n >= 3 */
    /* text stored as it is costs a compressor next to nothing: one will do,
     * the encoders take the rest */
    s->ncomp = gal_build_text_level(s->opts) == 0 ? 1 : rest > 1 ? rest / 2 : 1;
    s->nenc = rest > s->ncomp ? rest - s->ncomp : 1;
    /* every batch past the reader can hold a token set and, past the
     * tokenizers, an encoded batch: no stage ever waits on a later one */
    s->nwork = s->ncomp + s->ntok + s->nenc + 2;
    s->ntoksets = s->ntok + s->nenc; /* held from tokenizing to encoding */
    s->nencs = s->nenc + 1;
}

unsigned gal_build_read_threads(const gal_build_opts *o, gal_format f)
{
    /* JSON Lines on the reader's own thread unless asked: on 2 cores more
     * only moved the work between them and added a third to it
     * (bench/README.md); WARC on two (reader.h) */
    return gal_read_parse_threads(o->read_threads, f);
}

/* The compressor, tokenizer and encoder threads of each of nindexes
 * indexes: --threads shared out, rounded up, at least 3 each; by default
 * every core beyond the reader's and one writer's gets one.  Several
 * writers share that core: N shards commit what one index would, each a
 * share of the time. */
static unsigned index_threads(const gal_build_opts *o, unsigned nindexes)
{
    long n = o->threads;
    if (n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        /* one of each on small machines: on 2 cores a second encoder
         * measured the same (16.2 s against 16.6 s on 1 GB, 3 runs each)
         * for 0.3 GB more memory */
        n = cores > 5 ? cores - 2 : 3;
        /* text stored as it is leaves the compressor next to nothing: a
         * second encoder takes its share (news-1g, 2 cores, alternating:
         * 11.9 / 11.6 / 11.4 -> 10.9 / 10.9 / 10.8 s on the host path,
         * 12.7 / 12.5 -> 11.5 / 11.4 s on PoCL; peak RSS +0.3 GB) */
        if (cores <= 5 && gal_build_text_level(o) == 0)
            n = 4;
    }
    n = (n + (long)nindexes - 1) / (long)nindexes;
    if (n > GAL_MAX_THREADS)
        n = GAL_MAX_THREADS;
    return n < 3 ? 3 : (unsigned)n;
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
        s->toksets[i].tokens.mem = s->toksets[i].mentions.mem = gal_cl_pinned_allocator(s->pinned);
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

static void state_init(build_state *s, router *r)
{
    s->r = r;
    s->report = &s->own_report;
    gal_queue_init(&s->free_q);
    gal_queue_init(&s->tok_free_q);
    gal_queue_init(&s->read_q);
    gal_queue_init(&s->text_q);
    gal_queue_init(&s->comp_q);
    gal_queue_init(&s->token_q);
    gal_queue_init(&s->enc_q);
    gal_queue_init(&s->enc_free_q);
    pthread_mutex_init(&s->err_mu, NULL);
    pthread_mutex_init(&s->stats_mu, NULL);
    pthread_mutex_init(&s->common_mu, NULL);
    pthread_cond_init(&s->common_cv, NULL);
    gate_init(&s->comp_gate);
    gate_init(&s->tok_gate);
    gate_init(&s->enc_gate);
    s->open = 1;
}

/* Open s's device and index and make it ready for batches: all but its
 * threads.  s->complete: a resumed index with nothing left to read. */
static int state_open(build_state *s)
{
    const gal_build_opts *o = s->opts;
    router *r = s->r;
    int rc;
    /* With a strict device request ("0", "1"...) a missing device is an
     * error, not a fallback: check it before the index is touched. */
    if (o->device && strcmp(o->device, "auto") && strcmp(o->device, "ref")) {
        if ((rc = gal_cl_open(o->device, &s->cl)) || (rc = gal_cl_tokenizer_new(s->cl, &s->clt)) ||
            (rc = gal_cl_entities_new(s->cl, &s->cle)))
            return rc;
        snprintf(s->report->device, sizeof s->report->device, "%s", s->cl->info.name);
    } else {
        open_device(s);
    }
    /* a device that copies its results down copies them into pinned
     * memory (cl_pinned.h) */
    if (s->clt && !gal_cl_tokenizer_zero_copy(s->clt) &&
        (rc = gal_cl_pinned_new(s->cl, &s->pinned)))
        return rc;
    int group = 0;
    if (s->clt && ((rc = gal_cl_group_wanted(&group)) ||
                   (group && (rc = gal_cl_grouper_new(s->cl, &s->clg)))))
        return rc;
    if ((rc = gal_writer_open(o->out_dir, o->append || o->resume, &s->w)) ||
        (rc = gal_writer_set_shard(s->w, o->nshards > 1 ? o->shard : 0,
                                   o->nshards > 1 ? o->nshards : 0)))
        return rc;
    gal_writer_keep_cache(s->w, o->keep_cache);
    if (o->merge)
        gal_writer_set_merge(s->w);
    s->replace = o->replace;
    if (o->resume) {
        if ((rc = plan_resume(s, r->files, r->nfiles, &s->first_input, &s->complete)))
            return rc;
        if (s->complete) {
            if (!o->quiet)
                fprintf(stderr, "galley: '%s' is complete: nothing to resume\n", o->out_dir);
            return 0;
        }
    } else {
        gal_writer_begin_run(s->w);
    }
    if (s->replace && (rc = gal_writer_set_replace(s->w, s->replace)))
        return rc;
    const void *dict;
    size_t dict_len;
    gal_writer_dict(s->w, &dict, &dict_len);
    int level = gal_build_text_level(o);
    if ((rc = gal_text_dict_new(dict, dict_len, level, &s->tdict)))
        return rc;
    plan_threads(s);
    s->report->compress_threads = s->ncomp;
    s->report->tokenize_threads = s->ntok;
    s->report->encode_threads = s->nenc;
    if ((rc = alloc_pools(s)))
        return rc;
    char note[512];
    snprintf(note, sizeof note, "device=%s batch_mb=%zu threads=%u+%u+%u text_level=%d",
             s->report->device, o->batch_bytes >> 20, s->ncomp, s->ntok, s->nenc, level);
    if ((rc = gal_writer_set_build_note(s->w, note)))
        return rc;
    /* every input of the run gets its number now; the reader thread never
     * touches the writer */
    if (o->merge)
        rc = gal_merge_inputs_register(s->w, r->files, r->nfiles, r->merge_shards, &s->merge_files);
    for (size_t i = s->first_input; i < r->nfiles && !rc && !o->merge; i++) {
        uint32_t no;
        rc = gal_writer_add_file(s->w, r->files[i], &no);
        if (i == s->first_input)
            s->first_file_no = no;
    }
    if (rc)
        return rc;
    s->next_doc = gal_writer_next_doc(s->w);
    return 0;
}

/* Start s's compressor, tokenizer and encoder threads. */
static int state_start(build_state *s)
{
    unsigned workers = s->ncomp + s->ntok + s->nenc;
    if (!(s->threads = gal_calloc(workers, sizeof *s->threads)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    s->comp_running = s->ncomp;
    s->tok_running = s->ntok;
    s->enc_running = s->nenc;
    for (; s->nthreads < workers; s->nthreads++) {
        void *(*fn)(void *) = s->nthreads < s->ncomp              ? compressor_main
                              : s->nthreads < s->ncomp + s->ntok ? tokenizer_main
                                                                 : encoder_main;
        if (pthread_create(&s->threads[s->nthreads], NULL, fn, s) != 0)
            break;
    }
    s->started = 1;
    if (s->nthreads < workers)
        return gal_error_set(GAL_ENOMEM, "cannot start the indexing threads");
    return 0;
}

/* Stop s's threads early (something failed before the writers ran): they
 * see closed queues and leave. */
static void state_abort(build_state *s, int rc)
{
    fail(s, rc, 0);
    gal_queue_close(&s->free_q);
    gal_queue_close(&s->tok_free_q);
    gal_queue_close(&s->enc_free_q);
}

static void state_join(build_state *s)
{
    for (unsigned i = 0; i < s->nthreads; i++)
        pthread_join(s->threads[i], NULL);
    s->nthreads = 0;
}

/* What s did, into its report; every thread has left, so the queues' and
 * gates' clocks are still. */
static void state_report(build_state *s)
{
    gal_build_report *report = s->report;
    if (!s->opts)
        return; /* refused before it was planned */
    if (s->w) {
        const gal_writer_totals *tot = gal_writer_totals_get(s->w);
        report->new_terms = tot->new_terms;
        report->replaced = tot->replaced;
        report->replaced_by = s->replace;
        report->index_raw_bytes = tot->raw_bytes;
        report->index_batches = tot->batches;
        report->encode_sec = tot->encode_sec;
        report->write_sec = tot->write_sec;
        report->commit_sec = tot->commit_sec;
        report->update_sec = tot->update_sec;
    }
    report->wait_room[GAL_STAGE_READ] = s->free_q.wait_sec;
    report->wait_input[GAL_STAGE_COMPRESS] = s->read_q.wait_sec;
    report->wait_order[GAL_STAGE_COMPRESS] = s->comp_gate.wait_sec;
    report->wait_room[GAL_STAGE_TOKENIZE] = s->tok_free_q.wait_sec;
    report->wait_input[GAL_STAGE_TOKENIZE] = s->text_q.wait_sec;
    report->wait_order[GAL_STAGE_TOKENIZE] = s->tok_gate.wait_sec;
    report->wait_room[GAL_STAGE_ENCODE] = s->enc_free_q.wait_sec;
    report->wait_input[GAL_STAGE_ENCODE] = s->token_q.wait_sec;
    report->wait_order[GAL_STAGE_ENCODE] = s->enc_gate.wait_sec + s->common_wait_sec;
    report->wait_input[GAL_STAGE_WRITE] = s->enc_q.wait_sec + s->comp_q.wait_sec;
    /* training the dictionary on the reader counts as compressing */
    report->compress_sec = s->compress_sec + s->train_sec;
    report->tokenize_sec = s->tokenize_sec;
    report->entities_sec = s->entities_sec;
    memcpy(report->cpu_sec, s->cpu_sec, sizeof report->cpu_sec);
    report->cpu_sec[GAL_STAGE_COMPRESS] += s->train_cpu_sec;
    if (s->cl) {
        /* every command has finished: each batch waits for its queue */
        const gal_cl_profile *pf = &s->cl->prof;
        report->h2d_sec = pf->h2d_sec;
        report->kernel_sec = pf->kernel_sec;
        report->d2h_sec = pf->d2h_sec;
        report->h2d_bytes = pf->h2d_bytes;
        report->d2h_bytes = pf->d2h_bytes;
        memcpy(report->kernels, pf->kernels, sizeof report->kernels);
        report->nkernels = pf->nkernels;
    }
    if (s->cle)
        report->entity_host_docs = gal_cl_entities_host_docs(s->cle);
    gal_cl_pinned_usage(s->pinned, &report->pinned_bytes, &report->pinned_heap_bytes);
    char data[4096];
    struct stat sb;
    snprintf(data, sizeof data, "%s/data.mdb", s->opts->out_dir);
    if (stat(data, &sb) == 0)
        report->index_bytes = (uint64_t)sb.st_size;
}

static void state_release(build_state *s)
{
    if (!s->open)
        return;
    gal_text_dict_free(s->tdict);
    gal_free(s->threads);
    gal_cl_tokenizer_free(s->clt);
    gal_cl_entities_free(s->cle);
    gal_cl_grouper_free(s->clg);
    free_pools(s); /* their arrays may be the pinned memory of the device */
    gal_cl_pinned_free(s->pinned);
    gal_cl_close(s->cl);
    gal_writer_close(s->w);
    gal_queue_release(&s->free_q);
    gal_queue_release(&s->tok_free_q);
    gal_queue_release(&s->read_q);
    gal_queue_release(&s->text_q);
    gal_queue_release(&s->comp_q);
    gal_queue_release(&s->token_q);
    gal_queue_release(&s->enc_q);
    gal_queue_release(&s->enc_free_q);
    pthread_mutex_destroy(&s->err_mu);
    pthread_mutex_destroy(&s->stats_mu);
    pthread_mutex_destroy(&s->common_mu);
    pthread_cond_destroy(&s->common_cv);
    gate_destroy(&s->comp_gate);
    gate_destroy(&s->tok_gate);
    gate_destroy(&s->enc_gate);
    gal_merge_files_release(&s->merge_files);
}

/* The run's report: each index's summed, the reader's and the wall time
 * from the router. */
static void sum_reports(const router *r, gal_build_report *out)
{
    for (unsigned k = 0; k < r->nstates; k++) {
        const gal_build_report *p = r->states[k].report;
        if (k == 0) {
            memcpy(out->device, p->device, sizeof out->device);
            out->replaced_by = p->replaced_by;
        }
        out->docs += p->docs;
        out->raw_bytes += p->raw_bytes;
        out->tokens += p->tokens;
        out->new_terms += p->new_terms;
        out->batches += p->batches;
        out->replaced += p->replaced;
        out->mentions += p->mentions;
        out->index_bytes += p->index_bytes;
        out->index_raw_bytes += p->index_raw_bytes;
        out->index_batches += p->index_batches;
        out->compress_sec += p->compress_sec;
        out->tokenize_sec += p->tokenize_sec;
        out->entities_sec += p->entities_sec;
        out->encode_sec += p->encode_sec;
        out->write_sec += p->write_sec;
        out->commit_sec += p->commit_sec;
        out->update_sec += p->update_sec;
        out->read_sec -= r->states[k].train_sec; /* counted as compressing */
        out->cpu_sec[GAL_STAGE_READ] -= r->states[k].train_cpu_sec;
        for (int st = 0; st < GAL_NSTAGES; st++) {
            out->wait_input[st] += p->wait_input[st];
            out->wait_order[st] += p->wait_order[st];
            out->wait_room[st] += p->wait_room[st];
            out->cpu_sec[st] += p->cpu_sec[st];
        }
        out->h2d_sec += p->h2d_sec;
        out->kernel_sec += p->kernel_sec;
        out->d2h_sec += p->d2h_sec;
        out->h2d_bytes += p->h2d_bytes;
        out->d2h_bytes += p->d2h_bytes;
        out->entity_host_docs += p->entity_host_docs;
        out->pinned_bytes += p->pinned_bytes;
        out->pinned_heap_bytes += p->pinned_heap_bytes;
        for (unsigned i = 0; i < p->nkernels; i++) {
            unsigned j = 0;
            while (j < out->nkernels && strcmp(out->kernels[j].name, p->kernels[i].name))
                j++;
            if (j == out->nkernels) {
                if (j == GAL_CL_MAX_KERNEL_TIMES)
                    continue;
                out->kernels[out->nkernels++] = p->kernels[i];
                continue;
            }
            out->kernels[j].sec += p->kernels[i].sec;
            out->kernels[j].launches += p->kernels[i].launches;
        }
        out->compress_threads += p->compress_threads;
        out->tokenize_threads += p->tokenize_threads;
        out->encode_threads += p->encode_threads;
    }
    out->writers = r->nstates;
    out->read_sec += r->busy;
    out->cpu_sec[GAL_STAGE_READ] += r->cpu_sec + r->rstats.parse_cpu_sec;
    out->files = r->read_files;
    out->skipped = r->rstats.skipped;
    out->seconds = gal_now_sec() - r->start;
}

/* Give each index of the run its options: with --shards, shard k + 1's
 * directory, number and GPU. */
static int plan_indexes(router *r, char (*dirs)[4096])
{
    const gal_build_opts *o = r->opts;
    unsigned n = r->nstates;
    if (n == 1) {
        r->states[0].opts = o;
        r->nhash = o->nshards > 1 ? o->nshards : 1;
    } else {
        if (o->nshards || o->merge || o->replace || n > GAL_MAX_SHARDS_HERE)
            return gal_error_set(GAL_EUSAGE, "--shards builds every shard of one index, at most "
                                             "%d: not with --shard, --replace or a merge",
                                 GAL_MAX_SHARDS_HERE);
        for (unsigned k = 0; k < n; k++) {
            build_state *s = &r->states[k];
            if (gal_shard_dir(o->out_dir, k + 1, n, dirs[k], sizeof *dirs))
                return gal_error_set(GAL_EUSAGE, "the index path '%s' is too long", o->out_dir);
            s->shard_opts = *o;
            s->shard_opts.out_dir = dirs[k];
            s->shard_opts.shard = k + 1;
            s->shard_opts.nshards = n;
            s->shard_opts.all_shards = 0;
            s->shard_opts.device_slot = o->device_slot + k; /* "auto" spreads them over the GPUs */
            s->opts = &s->shard_opts;
        }
        r->nhash = n;
    }
    if (!(r->by_shard = gal_calloc(r->nhash, sizeof *r->by_shard)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    unsigned threads = index_threads(o, n);
    for (unsigned k = 0; k < n; k++)
        r->states[k].thread_budget = threads;
    return 0;
}

/* The run's status: the first index's own failure (which stopped the
 * reader, and so the others), else the reader's, else a final sync's. */
static int run_status(router *r)
{
    build_state *first = NULL;
    for (unsigned k = 0; k < r->nstates; k++) {
        build_state *s = &r->states[k];
        if (s->err_rc && (!first || (first->err_from_reader && !s->err_from_reader)))
            first = s;
    }
    if (first)
        return gal_error_set(first->err_rc, "%s", first->err_detail);
    int rc = 0;
    for (unsigned k = 0; k < r->nstates; k++) {
        build_state *s = &r->states[k];
        int one = s->started ? gal_writer_finish(s->w) : 0;
        if (!rc)
            rc = one;
    }
    if (!rc && r->damaged)
        rc = gal_error_set(GAL_EINPUT, "%" PRIu64 " damaged input%s ('%s'%s, said above): what "
                                       "came before the damage is indexed, and the other inputs",
                           r->damaged, r->damaged > 1 ? "s" : "", r->first_damaged,
                           r->damaged > 1 ? " the first" : "");
    return rc;
}

int gal_index_build(const gal_build_opts *opts, gal_build_report *report)
{
    router r;
    memset(&r, 0, sizeof r);
    memset(report, 0, sizeof *report);
    r.opts = opts;
    r.start = gal_now_sec();
    r.progress = opts->quiet ? 0 : opts->progress >= 0 ? opts->progress : isatty(2);
    pthread_mutex_init(&r.mu, NULL);
    r.nstates = opts->all_shards > 1 ? opts->all_shards : 1;
    char (*dirs)[4096] = NULL;
    pthread_t reader, *writers = NULL; /* writers of the second index on */
    unsigned nwriters = 0;
    int reading = 0;

    int rc;
    if (!(r.states = gal_calloc(r.nstates, sizeof *r.states)) ||
        (r.nstates > 1 && !(dirs = gal_calloc(r.nstates, sizeof *dirs))) ||
        !(writers = gal_calloc(r.nstates, sizeof *writers))) {
        rc = gal_error_set(GAL_ENOMEM, "out of memory");
        goto done;
    }
    for (unsigned k = 0; k < r.nstates; k++)
        state_init(&r.states[k], &r);
    if ((rc = plan_indexes(&r, dirs)))
        goto done;
    if (opts->merge && opts->resume) {
        rc = gal_error_set(GAL_EUSAGE, "a merge cannot be resumed: merge again into a new index");
        goto done;
    }
    if (opts->merge) {
        r.nfiles = opts->ninputs;
        rc = gal_merge_inputs_check(opts->inputs, opts->ninputs, &r.files, &r.total_input,
                                    &r.merge_shards);
    } else {
        rc = gal_input_list(opts->inputs, opts->ninputs, &r.files, &r.nfiles);
    }
    if (rc)
        goto done;
    for (size_t i = 0; i < r.nfiles && !opts->merge; i++) {
        struct stat sb;
        if (strcmp(r.files[i], "-") && stat(r.files[i], &sb) == 0)
            r.total_input += (uint64_t)sb.st_size;
    }
    /* the inputs are all there: now the index may be made */
    if (r.nstates > 1 && mkdir(opts->out_dir, 0777) && errno != EEXIST) {
        rc = gal_error_set(GAL_EIO, "cannot create '%s': %s", opts->out_dir, strerror(errno));
        goto done;
    }
    /* every index opened before any starts: a second one that cannot be
     * opened stops the run before anything is read */
    r.first_input = r.nfiles;
    for (unsigned k = 0; k < r.nstates; k++) {
        build_state *s = &r.states[k];
        if ((rc = state_open(s)))
            goto done;
        if (s->complete)
            continue;
        r.by_shard[r.nhash > 1 ? s->opts->shard - 1 : 0] = s;
        if (s->first_input < r.first_input)
            r.first_input = s->first_input;
    }
    for (unsigned k = 0; k < r.nstates && !rc; k++)
        if (!r.states[k].complete) {
            rc = state_start(&r.states[k]);
            reading = 1;
        }
    if (!rc && reading && pthread_create(&reader, NULL, reader_main, &r) != 0)
        rc = gal_error_set(GAL_ENOMEM, "cannot start the indexing threads");
    if (rc) {
        for (unsigned k = 0; k < r.nstates; k++)
            if (r.states[k].started) {
                state_abort(&r.states[k], rc);
                state_join(&r.states[k]);
            }
        goto done;
    }
    /* the calling thread writes the first index that reads, a thread of its
     * own each further one */
    build_state *mine = NULL;
    for (unsigned k = 0; k < r.nstates; k++) {
        build_state *s = &r.states[k];
        if (!s->started)
            continue;
        if (!mine)
            mine = s;
        else if (pthread_create(&writers[nwriters], NULL, writer_main, s) == 0)
            nwriters++;
        else
            fail(s, gal_error_set(GAL_ENOMEM, "cannot start a writer thread"), 0);
    }
    if (mine)
        write_all(mine);
    for (unsigned i = 0; i < nwriters; i++)
        pthread_join(writers[i], NULL);
    if (reading)
        pthread_join(reader, NULL);
    for (unsigned k = 0; k < r.nstates; k++)
        state_join(&r.states[k]);
    rc = run_status(&r);
done:
    for (unsigned k = 0; r.states && k < r.nstates; k++)
        state_report(&r.states[k]);
    if (r.states)
        sum_reports(&r, report);
    if (r.states && r.states[0].w)
        show_progress(&r, 1);
    for (unsigned k = 0; r.states && k < r.nstates; k++)
        state_release(&r.states[k]);
    gal_free(r.states);
    gal_free(r.by_shard);
    gal_free(dirs);
    gal_free(writers);
    gal_input_list_free(r.files, r.nfiles);
    pthread_mutex_destroy(&r.mu);
    return rc;
}
