/*
 * work_queue.h — a bounded queue of pointers between pipeline threads.
 *
 * `galley index` runs four stages (read → tokenize → encode → write) on
 * their threads, and batches travel between them through these queues.  A queue
 * can be closed: then pops return what is left and after that NULL, and
 * pushes fail, so that an error in any stage stops the others.
 */
#ifndef GAL_WORK_QUEUE_H
#define GAL_WORK_QUEUE_H

#include <pthread.h>
#include <stddef.h>

/* More than a pool of batches, token sets or encoded batches ever holds
 * (index_build.c checks), so a push into a pool's free queue never waits. */
#define GAL_QUEUE_CAP 128

typedef struct gal_queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void *items[GAL_QUEUE_CAP];
    size_t head, n;
    int closed;
    double wait_sec; /* time poppers spent waiting for an item */
} gal_queue;

void gal_queue_init(gal_queue *q);
void gal_queue_release(gal_queue *q);

/* Add p, waiting while the queue is full.  Returns 0, or -1 when closed. */
int gal_queue_push(gal_queue *q, void *p);

/* Take the oldest item, waiting while the queue is empty; NULL once the
 * queue is closed and empty. */
void *gal_queue_pop(gal_queue *q);

/* No more pushes; wake every waiter. */
void gal_queue_close(gal_queue *q);

#endif
