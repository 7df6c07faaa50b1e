/* The measurement thread and the hand-over with the training loop.  The
 * captures are double-buffered: the taps fill the front ones during a
 * training step; submit() waits for the previous measurement, flips front
 * and back and wakes the worker, which measures the back ones while Darknet
 * trains the next step. */
#include <string.h>
#include "monitor_internal.h"
#include "util/errfmt.h"

/* Measure monitor m's back captures into the next job row (and dump them
 * when due); 0 when it has nothing new, -1 when it failed (the job stops
 * with the message). */
static int measure_into_job(im_registry *reg, monitor *m, const shared_capture *g)
{
    const mon_capture *c = &m->cap[!reg->front];
    if (c->fwd_iter == 0 || c->fwd_iter <= m->done_iter) /* stale: measured before */
        return 0;
    /* A probe monitor's X and Y are the probe pass's. */
    xy_source xy = {g, &reg->gx, &reg->gy};
    if (m->spec.probe)
        xy = (xy_source){&reg->pcap[!reg->front], &reg->pgx, &reg->pgy};
    /* X and Y are copied once per step: they must be this step's. */
    if (xy.cap->x_iter != c->fwd_iter || xy.cap->y_iter != c->fwd_iter)
        return 0;
    im_metrics *r = &reg->job_rows[reg->job_nrows++];
    char why[384];
    im_status st = im_mon_measure(reg, m, c, g, &xy, r, why, sizeof why);
    if (st != IM_OK) {
        reg->job_st = st;
        im_errf(reg->job_err, sizeof reg->job_err, st, "monitor %s at iteration %zu: %s",
                m->spec.name, c->fwd_iter, why);
        return -1;
    }
    if (im_mon_dump_due(m, c->fwd_iter) &&
        (st = im_mon_dump(reg, m, c, g, &xy, r, why, sizeof why)) != IM_OK) {
        reg->job_st = st;
        im_errf(reg->job_err, sizeof reg->job_err, st, "monitor %s at iteration %zu: dump: %s",
                m->spec.name, c->fwd_iter, why);
        return -1;
    }
    m->done_iter = c->fwd_iter;
    if (!im_mon_finite_row(r))
        reg->job_nonfinite = 1;
    return 1;
}

static void run_job(im_registry *reg)
{
    const shared_capture *g = &reg->cap[!reg->front];
    reg->job_nrows = 0;
    reg->job_nonfinite = 0;
    reg->job_st = IM_OK;
    for (size_t i = 0; i < reg->nmon; i++)
        if (measure_into_job(reg, &reg->mon[i], g) < 0)
            return;
}

void *im_mon_worker(void *arg)
{
    im_registry *reg = arg;
    pthread_mutex_lock(&reg->mu);
    for (;;) {
        while (!reg->posted && !reg->quit)
            pthread_cond_wait(&reg->cv, &reg->mu);
        if (reg->quit)
            break;
        pthread_mutex_unlock(&reg->mu);
        run_job(reg);
        pthread_mutex_lock(&reg->mu);
        reg->posted = 0;
        reg->done = 1;
        pthread_cond_broadcast(&reg->cv);
    }
    pthread_mutex_unlock(&reg->mu);
    return NULL;
}

im_status im_registry_drain(im_registry *reg, im_metrics *rows, size_t *nrows,
                            im_train_point *point, int *nonfinite, char *err, size_t errlen)
{
    *nrows = 0;
    *nonfinite = 0;
    pthread_mutex_lock(&reg->mu);
    while (reg->posted)
        pthread_cond_wait(&reg->cv, &reg->mu);
    int done = reg->done;
    reg->done = 0;
    pthread_mutex_unlock(&reg->mu);
    if (!done)
        return IM_OK;
    if (reg->job_st != IM_OK)
        return im_errf(err, errlen, reg->job_st, "%s", reg->job_err);
    memcpy(rows, reg->job_rows, reg->job_nrows * sizeof *rows);
    *nrows = reg->job_nrows;
    *nonfinite = reg->job_nonfinite;
    if (point)
        *point = reg->job_point;
    return IM_OK;
}

im_status im_registry_submit(im_registry *reg, const im_train_point *p, im_metrics *rows,
                             size_t *nrows, im_train_point *point, int *nonfinite, char *err,
                             size_t errlen)
{
    im_status st = im_registry_drain(reg, rows, nrows, point, nonfinite, err, errlen);
    if (st != IM_OK)
        return st;
    if (reg->tap_st != IM_OK)
        return im_errf(err, errlen, reg->tap_st, "%s", reg->tap_err);
    int fresh = 0;
    for (size_t i = 0; i < reg->nmon; i++) {
        const mon_capture *c = &reg->mon[i].cap[reg->front];
        fresh |= c->fwd_iter > reg->mon[i].done_iter;
    }
    if (!fresh)
        return IM_OK;
    /* The worker is idle (drained): hand it the front captures. */
    pthread_mutex_lock(&reg->mu);
    reg->front = !reg->front;
    if (p)
        reg->job_point = *p;
    reg->posted = 1;
    pthread_cond_broadcast(&reg->cv);
    pthread_mutex_unlock(&reg->mu);
    return IM_OK;
}

im_status im_registry_measure(im_registry *reg, im_metrics *rows, size_t *nrows, int *nonfinite,
                              char *err, size_t errlen)
{
    im_status st = im_registry_submit(reg, NULL, rows, nrows, NULL, nonfinite, err, errlen);
    if (st != IM_OK || *nrows)
        return st;
    return im_registry_drain(reg, rows, nrows, NULL, nonfinite, err, errlen);
}
