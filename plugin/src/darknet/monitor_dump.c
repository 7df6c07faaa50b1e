/* The `dump` option (monitor_internal.h): a measured iteration's float32
 * arrays, exactly as the estimator got them, as .npy files, and its
 * settings and kernel widths as JSON, for re-analysis with `estimate`.
 * Runs on the worker thread, so Darknet's step is not delayed; it reads
 * only the back captures, so training is unchanged. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "atomic_file.h"
#include "monitor_internal.h"
#include "util/errfmt.h"
#include "util/folder.h"
#include "util/npy.h"

/* Room for DIR/<name>/itNNNNNN_delta_out.npy. */
#define DUMP_PATH (IM_DUMP_PATH_MAX + 64 + 48)

im_status im_mon_dump_open(const monitor *m, const char *cfg_path, char *err, size_t errlen)
{
    const im_monitor_spec *s = &m->spec;
    if (!s->dump[0])
        return IM_OK;
    if (strchr(s->name, '/') || !strcmp(s->name, ".") || !strcmp(s->name, ".."))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] dump = '%s': the monitor's name '%s' names its "
                       "folder there, and cannot have '/' or be '.' or '..'",
                       cfg_path, s->line, s->dump, s->name);
    char dir[DUMP_PATH], why[512];
    snprintf(dir, sizeof dir, "%s/%s", s->dump, s->name);
    if (im_folder_make(dir, why, sizeof why) != IM_OK)
        return im_errf(err, errlen, IM_ERR_IO, "%s:%d: [infomonitor] dump = '%s': %s", cfg_path,
                       s->line, s->dump, why);
    return IM_OK;
}

int im_mon_dump_due(const monitor *m, size_t it)
{
    const im_monitor_spec *s = &m->spec;
    size_t k = (it - 1) / (size_t)s->every; /* 0-based among the measured iterations */
    return s->dump[0] && m->dumped < (size_t)s->dump_max && k % (size_t)s->dump_every == 0;
}

/* DIR/<name>/itNNNNNN<suffix> into path[DUMP_PATH]. */
static void dump_path(const monitor *m, size_t it, const char *suffix, char *path)
{
    snprintf(path, DUMP_PATH, "%s/%s/it%06zu%s", m->spec.dump, m->spec.name, it, suffix);
}

/* One array into DIR/<name>/itNNNNNN_<what>.npy, atomically. */
static im_status dump_array(const monitor *m, size_t it, const char *what, im_npy_dtype type,
                            const void *data, int ndim, const size_t *shape, char *err,
                            size_t errlen)
{
    char path[DUMP_PATH], suffix[32];
    snprintf(suffix, sizeof suffix, "_%s.npy", what);
    dump_path(m, it, suffix, path);
    im_atomic a;
    im_status st = im_atomic_open(&a, path, err, errlen);
    if (st != IM_OK)
        return st;
    if ((st = im_npy_write(a.f, path, type, data, ndim, shape, err, errlen)) != IM_OK) {
        im_atomic_abort(&a);
        return st;
    }
    return im_atomic_commit(&a, err, errlen);
}

/* JSON helpers: a string (the name may hold '\\' and any byte but ','
 * and '"'), and a number (null when not finite or not computed). */
static void json_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, "  \"%s\": \"", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p == '\\' || *p == '"')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    fprintf(f, "\",\n");
}

static void json_num(FILE *f, const char *key, double v, int have)
{
    if (have && isfinite(v))
        fprintf(f, "  \"%s\": %.17g,\n", key, v);
    else
        fprintf(f, "  \"%s\": null,\n", key);
}

/* Every map of T gets the width sigma_t: the rules whose width does not
 * depend on a map's own values. */
static int shared_width(im_width_rule r)
{
    return r == IM_WIDTH_SILVERMAN_DIM || r == IM_WIDTH_SILVERMAN || r == IM_WIDTH_FIXED;
}

/* The settings part of the JSON. */
static void json_settings(FILE *f, const monitor *m)
{
    const im_monitor_spec *s = &m->spec;
    char q[64];
    im_monitor_quantities_str(s->quantities, q, sizeof q);
    json_str(f, "monitor", s->name);
    fprintf(f, "  \"layer\": %d,\n  \"n\": %zu,\n  \"C\": %zu,\n  \"d\": %zu,\n", s->user_layer,
            m->n, m->C, m->d);
    json_num(f, "alpha", s->alpha, 1);
    json_str(f, "kernel_width", im_width_rule_name(s->rule));
    json_num(f, "h", s->h, 1);
    json_num(f, "delta_h", s->delta_h, 1);
    if (s->rule == IM_WIDTH_MEDIAN)
        json_num(f, "median", s->median, 1);
    if (s->rule == IM_WIDTH_FIXED)
        json_num(f, "sigma", s->sigma, 1);
    json_str(f, "delta_kernel_width", im_width_rule_name(im_mon_width(s, 1, NULL).rule));
    fprintf(f, "  \"probe\": %d,\n", s->probe);
    json_str(f, "quantities", q);
    json_str(f, "dtype", "float32");
}

/* DIR/<name>/itNNNNNN.json: settings, widths and the files written. */
static im_status dump_json(const monitor *m, size_t it, double sigma_out, const im_metrics *r,
                           char *err, size_t errlen)
{
    char path[DUMP_PATH];
    dump_path(m, it, ".json", path);
    im_atomic a;
    im_status st = im_atomic_open(&a, path, err, errlen);
    if (st != IM_OK)
        return st;
    FILE *f = a.f;
    int fw = (r->have & (IM_HAVE_IXT | IM_HAVE_ITY | IM_HAVE_PID)) != 0;
    int d = (r->have & IM_HAVE_DELTA) != 0;
    fprintf(f, "{\n  \"iteration\": %zu,\n", it);
    json_settings(f, m);
    json_num(f, "sigma_x", r->sigma_x, (r->have & (IM_HAVE_IXT | IM_HAVE_PID)) != 0);
    json_num(f, "sigma_t", r->sigma_t, fw);
    fprintf(f, "  \"sigma_t_shared\": %s,\n",
            shared_width(im_mon_width(&m->spec, 0, NULL).rule) ? "true" : "false");
    json_num(f, "sigma_delta", r->sigma_delta, d);
    json_num(f, "sigma_delta_out", sigma_out, d);
    fprintf(f,
            "  \"files\": {\"X\": \"it%06zu_X.npy\", \"T\": \"it%06zu_T.npy\", "
            "\"Y\": \"it%06zu_Y.npy\"",
            it, it, it);
    if (d)
        fprintf(f,
                ", \"delta_k\": \"it%06zu_delta_k.npy\", \"delta_out\": "
                "\"it%06zu_delta_out.npy\"",
                it, it);
    fprintf(f, "}\n}\n");
    return im_atomic_commit(&a, err, errlen);
}

/* dump_array of a capture of T's shape, pulled from the GPU first when
 * the monitor's captures are there. */
static im_status dump_capture(const monitor *m, size_t it, const char *what, const float *cap,
                              int dim, const size_t *shape, char *err, size_t errlen)
{
    if (!m->on_device)
        return dump_array(m, it, what, IM_NPY_F32, cap, dim, shape, err, errlen);
    size_t count = m->n * m->outputs;
    float *host = malloc(count * sizeof *host);
    if (host == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for the %s dump", what);
    im_status st = im_mon_device_pull(host, cap, count, err, errlen);
    if (st == IM_OK)
        st = dump_array(m, it, what, IM_NPY_F32, host, dim, shape, err, errlen);
    free(host);
    return st;
}

im_status im_mon_dump(const im_registry *reg, monitor *m, const mon_capture *cap,
                      const shared_capture *g, const xy_source *xy, const im_metrics *r, char *err,
                      size_t errlen)
{
    size_t it = cap->fwd_iter, n = m->n;
    /* T and delta_k as the estimator splits them (im_gram_rbf_maps): (n, C, d)
     * for C >= 2 maps, else (n, outputs). */
    size_t tshape[3] = {n, m->C, m->d};
    if (m->C == 1)
        tshape[1] = m->outputs;
    int tdim = m->C > 1 ? 3 : 2;
    size_t xshape[2] = {n, reg->x_cols}, yshape[1] = {n}, oshape[2] = {n, reg->dK_cols};
    im_status st;
    if ((st = dump_array(m, it, "X", IM_NPY_F32, xy->cap->x, 2, xshape, err, errlen)) ||
        (st = dump_capture(m, it, "T", cap->t, tdim, tshape, err, errlen)) ||
        (st = dump_array(m, it, "Y", IM_NPY_I32, xy->cap->y, 1, yshape, err, errlen)))
        return st;
    if ((r->have & IM_HAVE_DELTA) &&
        ((st = dump_capture(m, it, "delta_k", cap->dk, tdim, tshape, err, errlen)) ||
         (st = dump_array(m, it, "delta_out", IM_NPY_F32, g->dK, 2, oshape, err, errlen))))
        return st;
    if ((st = dump_json(m, it, reg->gd.sigma, r, err, errlen)) != IM_OK)
        return st;
    m->dumped++;
    return IM_OK;
}
