/* The metrics CSV's columns, run ids and rows (metrics_log.h; opening the
 * file is metrics_open.c). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "metrics_log.h"
#include "util/errfmt.h"

const char *const im_metrics_columns =
    "iteration,epoch,loss,avg_loss,rate,seconds,monitor,layer,n,C,sigma_x,sigma_t,sigma_delta,"
    "H_X,H_T,H_Y,I_XT,I_TY,I_delta,H_dK,sat_T,dead,rs,wnr,rs_pct,wnr_pct,wnr_y,run";

void im_metrics_run_id(uint64_t seed, size_t from, char id[IM_METRICS_RUN_MAX])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y%m%dT%H%M%S", &tm);
    int n = snprintf(id, IM_METRICS_RUN_MAX, "%s.%03ldZ-s%llu", when, ts.tv_nsec / 1000000,
                     (unsigned long long)seed);
    if (from > 0 && n > 0 && n < IM_METRICS_RUN_MAX)
        snprintf(id + n, (size_t)(IM_METRICS_RUN_MAX - n), "-r%zu", from);
}

static void cell(FILE *f, int have, double v)
{
    fputc(',', f);
    if (!have)
        return;
    if (isfinite(v))
        fprintf(f, "%.7g", v);
    else
        fputs("nan", f);
}

im_status im_metrics_write(FILE *f, const char *path, const char *run, const im_train_point *p,
                           const im_metrics *r, char *err, size_t errlen)
{
    unsigned h = r->have;
    fprintf(f, "%zu", p->iteration);
    cell(f, 1, p->epoch);
    cell(f, 1, p->loss);
    cell(f, 1, p->avg_loss);
    cell(f, 1, p->rate);
    cell(f, 1, p->seconds);
    fprintf(f, ",%s,%d,%zu,%zu", r->monitor, r->layer, r->n, r->C);
    cell(f, h & (IM_HAVE_X | IM_HAVE_PID), r->sigma_x);
    cell(f, h & (IM_HAVE_T | IM_HAVE_PID), r->sigma_t);
    cell(f, h & IM_HAVE_DELTA, r->sigma_delta);
    cell(f, h & IM_HAVE_X, r->H_X);
    cell(f, h & IM_HAVE_T, r->H_T);
    cell(f, h & IM_HAVE_Y, r->H_Y);
    cell(f, h & IM_HAVE_IXT, r->I_XT);
    cell(f, h & IM_HAVE_ITY, r->I_TY);
    cell(f, h & IM_HAVE_DELTA, r->I_delta);
    cell(f, h & IM_HAVE_DELTA, r->H_dK);
    cell(f, h & IM_HAVE_T, r->sat_T);
    if (h & IM_HAVE_T)
        fprintf(f, ",%zu", r->dead);
    else
        fputc(',', f);
    cell(f, h & IM_HAVE_PID_PAIRS, r->rs);
    cell(f, h & IM_HAVE_PID_PAIRS, r->wnr);
    cell(f, h & IM_HAVE_PID_PCT, r->rs_pct);
    cell(f, h & IM_HAVE_PID_PCT, r->wnr_pct);
    cell(f, h & IM_HAVE_PID_PAIRS, r->wnr_y);
    fprintf(f, ",%s\n", run);
    if (ferror(f))
        return im_errf(err, errlen, IM_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    return IM_OK;
}

im_status im_metrics_flush(FILE *f, const char *path, char *err, size_t errlen)
{
    if (fflush(f) != 0 || ferror(f))
        return im_errf(err, errlen, IM_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    return IM_OK;
}
