/*
 * read_bench.c — the reader alone (stage 1 without the batch layout), on
 * one thread and on several, for what a whole build on a few cores cannot
 * show: on the machine that builds at GB/s the reader thread sets the
 * pace, and parsing is most of its work (JSON Lines; WARC, HTML pages).
 *
 *   read_bench FILE [THREADS [RUNS]]
 *
 * reads FILE RUNS times (5 by default) through gal_read_file() with the
 * records parsed on THREADS threads (1 by default: on the calling thread,
 * as before parsing threads existed), the file's pages already cached by a
 * first unmeasured read, and prints the fastest and the median run in MB/s
 * of decompressed input, the CPU seconds of the fastest (the process's, and
 * the calling thread's: in a build, the reader thread's, which on a machine
 * of many cores can set the pace) and a CRC of every document's fields,
 * line and end offset: any THREADS must print the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "crc32c.h"
#include "reader.h"
#include "status.h"

typedef struct tally {
    uint32_t crc;
    uint64_t docs;
} tally;

static void add(tally *t, const void *p, size_t n)
{
    uint64_t len = n;
    t->crc = gal_crc32c(t->crc, &len, sizeof len);
    if (n)
        t->crc = gal_crc32c(t->crc, p, n);
}

static int on_doc(void *ctx, const gal_doc *d)
{
    tally *t = ctx;
    add(t, d->id, d->id_len);
    add(t, d->title, d->title_len);
    add(t, d->text, d->text_len);
    add(t, d->date, d->date_len);
    add(t, d->url, d->url_len);
    add(t, &d->line, sizeof d->line);
    add(t, &d->end_offset, sizeof d->end_offset);
    t->docs++;
    return 0;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double process_cpu_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: read_bench FILE [THREADS [RUNS]]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 1, runs = argc > 3 ? atoi(argv[3]) : 5;
    if (threads < 1 || threads > 64 || runs < 1 || runs > 1000) {
        fprintf(stderr, "read_bench: THREADS must be 1 to 64, RUNS 1 to 1000\n");
        return 2;
    }
    gal_read_opts opts = {.format = GAL_FORMAT_AUTO, .quiet = 1, .parse_threads = (unsigned)threads};
    double *wall = calloc((size_t)runs, sizeof *wall), *cpu = calloc((size_t)runs, sizeof *cpu);
    double *own = calloc((size_t)runs, sizeof *own);
    tally first = {0, 0};
    gal_read_stats st;
    int best = 0;
    for (int r = -1; r < runs; r++) { /* run -1 warms the page cache */
        tally t = {0, 0};
        memset(&st, 0, sizeof st);
        double t0 = gal_now_sec(), c0 = process_cpu_sec(), o0 = gal_thread_cpu_sec();
        int rc = gal_read_file(argv[1], &opts, on_doc, &t, &st);
        double w = gal_now_sec() - t0, c = process_cpu_sec() - c0, o = gal_thread_cpu_sec() - o0;
        if (rc) {
            fprintf(stderr, "read_bench: %s\n", gal_error_detail(rc));
            return 1;
        }
        if (r < 0) {
            first = t;
            continue;
        }
        if (t.crc != first.crc || t.docs != first.docs) {
            fprintf(stderr, "read_bench: run %d read other documents than the first\n", r + 1);
            return 1;
        }
        wall[r] = w;
        cpu[r] = c;
        own[r] = o;
        if (w < wall[best])
            best = r;
    }
    double fastest = wall[best], fastest_cpu = cpu[best], fastest_own = own[best];
    qsort(wall, (size_t)runs, sizeof *wall, by_double);
    double mb = (double)st.raw_bytes / 1e6;
    printf("%llu documents, %.1f MB decompressed (%.1f MB of file), %d parsing thread%s\n",
           (unsigned long long)first.docs, mb, (double)st.input_bytes / 1e6, threads,
           threads == 1 ? " (the caller)" : "s");
    printf("reader, %d runs: fastest %.1f ms (%.0f MB/s; CPU %.2f s, %.2f s of it the calling "
           "thread's), median %.1f ms; documents crc %08x\n",
           runs, fastest * 1e3, mb / fastest, fastest_cpu, fastest_own, wall[runs / 2] * 1e3,
           first.crc);
    free(own);
    free(wall);
    free(cpu);
    return 0;
}
