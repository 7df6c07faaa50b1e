/* The run's warnings (diagnose.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "diagnose.h"
#include "util/errfmt.h"

enum { W_SATURATED = 1u << 0, W_DEAD = 1u << 1 };

/* H_X or H_T at or above this share of log2 n is saturation. */
#define IM_SATURATED 0.98

im_status im_dn_diag_init(im_dn_diag *d, size_t monitors, size_t classes, char *err, size_t errlen)
{
    *d = (im_dn_diag){.classes = classes, .cap = monitors};
    d->mon = calloc(monitors ? monitors : 1, sizeof *d->mon);
    return d->mon ? IM_OK : im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
}

void im_dn_diag_free(im_dn_diag *d)
{
    free(d->mon);
    d->mon = NULL;
}

/* The warnings already given for monitor `name` (NULL when there are more
 * monitors than the run said, which cannot happen). */
static unsigned *warned_of(im_dn_diag *d, const char *name)
{
    for (size_t i = 0; i < d->nmon; i++)
        if (d->mon[i].monitor == name)
            return &d->mon[i].warned;
    if (d->nmon == d->cap)
        return NULL;
    d->mon[d->nmon] = (im_dn_diag_mon){name, 0};
    return &d->mon[d->nmon++].warned;
}

/* who: "the input X" or "monitor <name>"; what: "H_X" or "H_T". */
static void saturated(size_t iteration, const char *who, const char *what, double H, double top)
{
    fprintf(stderr,
            "infomonitor: warning: iteration %zu: %s is saturated (%s = %.3f of log2 n = %.3f "
            "bits): its Gram matrices are near the identity, so its MI values sit at their "
            "bounds; a wider kernel (h, kernel_width) resolves it\n",
            iteration, who, what, H, top);
}

static void diag_row(im_dn_diag *d, const im_metrics *r, size_t iteration)
{
    unsigned *w = warned_of(d, r->monitor);
    double top = log2((double)r->n);
    if (w == NULL)
        return;
    if ((r->have & IM_HAVE_X) && r->H_X >= IM_SATURATED * top && !d->x_saturated) {
        saturated(iteration, "the input X", "H_X", r->H_X, top);
        d->x_saturated = 1;
    }
    if ((r->have & IM_HAVE_T) && r->H_T >= IM_SATURATED * top && !(*w & W_SATURATED)) {
        char who[96];
        snprintf(who, sizeof who, "monitor %s", r->monitor);
        saturated(iteration, who, "H_T", r->H_T, top);
        *w |= W_SATURATED;
    }
    if ((r->have & IM_HAVE_T) && r->C > 1 && r->dead == r->C && !(*w & W_DEAD)) {
        fprintf(stderr,
                "infomonitor: warning: iteration %zu: all %zu maps of monitor %s are dead "
                "(their outputs coincide over the batch): it carries no information\n",
                iteration, r->C, r->monitor);
        *w |= W_DEAD;
    }
}

void im_dn_diag_rows(im_dn_diag *d, const im_metrics *rows, size_t nr, size_t iteration)
{
    for (size_t i = 0; i < nr; i++)
        diag_row(d, &rows[i], iteration);
}

static void collapsed(im_dn_diag *d, size_t iteration, const char *why)
{
    if (d->collapsed)
        return;
    fprintf(stderr,
            "infomonitor: warning: iteration %zu: the run has collapsed (%s); its information "
            "quantities describe a broken network, not a finding\n",
            iteration, why);
    d->collapsed = 1;
}

void im_dn_diag_loss(im_dn_diag *d, size_t iteration, double avg_loss)
{
    double chance = log((double)d->classes);
    if (!isfinite(avg_loss))
        collapsed(d, iteration, "the average loss is not finite");
    else if (avg_loss < 0.5 * chance)
        d->fell = 1;
    else if (d->fell && avg_loss > chance)
        collapsed(d, iteration, "the average loss rose back above log(classes)");
}

void im_dn_diag_accuracy(im_dn_diag *d, size_t iteration, size_t epoch, double top1, size_t n)
{
    double p = 1.0 / (double)d->classes;
    if (d->classes < 2 || n == 0)
        return;
    if (top1 > p + 2.0 * sqrt(p * (1.0 - p) / (double)n)) {
        d->learned = 1;
        d->at_chance = 0;
        return;
    }
    if (d->learned || ++d->at_chance >= 2) {
        char why[128];
        snprintf(why, sizeof why, "valid top-1 %.4f after epoch %zu is at chance, 1/%zu%s", top1,
                 epoch, d->classes, d->learned ? ", after it was above" : ", two epochs running");
        collapsed(d, iteration, why);
    }
}
