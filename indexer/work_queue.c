#include "work_queue.h"

#include "clock.h"

void gal_queue_init(gal_queue *q)
{
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->head = q->n = 0;
    q->closed = 0;
    q->wait_sec = 0;
}

void gal_queue_release(gal_queue *q)
{
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

int gal_queue_push(gal_queue *q, void *p)
{
    pthread_mutex_lock(&q->mu);
    while (q->n == GAL_QUEUE_CAP && !q->closed)
        pthread_cond_wait(&q->cv, &q->mu);
    int rc = -1;
    if (!q->closed) {
        q->items[(q->head + q->n) % GAL_QUEUE_CAP] = p;
        q->n++;
        rc = 0;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void *gal_queue_pop(gal_queue *q)
{
    pthread_mutex_lock(&q->mu);
    double t0 = gal_now_sec();
    while (q->n == 0 && !q->closed)
        pthread_cond_wait(&q->cv, &q->mu);
    q->wait_sec += gal_now_sec() - t0;
    void *p = NULL;
    if (q->n) {
        p = q->items[q->head];
        q->head = (q->head + 1) % GAL_QUEUE_CAP;
        q->n--;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return p;
}

void gal_queue_close(gal_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}
