/* `infomonitor rank`: the information-bottleneck importance of each filter
 * of a layer (Sec. IV, Fig. 9): I(X;T^i), I(T^i;Y) and the objective
 * I(X;T^i) - beta I(T^i;Y) (importance.h: im_ib_objective, the means over
 * the B mini-batches), listed ascending by the objective (the most
 * important first). */
#include <math.h>
#include <stdlib.h>
#include "importance.h"
#include "util/errfmt.h"

typedef struct {
    size_t filter;
    double ixt, ity, ib;
} rank_row;

static int by_objective(const void *a, const void *b)
{
    const rank_row *x = a, *y = b;
    int xn = isnan(x->ib), yn = isnan(y->ib); /* NaN last */
    if (xn != yn)
        return xn - yn;
    if (!xn && x->ib != y->ib)
        return x->ib < y->ib ? -1 : 1;
    return x->filter < y->filter ? -1 : x->filter > y->filter;
}

/* rows[c] = filter c's means over the batches. */
static im_status rank_means(const im_an_session *s, double beta, rank_row *rows, char *err,
                            size_t errlen)
{
    size_t C = s->g.C;
    double *v = malloc(3 * C * sizeof *v); /* ib, ixt, ity */
    if (v == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    im_status st = im_an_ib_means(s, beta, v, v + C, v + 2 * C, err, errlen);
    for (size_t c = 0; c < C; c++)
        rows[c] = (rank_row){c, v[C + c], v[2 * C + c], v[c]};
    free(v);
    return st;
}

static void print_rows(const im_an_session *s, double beta, const rank_row *rows, size_t C)
{
    printf("IB objective I(X;T) - %g I(T;Y), ascending (most important first):\n"
           "rank  filter     I(X;T)     I(T;Y)  objective\n",
           beta);
    if (s->csv.f)
        fprintf(s->csv.f, "rank,filter,I_XT,I_TY,objective,beta,n,batches\n");
    for (size_t r = 0; r < C; r++) {
        const rank_row *q = &rows[r];
        printf("%4zu  %6zu  %9.4f  %9.4f  %9.4f\n", r + 1, q->filter, q->ixt, q->ity, q->ib);
        if (s->csv.f)
            fprintf(s->csv.f, "%zu,%zu,%.9g,%.9g,%.9g,%g,%zu,%zu\n", r + 1, q->filter, q->ixt,
                    q->ity, q->ib, beta, s->g.n, s->g.B);
    }
    fflush(stdout);
}

im_status im_dn_rank(const im_rank_opts *o, char *err, size_t errlen)
{
    im_an_session s;
    im_status st = im_an_begin(&o->an, IM_AN_GRAMS_XTY, "rank", &s, err, errlen);
    rank_row *rows = NULL;
    if (st == IM_OK && (rows = malloc(s.net.C * sizeof *rows)) == NULL)
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu filters", s.net.C);
    if (st == IM_OK && (st = rank_means(&s, o->beta, rows, err, errlen)) == IM_OK) {
        qsort(rows, s.net.C, sizeof *rows, by_objective);
        print_rows(&s, o->beta, rows, s.net.C);
    }
    free(rows);
    return im_an_end(&s, st, err, errlen);
}
