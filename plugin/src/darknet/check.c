/* `infomonitor check`: the validation of train, and the layer table. */
#include <stdio.h>
#include <string.h>
#include "cfg_rewrite.h"
#include "datacfg.h"
#include "driver.h"

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

static void print_table(const im_cfg_rewrite *rw)
{
    const im_cfg_model *md = &rw->model;
    printf("layer   type\n");
    size_t k = 0;
    for (size_t i = 1; i < md->nsec; i++) {
        const im_cfg_section *s = &md->sec[i];
        if (s->monitor)
            continue;
        printf("%5d   %.*s\n", s->layer, (int)strlen(s->type) - 2, s->type + 1);
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
    if (datacfg && (st = im_datacfg_load(datacfg, &dc, err, errlen)) != IM_OK) {
        im_cfg_rewrite_free(&rw);
        return st;
    }
    im_dn_print_warnings(rw.model.warnings);
    print_table(&rw);
    printf("%s: valid: %d layers, %zu monitors%s%s\n", cfg, rw.model.nlayers, rw.nmon,
           datacfg ? ", with " : "", datacfg ? datacfg : "");
    im_datacfg_free(&dc);
    im_cfg_rewrite_free(&rw);
    return IM_OK;
}
