/* A fixed pool of worker threads that lives as long as its owner (a back
 * end): created once, handed one batch of work at a time, joined at the end.
 *
 * A pool of `threads` threads counts the caller: it starts threads - 1
 * workers, numbered 1 .. threads-1, and the thread that calls im_pool_run()
 * is worker 0.  im_pool_run(p, fn, arg, want) calls fn(arg, w) once on each
 * of the workers w = 0 .. min(want, threads)-1, all at the same time, and
 * returns when every one of them has returned; the workers not needed stay
 * asleep.  fn shares out the work itself (an atomic counter, say), and may
 * keep per-worker state indexed by w, which no other thread touches during
 * that run.
 *
 * One thread at a time may call im_pool_run() on a pool (the owning context
 * is used by one thread at a time); fn must not call it on the same pool.
 * The workers sleep on a condition variable between runs; no call spins. */
#ifndef IM_BACKEND_POOL_H
#define IM_BACKEND_POOL_H

#include <stddef.h>
#include "infomonitor/status.h"

typedef struct im_pool im_pool;

typedef void (*im_pool_fn)(void *arg, int worker);

/* Start a pool of `threads` >= 1 threads (threads - 1 new ones).  IM_OK and
 * *out; or *out = NULL, a message in err, and IM_ERR_NOMEM when memory or a
 * thread could not be had (the threads already started are joined). */
im_status im_pool_create(int threads, im_pool **out, char *err, size_t errlen);

/* Run fn(arg, w) on workers 0 .. min(want, threads)-1 (at least worker 0,
 * the caller) and wait for all of them. */
void im_pool_run(im_pool *p, im_pool_fn fn, void *arg, size_t want);

/* The threads of the pool, the caller included. */
int im_pool_threads(const im_pool *p);

/* Wake the workers, let them finish and join them; free the pool (NULL is
 * allowed).  Not while a run is in progress. */
void im_pool_destroy(im_pool *p);

#endif
