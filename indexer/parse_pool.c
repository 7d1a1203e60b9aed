#include "parse_pool.h"

#include <pthread.h>
#include <sys/prctl.h>

#include "alloc.h"
#include "clock.h"
#include "status.h"

typedef struct pool {
    const gal_parse_pool *pp;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a job was queued, or stop */
    pthread_cond_t done_cv; /* a job was parsed */
    int *done;              /* per slot: its job is parsed */
    uint64_t queued;        /* jobs made so far: job k is in slot k % nslots */
    uint64_t taken;         /* of those, taken by a parsing thread */
    int stop;
    double cpu_sec;         /* the parsing threads' CPU seconds, as each leaves */
} pool;

static void *parser_main(void *arg)
{
    pool *p = arg;
    prctl(PR_SET_NAME, "galley-parse"); /* for top -H and perf --comm */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->taken == p->queued)
            pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->stop)
            break;
        unsigned slot = (unsigned)(p->taken++ % p->pp->nslots);
        pthread_mutex_unlock(&p->mu);
        p->pp->parse(p->pp->ctx, slot);
        pthread_mutex_lock(&p->mu);
        p->done[slot] = 1;
        pthread_cond_broadcast(&p->done_cv);
    }
    p->cpu_sec += gal_thread_cpu_sec();
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Make jobs while a slot is free and the input lasts; hand over the
 * oldest once it is parsed. */
static int run_jobs(pool *p)
{
    const gal_parse_pool *pp = p->pp;
    uint64_t handed = 0;
    int at_end = 0;
    for (;;) {
        if (!at_end && p->queued - handed < pp->nslots) {
            unsigned slot = (unsigned)(p->queued % pp->nslots);
            int made = 0;
            int rc = pp->make(pp->ctx, p->queued, slot, &made, &at_end);
            if (rc)
                return rc;
            if (!made)
                continue;
            pthread_mutex_lock(&p->mu);
            p->done[slot] = 0;
            p->queued++;
            pthread_cond_signal(&p->work_cv);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        if (handed == p->queued)
            return 0;
        unsigned slot = (unsigned)(handed % pp->nslots);
        pthread_mutex_lock(&p->mu);
        while (!p->done[slot])
            pthread_cond_wait(&p->done_cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        int rc = pp->hand_over(pp->ctx, slot);
        if (rc)
            return rc;
        handed++;
    }
}

int gal_parse_pool_run(const gal_parse_pool *pp, unsigned nthreads, uint64_t made,
                       const char *name, double *cpu_sec)
{
    pool p = {.pp = pp, .queued = made};
    pthread_t *threads = gal_calloc(nthreads, sizeof *threads);
    if (!(p.done = gal_calloc(pp->nslots, sizeof *p.done)) || !threads) {
        gal_free(threads);
        gal_free(p.done);
        return gal_error_set(GAL_ENOMEM, "%s: out of memory reading", name);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work_cv, NULL);
    pthread_cond_init(&p.done_cv, NULL);
    unsigned started = 0;
    while (started < nthreads && pthread_create(&threads[started], NULL, parser_main, &p) == 0)
        started++;
    int rc = started ? run_jobs(&p)
                     : gal_error_set(GAL_ENOMEM, "%s: cannot start a thread to parse", name);
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.work_cv);
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    *cpu_sec += p.cpu_sec;
    pthread_cond_destroy(&p.done_cv);
    pthread_cond_destroy(&p.work_cv);
    pthread_mutex_destroy(&p.mu);
    gal_free(threads);
    gal_free(p.done);
    return rc;
}
