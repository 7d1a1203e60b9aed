/*
 * reader_jsonl_parallel.c — JSON Lines parsed on several threads, handed
 * over in input order on the reader's.
 *
 * A build has one reader thread, and on a machine with many cores it can
 * set the pace (bench/README.md: the H200 machine's builds with --shards);
 * reading and parsing are most of what it does for JSON Lines, and lines
 * parse apart.  The work comes in jobs of whole lines, which parsing
 * threads turn into parsed records (gal_jsonl_parse_line) and the reader's
 * thread hands over job after job, line numbers and offsets made whole:
 * the documents, warnings, counts and a strict run's error are the ones
 * gal_read_jsonl() gives, in the same order.
 *
 * A plain file larger than a job is read by the parsing threads
 * themselves, each at its own offsets (pread): job k holds the lines that
 * start in bytes [k B, (k + 1) B), B the block, its last line read on to
 * its '\n', so no thread needs another's bytes to know where its lines
 * are, and the reader's thread reads nothing.  Anything else (gzip, zstd,
 * a pipe) is one stream: the reader's thread cuts it into jobs, reading
 * straight into each job's buffer as gal_rd_fill() would (blocks of
 * GAL_RD_BLOCK at most, so a stream that fails fails after the same bytes).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "parse_pool.h"
#include "reader_formats.h"
#include "status.h"

/* A line of a job that is not blank. */
typedef struct parsed_line {
    gal_jsonl_line l;
    size_t at, len;  /* the line in the job's text, without its '\n' */
    size_t end;      /* just past the '\n' (or the line, at the stream's end) */
    uint64_t line;   /* 1-based within the job */
    int kind;        /* GAL_JSONL_RECORD, _MALFORMED or _OOM */
} parsed_line;

typedef struct job {
    gal_buf text;        /* whole lines; only the stream's last may lack its '\n' */
    uint64_t offset;     /* stream offset of text.data[0] */
    uint64_t from, to;   /* a plain file read at offsets: the lines starting here */
    int read_errno;      /* that read failed (errno), at read_at */
    uint64_t read_at;
    uint64_t read_end;   /* a plain file: the offset its reads reached */
    gal_buf scratch;     /* the strings with escapes, decoded */
    gal_buf keybuf;
    parsed_line *lines;
    size_t n, cap;
    uint64_t nlines;     /* lines in text, blank ones too */
    uint64_t oom_line;   /* no room to keep line oom_line (of oom_len bytes): */
    size_t oom_len;      /* the lines before it are kept; 0 when all are */
    int cut_long;        /* text ends inside a line longer than a record may be,
                          * whose rest was not read */
} job;

/* What the jobs of one file share. */
typedef struct jobs {
    gal_rd_src *r;
    job *v;
    unsigned n;
    size_t block;
    size_t max;          /* the longest line kept (gal_rd_max_record) */
    int fd;              /* >= 0: a plain file, which the jobs read at offsets */
    uint64_t size;       /* its size, as last looked at */
    uint64_t line_base;  /* lines handed over so far */
    int read_rc;         /* the stream's read failed: after the jobs made */
} jobs;

static int keep_line(job *j, const parsed_line *p)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 4096;
        parsed_line *l = gal_realloc(j->lines, cap * sizeof *l);
        if (!l)
            return -1;
        j->lines = l;
        j->cap = cap;
    }
    j->lines[j->n++] = *p;
    return 0;
}

/* Parse every line of j, as gal_read_jsonl() cuts and parses them; a line
 * longer than max is not parsed (GAL_JSONL_TOO_LONG). */
static void parse_job(job *j, size_t max)
{
    const uint8_t *d = j->text.data;
    size_t n = j->text.len, at = 0;
    j->n = 0;
    j->nlines = 0;
    j->oom_line = 0;
    gal_buf_clear(&j->scratch);
    while (at < n) {
        const uint8_t *nl = memchr(d + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (d + at)) : n - at;
        size_t end = at + len + (nl != NULL);
        j->nlines++;
        size_t start = 0;
        if (j->offset + at == 0 && len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
            start = 3; /* UTF-8 byte order mark */
        parsed_line p = {.at = at, .len = len, .end = end, .line = j->nlines};
        if (len > max || (!nl && j->cut_long))
            p.kind = GAL_JSONL_TOO_LONG;
        else
            p.kind = gal_jsonl_parse_line(d + at, len, start, &j->scratch, &j->keybuf, &p.l);
        if (p.kind != GAL_JSONL_BLANK && keep_line(j, &p)) {
            j->oom_line = j->nlines;
            j->oom_len = len;
            return;
        }
        at = end;
    }
}

/* Append up to n bytes of fd from offset at to j->text: fewer only at the
 * end of the file.  0, or -1 with j->read_errno set (ENOMEM: no room). */
static int pread_append(int fd, job *j, uint64_t at, size_t n)
{
    if (gal_buf_reserve(&j->text, n)) {
        j->read_errno = ENOMEM;
        j->read_at = at;
        return -1;
    }
    while (n > 0) {
        ssize_t got = pread(fd, j->text.data + j->text.len, n, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            j->read_errno = errno;
            j->read_at = at;
            return -1;
        }
        if (got == 0)
            break;
        j->text.len += (size_t)got;
        at += (uint64_t)got;
        n -= (size_t)got;
    }
    return 0;
}

/* Read into j the lines of fd that start in [j->from, j->to): a line starts
 * at offset 0 or after a '\n', so the byte before `from` is read too, and
 * the last line on past `to` to its '\n' (or the end of the file), or until
 * it is longer than max (j->cut_long). */
static void read_range(int fd, job *j, size_t max)
{
    uint64_t at = j->from ? j->from - 1 : 0;
    gal_buf_clear(&j->text);
    j->read_errno = 0;
    j->cut_long = 0;
    if (pread_append(fd, j, at, (size_t)(j->to - at)))
        return;
    j->read_end = at + j->text.len;
    size_t first = 0, len = j->text.len;
    if (j->from) {
        const uint8_t *nl = memchr(j->text.data, '\n', len);
        first = nl ? (size_t)(nl - j->text.data) + 1 : len;
    }
    if (at + first >= j->to) { /* inside one line begun in an earlier job */
        j->text.len = 0;
        j->offset = j->to;
        return;
    }
    /* read on while the range ends inside a line and the file goes on */
    size_t step = 1 << 16, line_start = first;
    for (size_t k = len; k > first; k--)
        if (j->text.data[k - 1] == '\n') {
            line_start = k;
            break;
        }
    while (len == j->to - at && j->text.data[j->text.len - 1] != '\n') {
        size_t was = j->text.len;
        if (was - line_start > max) { /* the rest is the next jobs' to pass over */
            j->cut_long = 1;
            break;
        }
        if (pread_append(fd, j, at + was, step))
            return;
        j->read_end = at + j->text.len;
        const uint8_t *nl = memchr(j->text.data + was, '\n', j->text.len - was);
        if (nl) {
            j->text.len = (size_t)(nl - j->text.data) + 1;
            break;
        }
        if (j->text.len < was + step)
            break; /* the end of the file */
        if (step < ((size_t)1 << 26))
            step *= 2;
    }
    memmove(j->text.data, j->text.data + first, j->text.len - first);
    j->text.len -= first;
    j->offset = at + first;
}

/* A parsing thread: read the job's range of a plain file, then parse it. */
static void parse_slot(void *ctx, unsigned slot)
{
    jobs *js = ctx;
    job *j = &js->v[slot];
    if (js->fd >= 0)
        read_range(js->fd, j, js->max);
    if (!j->read_errno)
        parse_job(j, js->max);
}

/* Fill j with whole lines of the stream: the bytes r holds unconsumed, then
 * the stream's next ones until there are block bytes and a '\n' among them,
 * or the stream ends; the part of a line after the last '\n' goes back to r
 * for the next job.  A line longer than max with no '\n' before it is all j
 * gets: its first bytes (j->cut_long), the rest passed over unkept.  A
 * failed read leaves j the whole lines read before it, as gal_read_jsonl()
 * would hand them over, and its status in *read_rc.  Returns GAL_ENOMEM or
 * 0 (an empty j: the stream has ended). */
static int fill_job(gal_rd_src *r, job *j, size_t block, size_t max, int *read_rc)
{
    size_t step = block < GAL_RD_BLOCK ? block : GAL_RD_BLOCK;
    gal_buf_clear(&j->text);
    j->cut_long = 0;
    j->offset = gal_rd_offset(r);
    if (gal_buf_append(&j->text, gal_rd_data(r), gal_rd_avail(r)))
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
    r->base += r->buf.len;
    r->buf.len = r->pos = 0;
    size_t searched = 0; /* bytes of text known to hold no '\n' */
    int whole = 0;       /* text holds a '\n' */
    while (!r->eof) {
        if (j->text.len >= block || j->text.len > max) {
            if (!whole && !(whole = memchr(j->text.data + searched, '\n',
                                           j->text.len - searched) != NULL))
                searched = j->text.len; /* a line longer than a block: read on */
            if (whole && j->text.len >= block)
                break;
            if (!whole && j->text.len > max) {
                uint64_t ends = 0;
                int rc;
                j->cut_long = 1;
                r->base = j->offset + j->text.len; /* r holds nothing */
                if ((rc = gal_rd_skip_line(r, &ends)))
                    *read_rc = rc;
                return 0;
            }
        }
        if (gal_buf_reserve(&j->text, step))
            return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
        size_t got = 0;
        int rc = gal_istream_read(r->in, j->text.data + j->text.len, step, &got);
        if (rc) {
            *read_rc = rc;
            break;
        }
        j->text.len += got;
        if (got < step)
            r->eof = 1;
    }
    size_t cut = j->text.len; /* at the stream's end its last line may lack a '\n' */
    if (!r->eof || *read_rc)
        while (cut > 0 && j->text.data[cut - 1] != '\n')
            cut--;
    if (!*read_rc && gal_buf_append(&r->buf, j->text.data + cut, j->text.len - cut))
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
    r->base = j->offset + cut; /* where r's bytes, the rest of that line, start */
    j->text.len = cut;
    return 0;
}

/* The stream has ended and fill_job has taken all it held (after a long
 * line passed over, r may hold the lines after it with the stream ended). */
static int stream_done(const gal_rd_src *r) { return r->eof && gal_rd_avail(r) == 0; }

/* Hand over j's documents (and report its malformed lines), its first line
 * being line first_line + 1 of the stream. */
static int hand_over_job(gal_rd_src *r, const job *j, uint64_t first_line)
{
    if (j->read_errno == ENOMEM)
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
    if (j->read_errno)
        return gal_error_set(GAL_EIO, "%s: read failed at offset %llu: %s", r->name,
                             (unsigned long long)j->read_at, strerror(j->read_errno));
    /* a job inside one long line holds no text, but its range was read */
    if (r->read_around && j->read_end > r->around_bytes)
        r->around_bytes = j->read_end;
    for (size_t i = 0; i < j->n; i++) {
        const parsed_line *p = &j->lines[i];
        int rc = gal_jsonl_hand_over(r, p->kind, &p->l, j->text.data + p->at, p->len,
                                     &j->scratch, first_line + p->line, j->offset + p->end);
        if (rc)
            return rc;
    }
    if (j->oom_line)
        return gal_error_set(GAL_ENOMEM, "%s:%llu: out of memory parsing a %zu-byte line",
                             r->name, (unsigned long long)(first_line + j->oom_line), j->oom_len);
    return 0;
}

static void job_release(job *j)
{
    gal_buf_release(&j->text);
    gal_buf_release(&j->scratch);
    gal_buf_release(&j->keybuf);
    gal_free(j->lines);
}

/* Make job k in its slot: the next range of a plain file (its size looked
 * at again once passed, in case it grew), or the stream's next lines. */
static int make_job(void *ctx, uint64_t k, unsigned slot, int *made, int *at_end)
{
    jobs *js = ctx;
    job *j = &js->v[slot];
    if (js->fd < 0) {
        int rc = fill_job(js->r, j, js->block, js->max, &js->read_rc);
        *at_end = rc || stream_done(js->r) || js->read_rc;
        *made = !rc && j->text.len > 0;
        return rc;
    }
    uint64_t from = k * (uint64_t)js->block;
    if (from >= js->size &&
        (gal_istream_plain_file(js->r->in, &js->size) < 0 || from >= js->size)) {
        *at_end = 1;
        *made = 0;
        return 0;
    }
    j->from = from;
    j->to = from + js->block;
    *made = 1;
    return 0;
}

static int hand_over_slot(void *ctx, unsigned slot)
{
    jobs *js = ctx;
    const job *j = &js->v[slot];
    int rc = hand_over_job(js->r, j, js->line_base);
    js->line_base += j->nlines;
    return rc;
}

int gal_read_jsonl_parallel(gal_rd_src *r, unsigned nthreads)
{
    jobs js = {.r = r, .n = 2 * nthreads + 1}; /* one parsing per thread, as many ready */
    js.block = gal_rd_parse_block(r);
    js.max = gal_rd_max_record(r);
    if (!(js.v = gal_calloc(js.n, sizeof *js.v)))
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", r->name);
    gal_parse_pool pp = {.ctx = &js, .nslots = js.n, .make = make_job, .parse = parse_slot,
                         .hand_over = hand_over_slot};
    double *cpu = &r->stats->parse_cpu_sec;
    int rc = 0;
    js.fd = gal_rd_offset(r) == 0 ? gal_istream_plain_file(r->in, &js.size) : -1;
    if (js.fd >= 0 && js.size > js.block) {
        r->read_around = 1;
        rc = gal_parse_pool_run(&pp, nthreads, 0, r->name, cpu);
    } else {
        /* one stream; a file of one job is parsed here: no threads for a
         * small file */
        js.fd = -1;
        rc = fill_job(r, &js.v[0], js.block, js.max, &js.read_rc);
        if (!rc && (stream_done(r) || js.read_rc)) {
            parse_job(&js.v[0], js.max);
            rc = hand_over_slot(&js, 0);
        } else if (!rc) {
            rc = gal_parse_pool_run(&pp, nthreads, 1, r->name, cpu); /* job 0, filled above */
        }
    }
    for (unsigned i = 0; i < js.n; i++)
        job_release(&js.v[i]);
    gal_free(js.v);
    return rc ? rc : js.read_rc;
}
