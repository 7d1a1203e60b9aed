/*
 * test_parallel_for.c — gal_parallel_for (query/parallel_for.h): every item
 * runs once, whatever the thread count, loop after loop on the same
 * helpers, and two callers at once (the second runs its loop alone) both
 * finish every item.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "parallel_for.h"

enum { MAX_ITEMS = 200 };

typedef struct counts {
    atomic_int calls[MAX_ITEMS];
    atomic_long spin; /* work, so that the helpers get a share */
} counts;

static void count_item(void *arg, size_t i)
{
    counts *c = arg;
    atomic_fetch_add(&c->calls[i], 1);
    for (int k = 0; k < 2000; k++)
        atomic_fetch_add_explicit(&c->spin, 1, memory_order_relaxed);
}

/* A loop of n items on nthreads: each called exactly once. */
static void one_loop(size_t n, size_t nthreads)
{
    static counts c;
    for (size_t i = 0; i < MAX_ITEMS; i++)
        atomic_store(&c.calls[i], 0);
    gal_parallel_for(n, nthreads, count_item, &c);
    int once = 1;
    for (size_t i = 0; i < MAX_ITEMS; i++)
        once &= atomic_load(&c.calls[i]) == (i < n ? 1 : 0);
    if (!once)
        fprintf(stderr, "a loop of %zu items on %zu threads: not every item once\n", n, nthreads);
    CHECK(once);
}

typedef struct caller {
    counts c;
    size_t loops;
} caller;

static void *call_loops(void *arg)
{
    caller *k = arg;
    for (size_t l = 0; l < k->loops; l++)
        gal_parallel_for(50, 4, count_item, &k->c);
    return NULL;
}

int main(void)
{
    static const size_t items[] = {0, 1, 2, 3, 7, 64, MAX_ITEMS};
    static const size_t threads[] = {0, 1, 2, 3, 8, 64, 500};
    for (size_t a = 0; a < sizeof items / sizeof *items; a++)
        for (size_t b = 0; b < sizeof threads / sizeof *threads; b++)
            one_loop(items[a], threads[b]);
    for (int l = 0; l < 300; l++) /* loop after loop: helpers leave one and join the next */
        one_loop(1 + (size_t)l % 9, 4);

    /* two callers at once: whichever finds the helpers busy runs alone */
    static caller k[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        k[i].loops = 200;
        CHECK(pthread_create(&t[i], NULL, call_loops, &k[i]) == 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < MAX_ITEMS; j++)
            CHECK(atomic_load(&k[i].c.calls[j]) == (j < 50 ? 200 : 0));
    return check_exit("test_parallel_for");
}
