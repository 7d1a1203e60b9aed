/*
 * reader_records.c — formats whose records are framed and then parsed
 * apart (TREC, WARC), read on the calling thread or with their records
 * parsed on several threads and handed over in input order.
 *
 * Framing a record is cheap: find where it ends (TREC's </DOC>, WARC's
 * Content-Length).  Parsing it is most of a reader's work: fields found
 * and their entities decoded, and for WARC, chunked transfer and content
 * coding undone, charsets converted, the text taken out of HTML
 * (bench/README.md: on generated news as web pages, the reader thread was
 * busy for half of a build's wall time).  So the reader's thread frames
 * records one after another, copying each whole into a job; parsing
 * threads parse a job's records; and the reader's thread hands their
 * documents over job after job.  Damaged records found in framing wait in
 * their job for their turn, so the documents, warnings, counts and a
 * strict run's error are the ones one thread gives, in the same order.
 */
#include <string.h>

#include "alloc.h"
#include "parse_pool.h"
#include "reader_formats.h"
#include "status.h"

void gal_rec_scratch_init(gal_rec_scratch *s)
{
    gal_buf_init(&s->out[0]);
    gal_buf_init(&s->out[1]);
    gal_buf_init(&s->body);
    gal_buf_init(&s->utf8);
    gal_charset_conv_init(&s->conv);
}

void gal_rec_scratch_release(gal_rec_scratch *s)
{
    gal_buf_release(&s->out[0]);
    gal_buf_release(&s->out[1]);
    gal_buf_release(&s->body);
    gal_buf_release(&s->utf8);
    gal_charset_conv_release(&s->conv);
}

int gal_rec_hand_over(gal_rd_src *r, int kind, const gal_rec_doc *d, const uint8_t *rec,
                      const gal_rec_scratch *s, const char *why, uint64_t line,
                      uint64_t end_offset)
{
    if (kind == GAL_REC_MALFORMED)
        return gal_rd_malformed(r, line, "%s", why);
    if (kind != GAL_REC_DOC)
        return kind == GAL_REC_NONE ? 0 : kind;
    return gal_rec_emit(r, d, rec, &s->out[0], &s->out[1], line, end_offset);
}

/* On one thread a damaged record is reported as it is framed. */
static int report_now(void *r, uint64_t line, const char *msg)
{
    return gal_rd_malformed(r, line, "%s", msg);
}

/* One thread: frame, parse and hand over each record in turn. */
static int read_here(gal_rd_src *r, const gal_rec_format *f)
{
    gal_rec_scratch s;
    gal_rec_scratch_init(&s);
    uint64_t line = 1, rec_line;
    size_t aux, total;
    int rc;
    while ((rc = f->next(r, &line, report_now, r, &aux, &total, &rec_line)) == 1) {
        gal_rec_doc d;
        const char *why = NULL;
        gal_buf_clear(&s.out[0]);
        gal_buf_clear(&s.out[1]);
        int kind = f->parse(gal_rd_data(r), aux, total, &s, &d, &why);
        rc = gal_rec_hand_over(r, kind, &d, gal_rd_data(r), &s, why, rec_line,
                               gal_rd_offset(r) + total);
        gal_rd_consume(r, total, &line);
        if (rc)
            break;
    }
    gal_rec_scratch_release(&s);
    return rc;
}

enum { ENTRY_RECORD, ENTRY_DAMAGED };

/* A record of a job, or a damaged one passed over in framing it. */
typedef struct entry {
    int what;               /* ENTRY_RECORD or ENTRY_DAMAGED */
    uint64_t line;          /* the record's first line */
    uint64_t end_offset;    /* a record: the stream offset just past it */
    size_t at, aux, total;  /* a record: its bytes in the job's text, the format's number */
    size_t msg;             /* damaged: its message's offset in the job's msgs */
    int kind;               /* a record, parsed: a GAL_REC_ kind or a status */
    gal_rec_doc doc;
    const char *why;
} entry;

typedef struct job {
    gal_buf text;  /* whole records, one after another */
    gal_buf msgs;  /* damaged records' messages, each ending in a NUL */
    entry *e;
    size_t n, cap;
    gal_rec_scratch s;
} job;

/* What the jobs of one file share. */
typedef struct jobs {
    gal_rd_src *r;
    const gal_rec_format *f;
    job *v;
    unsigned n;
    size_t block;
    uint64_t line;  /* the line framing has reached */
    int stopped;    /* framing passed a damaged record in a strict run: no more jobs */
    int read_rc;    /* the stream's status where framing stopped, after the jobs made */
} jobs;

static entry *new_entry(job *j)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 256;
        entry *e = gal_realloc(j->e, cap * sizeof *e);
        if (!e)
            return NULL;
        j->e = e;
        j->cap = cap;
    }
    entry *e = &j->e[j->n++];
    memset(e, 0, sizeof *e);
    return e;
}

typedef struct framing {
    jobs *js;
    job *j;
} framing;

/* A damaged record, kept for its turn.  A strict run stops framing there:
 * its error ends the read when the record is handed over. */
static int keep_damaged(void *ctx, uint64_t line, const char *msg)
{
    framing *f = ctx;
    size_t at = f->j->msgs.len;
    entry *e = new_entry(f->j);
    if (!e || gal_buf_append(&f->j->msgs, msg, strlen(msg) + 1))
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", f->js->r->name);
    e->what = ENTRY_DAMAGED;
    e->line = line;
    e->msg = at;
    if (!f->js->r->opts->strict)
        return 0;
    f->js->stopped = 1;
    return GAL_EINPUT;
}

/* Make the next job in its slot: records framed until it holds a block's
 * bytes or the stream ends. */
static int make_job(void *ctx, uint64_t k, unsigned slot, int *made, int *at_end)
{
    (void)k;
    jobs *js = ctx;
    gal_rd_src *r = js->r;
    job *j = &js->v[slot];
    framing fr = {js, j};
    gal_buf_clear(&j->text);
    gal_buf_clear(&j->msgs);
    gal_buf_clear(&j->s.out[0]);
    gal_buf_clear(&j->s.out[1]);
    j->n = 0;
    int rc = 0;
    *at_end = 0;
    while (j->text.len < js->block) {
        size_t aux, total;
        uint64_t line;
        rc = js->f->next(r, &js->line, keep_damaged, &fr, &aux, &total, &line);
        if (rc != 1) {
            *at_end = 1;
            break;
        }
        entry *e = new_entry(j);
        if (!e || gal_buf_append(&j->text, gal_rd_data(r), total)) {
            rc = gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
            break;
        }
        *e = (entry){.what = ENTRY_RECORD, .line = line, .end_offset = gal_rd_offset(r) + total,
                     .at = j->text.len - total, .aux = aux, .total = total};
        gal_rd_consume(r, total, &js->line);
        rc = 0;
    }
    *made = j->n > 0;
    if (rc == GAL_ENOMEM)
        return rc;
    if (rc < 0 && !(rc == GAL_EINPUT && js->stopped))
        js->read_rc = rc; /* reported after the records read before it */
    return 0;
}

static void parse_slot(void *ctx, unsigned slot)
{
    jobs *js = ctx;
    job *j = &js->v[slot];
    for (size_t i = 0; i < j->n; i++) {
        entry *e = &j->e[i];
        if (e->what == ENTRY_RECORD)
            e->kind = js->f->parse(j->text.data + e->at, e->aux, e->total, &j->s, &e->doc,
                                   &e->why);
    }
}

static int hand_over_slot(void *ctx, unsigned slot)
{
    jobs *js = ctx;
    const job *j = &js->v[slot];
    for (size_t i = 0; i < j->n; i++) {
        const entry *e = &j->e[i];
        int rc = e->what == ENTRY_DAMAGED
                     ? gal_rd_malformed(js->r, e->line, "%s", (const char *)j->msgs.data + e->msg)
                     : gal_rec_hand_over(js->r, e->kind, &e->doc, j->text.data + e->at, &j->s,
                                         e->why, e->line, e->end_offset);
        if (rc)
            return rc;
    }
    return 0;
}

int gal_read_records(gal_rd_src *r, const gal_rec_format *f, unsigned nthreads)
{
    if (nthreads <= 1)
        return read_here(r, f);
    jobs js = {.r = r, .f = f, .n = 2 * nthreads + 1, .line = 1}; /* one parsing per thread, as many ready */
    js.block = gal_rd_parse_block(r);
    if (!(js.v = gal_calloc(js.n, sizeof *js.v)))
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
    for (unsigned i = 0; i < js.n; i++)
        gal_rec_scratch_init(&js.v[i].s);
    gal_parse_pool pp = {.ctx = &js, .nslots = js.n, .make = make_job, .parse = parse_slot,
                         .hand_over = hand_over_slot};
    int made = 0, at_end = 0;
    int rc = make_job(&js, 0, 0, &made, &at_end);
    if (!rc && made && at_end) { /* one job: parsed here, no threads for a small file */
        parse_slot(&js, 0);
        rc = hand_over_slot(&js, 0);
    } else if (!rc && made) {
        rc = gal_parse_pool_run(&pp, nthreads, 1, r->name, &r->stats->parse_cpu_sec);
    }
    for (unsigned i = 0; i < js.n; i++) {
        gal_buf_release(&js.v[i].text);
        gal_buf_release(&js.v[i].msgs);
        gal_free(js.v[i].e);
        gal_rec_scratch_release(&js.v[i].s);
    }
    gal_free(js.v);
    return rc ? rc : js.read_rc;
}
