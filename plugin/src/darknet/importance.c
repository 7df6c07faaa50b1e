/* Filter importance: the IB objective's means over the mini-batches, and
 * the absolute weight sum. */
#include <math.h>
#include <stdlib.h>
#include "importance.h"
#include "util/errfmt.h"

im_status im_an_ib_means(const im_an_session *s, double beta, double *ib, double *ixt, double *ity,
                         char *err, size_t errlen)
{
    const im_an_grams *g = &s->g;
    size_t C = g->C, nn = g->n * g->n;
    const double **T = malloc(C * sizeof *T);
    double *v = malloc(3 * C * sizeof *v); /* ib, ixt, ity of one batch */
    im_status st = T && v ? IM_OK : im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < C; c++)
        ib[c] = ixt[c] = ity[c] = 0.0;
    for (size_t b = 0; st == IM_OK && b < g->B; b++) {
        for (size_t c = 0; c < C; c++)
            T[c] = im_an_gram_t(g, b, c);
        st = im_ib_objective(s->ctx, g->X + b * nn, g->Y + b * nn, T, C, g->n, beta, v, v + C,
                             v + 2 * C);
        if (st != IM_OK) {
            st = im_an_core_fail(s, st, err, errlen);
            break;
        }
        for (size_t c = 0; c < C; c++) {
            ib[c] += v[c] / (double)g->B;
            ixt[c] += v[C + c] / (double)g->B;
            ity[c] += v[2 * C + c] / (double)g->B;
        }
    }
    free(v);
    free(T);
    return st;
}

void im_an_l1(const im_an_net *a, double *l1)
{
    const layer *l = im_an_layer(a);
    /* Row f of l->weights holds filter f's weights. */
    size_t per = l->type == CONVOLUTIONAL
                     ? (size_t)(l->c / l->groups) * (size_t)l->size * (size_t)l->size
                     : (size_t)l->inputs;
    for (size_t f = 0; f < a->C; f++) {
        double s = 0.0;
        for (size_t k = 0; k < per; k++)
            s += fabs(l->weights[f * per + k]);
        l1[f] = s;
    }
}
