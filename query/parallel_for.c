#include "parallel_for.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_HELPERS 63

typedef struct loop {
    size_t n;
    void (*fn)(void *arg, size_t i);
    void *arg;
    atomic_size_t next;    /* the next item to take */
    size_t helpers_wanted; /* how many helpers may join it */
} loop;

/* The helpers, and the loop they may join: all under mu. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* helpers wait here for a loop */
    pthread_cond_t left; /* the caller waits here for the helpers inside its loop */
    size_t started;      /* helper threads running */
    int in_use;          /* a caller's loop owns the helpers */
    loop *current;       /* the loop that may be joined, or NULL */
    unsigned long gen;   /* loops offered so far: a helper joins each once */
    size_t joined;       /* helpers that joined current */
    size_t inside;       /* helpers taking current's items */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          0, 0, NULL, 0, 0, 0};

static void take_items(loop *l)
{
    for (size_t i; (i = atomic_fetch_add(&l->next, 1)) < l->n;)
        l->fn(l->arg, i);
}

static void *helper(void *unused)
{
    (void)unused;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.current || pool.gen == seen || pool.joined >= pool.current->helpers_wanted)
            pthread_cond_wait(&pool.wake, &pool.mu);
        loop *l = pool.current;
        seen = pool.gen;
        pool.joined++;
        pool.inside++;
        pthread_mutex_unlock(&pool.mu);
        take_items(l);
        pthread_mutex_lock(&pool.mu);
        if (--pool.inside == 0)
            pthread_cond_signal(&pool.left);
    }
    return NULL;
}

/* Offer l to the helpers, starting those still missing; 0 when they are
 * another caller's (l then runs on this thread alone). */
static int offer(loop *l, size_t helpers)
{
    pthread_mutex_lock(&pool.mu);
    if (pool.in_use) {
        pthread_mutex_unlock(&pool.mu);
        return 0;
    }
    pool.in_use = 1;
    pthread_attr_t attr;
    int attr_ok = !pthread_attr_init(&attr) &&
                  !pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (attr_ok && pool.started < helpers) {
        pthread_t t;
        if (pthread_create(&t, &attr, helper, NULL))
            break; /* fewer helpers: the items wait a little longer */
        pool.started++;
    }
    if (attr_ok)
        pthread_attr_destroy(&attr);
    l->helpers_wanted = helpers < pool.started ? helpers : pool.started;
    pool.current = l;
    pool.gen++;
    pool.joined = 0;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    return 1;
}

void gal_parallel_for(size_t n, size_t nthreads, void (*fn)(void *arg, size_t i), void *arg)
{
    loop l = {n, fn, arg, 0, 0};
    if (!nthreads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = cores > 0 ? (size_t)cores : 1;
    }
    if (nthreads > n)
        nthreads = n;
    if (nthreads > MAX_HELPERS + 1)
        nthreads = MAX_HELPERS + 1;
    int shared = nthreads > 1 && offer(&l, nthreads - 1);
    take_items(&l);
    if (!shared)
        return;
    pthread_mutex_lock(&pool.mu);
    pool.current = NULL; /* no helper joins from here on */
    while (pool.inside)
        pthread_cond_wait(&pool.left, &pool.mu);
    pool.in_use = 0;
    pthread_mutex_unlock(&pool.mu);
}
