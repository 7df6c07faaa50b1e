/* The shared frame of the analyses: open, describe, close. */
#include <string.h>
#include "analysis_session.h"
#include "util/errfmt.h"

im_status im_an_core_fail(const im_an_session *s, im_status st, char *err, size_t errlen)
{
    return im_errf(err, errlen, st, "%s", im_context_error(s->ctx));
}

/* The lines that say what was measured, and how. */
static void print_header(const im_an_session *s, const im_an_opts *o, const char *verb)
{
    const im_an_net *a = &s->net;
    const im_cfg_section *sec = &a->rw.model.sec[a->sec];
    const layer *l = im_an_layer(a);
    printf("%s: layer %d (%s %s:%d, ", verb, a->layer, sec->type, a->rw.model.path, sec->line);
    if (l->type == CONVOLUTIONAL)
        printf("%zu maps of %dx%d)\n", a->C, l->out_h, l->out_w);
    else
        printf("%zu units)\n", a->C);
    if (s->ctx) {
        printf("data: %zu mini-batches of %zu samples of the valid split of %s (seed %llu); "
               "every value is the mean over the %zu mini-batches\n",
               o->batches, o->n, o->datacfg, (unsigned long long)o->seed, o->batches);
        printf("estimator: alpha %g, kernel width %s h = %g (mean sigma_t %.6g",
               im_context_alpha(s->ctx), im_width_rule_name(IM_WIDTH_DEFAULT),
               im_width_default_param(IM_WIDTH_DEFAULT), s->g.sigma_t);
        if (s->g.X)
            printf(", sigma_x %.6g", s->g.sigma_x);
        printf("), back end %s (%s)\n", im_context_backend(s->ctx),
               im_context_backend_detail(s->ctx));
    }
    fflush(stdout);
}

im_status im_an_begin(const im_an_opts *o, im_an_want want, const char *verb, im_an_session *s,
                      char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->rng = o->seed;
    im_status st;
    if (o->csv && (st = im_atomic_open(&s->csv, o->csv, err, errlen)) != IM_OK)
        return st;
    if ((st = im_an_open(o->datacfg, o->cfg, o->weights, o->layer, &s->net, err, errlen)) != IM_OK)
        return st;
    if (want != IM_AN_NET_ONLY) {
        im_options opt;
        im_options_default(&opt);
        char cerr[512];
        if ((st = im_context_create(&opt, &s->ctx, cerr, sizeof cerr)) != IM_OK)
            return im_errf(err, errlen, st, "%s", cerr);
        st = im_an_grams_build(&s->net, s->ctx, o->n, o->batches, &s->rng, want == IM_AN_GRAMS_XTY,
                               &s->g, err, errlen);
    }
    if (st == IM_OK)
        print_header(s, o, verb);
    return st;
}

im_status im_an_end(im_an_session *s, im_status st, char *err, size_t errlen)
{
    if (s->csv.f) {
        if (st == IM_OK)
            st = im_atomic_commit(&s->csv, err, errlen);
        else
            im_atomic_abort(&s->csv);
    }
    im_an_grams_free(&s->g);
    im_context_destroy(s->ctx);
    im_an_close(&s->net);
    memset(s, 0, sizeof *s);
    return st;
}
