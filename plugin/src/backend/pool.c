/* The worker pool of pool.h.  One mutex guards the run state; `start`
 * wakes the workers for a new run (a new generation number), `done` wakes
 * the caller when the last worker of the run has returned.  A worker
 * remembers the last generation it saw, so a run is never taken twice or
 * missed, whenever the worker gets to the lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "pool.h"
#include "util/errfmt.h"

typedef struct {
    im_pool *pool;
    int id;
    pthread_t tid;
} worker_slot;

struct im_pool {
    pthread_mutex_t mu;
    pthread_cond_t start, done;
    im_pool_fn fn;
    void *arg;
    unsigned long gen; /* runs so far */
    int active;        /* workers taking part in the current run */
    int pending;       /* of those (worker 0 aside), the ones still running */
    int quit;
    int threads;
    worker_slot slot[]; /* threads - 1 workers, ids 1 .. threads-1 */
};

static void *worker_main(void *arg)
{
    worker_slot *s = arg;
    im_pool *p = s->pool;
    unsigned long seen = 0; /* the generation when the pool was created */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->gen == seen)
            pthread_cond_wait(&p->start, &p->mu);
        if (p->quit)
            break;
        seen = p->gen;
        if (s->id >= p->active)
            continue;
        im_pool_fn fn = p->fn;
        void *fa = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(fa, s->id);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Stop and join the first `started` workers, free the pool. */
static void stop(im_pool *p, int started)
{
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (int w = 0; w < started; w++)
        pthread_join(p->slot[w].tid, NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->start);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

im_status im_pool_create(int threads, im_pool **out, char *err, size_t errlen)
{
    *out = NULL;
    if (threads < 1)
        threads = 1;
    im_pool *p = calloc(1, sizeof *p + (size_t)(threads - 1) * sizeof p->slot[0]);
    if (p == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a pool of %d threads",
                       threads);
    p->threads = threads;
    if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->start, NULL) != 0 ||
        pthread_cond_init(&p->done, NULL) != 0) {
        free(p);
        return im_errf(err, errlen, IM_ERR_NOMEM, "cannot initialize a pool's locks");
    }
    for (int w = 0; w < threads - 1; w++) {
        p->slot[w].pool = p;
        p->slot[w].id = w + 1;
        int e = pthread_create(&p->slot[w].tid, NULL, worker_main, &p->slot[w]);
        if (e != 0) {
            stop(p, w);
            return im_errf(err, errlen, IM_ERR_NOMEM, "cannot start worker thread %d of %d: %s",
                           w + 2, threads, strerror(e));
        }
    }
    *out = p;
    return IM_OK;
}

void im_pool_run(im_pool *p, im_pool_fn fn, void *arg, size_t want)
{
    int active = want < (size_t)p->threads ? (int)want : p->threads;
    if (active <= 1) {
        fn(arg, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->active = active;
    p->pending = active - 1;
    p->gen++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0);
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

int im_pool_threads(const im_pool *p)
{
    return p->threads;
}

void im_pool_destroy(im_pool *p)
{
    if (p != NULL)
        stop(p, p->threads - 1);
}
