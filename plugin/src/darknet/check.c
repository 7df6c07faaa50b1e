/* `infomonitor check`: the validation of train, and the layer table. */
#include <stdio.h>
#include <string.h>
#include "cfg_rewrite.h"
#include "datacfg.h"
#include "driver.h"
#include "net_load.h"

/* "ixt,ity,mmi,delta" for the bits of q. */
static void quantity_names(unsigned q, char *out, size_t n)
{
    static const struct {
        unsigned bit;
        const char *name;
    } k[] = {{IM_Q_IXT, "ixt"}, {IM_Q_ITY, "ity"}, {IM_Q_MMI, "mmi"},
             {IM_Q_DELTA, "delta"}, {IM_Q_PID, "pid"}};
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if ((q & k[i].bit) && at < n)
            at += (size_t)snprintf(out + at, n - at, "%s%s", at ? "," : "", k[i].name);
}

static void print_monitor(const im_monitor_spec *m)
{
    char q[64], n[32];
    quantity_names(m->quantities, q, sizeof q);
    if (m->probe)
        snprintf(n, sizeof n, "probe %d", m->probe);
    else if (m->samples)
        snprintf(n, sizeof n, "n %d", m->samples);
    else
        snprintf(n, sizeof n, "n batch");
    printf("        monitor %-12s %s, every %d, %s, %s, alpha %g (line %d)\n", m->name, q,
           m->every, n, im_width_rule_name(m->rule), m->alpha, m->line);
}

/* "W x H x C" of a shape, or its count of values when it has no image
 * (Darknet's layer table prints the same). */
static void shape_text(int w, int h, int c, int n, char *buf, size_t len)
{
    if (w > 0 && h > 0 && c > 0)
        snprintf(buf, len, "%4d x%4d x%4d", w, h, c);
    else
        snprintf(buf, len, "%16d", n);
}

/* filters, size/stride, input -> output of one layer, as Darknet's table. */
static void print_layer(const im_cfg_section *s, const im_dn_layer_shape *l)
{
    char f[16] = "", win[48] = "", in[48], out[48];
    if (l->filters)
        snprintf(f, sizeof f, "%d", l->filters);
    if (l->size)
        snprintf(win, sizeof win, "%2d x%2d /%2d", l->size, l->size, l->stride);
    else if (l->stride)
        snprintf(win, sizeof win, "      /%2d", l->stride);
    shape_text(l->w, l->h, l->c, l->inputs, in, sizeof in);
    shape_text(l->out_w, l->out_h, l->out_c, l->outputs, out, sizeof out);
    printf("%5d   %-16.*s %7s  %-11s %s -> %s\n", s->layer, (int)strlen(s->type) - 2, s->type + 1,
           f, win, in, out);
}

static void print_table(const im_cfg_rewrite *rw)
{
    const im_cfg_model *md = &rw->model;
    printf("layer   type             filters  size/strd        input               output\n");
    size_t k = 0;
    for (size_t i = 1; i < md->nsec; i++) {
        const im_cfg_section *s = &md->sec[i];
        if (s->monitor)
            continue;
        print_layer(s, &rw->shapes.layer[s->layer]);
        for (; k < rw->nmon && rw->mon[k].user_layer == s->layer; k++)
            print_monitor(&rw->mon[k]);
    }
}

im_status im_dn_check(const char *cfg, const char *datacfg, char *err, size_t errlen)
{
    im_cfg_rewrite rw;
    im_status st = im_cfg_rewrite_file(cfg, &rw, err, errlen);
    if (st != IM_OK)
        return st;
    im_datacfg dc = {0};
    if (datacfg && ((st = im_datacfg_load(datacfg, &dc, err, errlen)) != IM_OK ||
                    (st = im_dn_check_data(&dc, rw.shapes.outputs, err, errlen)) != IM_OK)) {
        im_datacfg_free(&dc);
        im_cfg_rewrite_free(&rw);
        return st;
    }
    im_dn_print_warnings(rw.model.warnings);
    print_table(&rw);
    const im_dn_shapes *sh = &rw.shapes;
    printf("%s: valid: %d layers, %zu monitors, batch %d, inputs %d, outputs %d, about %.1f MiB "
           "for Darknet's arrays (physical memory %.1f GiB)%s%s\n",
           cfg, rw.model.nlayers, rw.nmon, sh->batch, sh->inputs, sh->outputs,
           (double)sh->bytes / (1 << 20), (double)sh->phys / (1 << 30), datacfg ? ", with " : "",
           datacfg ? datacfg : "");
    im_datacfg_free(&dc);
    im_cfg_rewrite_free(&rw);
    return IM_OK;
}
