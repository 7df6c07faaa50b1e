/* libFuzzer harness: a cfg read, validated and rewritten
 * (im_cfg_rewrite_file, plugin/src/darknet/cfg_rewrite.h: cfg_model.c,
 * cfg_keys.c, cfg_values.c, monitor_spec.c) from any bytes.  Checks beyond
 * the sanitizers: a refusal is one line naming the file; an accepted cfg's
 * rewrite, read back, has the same sections in order (each monitor a
 * [dropout]) with the same options, where only route layers= and shortcut
 * from= items may differ, and then only one number for another; and the
 * rewrite is itself accepted, without monitors.  (Rewriting it again may
 * change index items once more: an index out of range among the layers
 * without monitors, left as written, can be in range among Darknet's.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet/cfg_rewrite.h"
#include "files.h"
#include "show.h"
#include "util/parse.h"

static void need(int cond)
{
    if (!cond)
        abort();
}

static int is_index_list(const char *type, const char *key)
{
    return (!strcmp(type, "[route]") && !strcmp(key, "layers")) ||
           (!strcmp(type, "[shortcut]") && !strcmp(key, "from"));
}

/* a and b: the same comma items, or (each pair) two whole numbers. */
static void same_items(const char *a, const char *b)
{
    for (;;) {
        size_t na = strcspn(a, ","), nb = strcspn(b, ",");
        if (na != nb || memcmp(a, b, na) != 0) {
            char ia[64], ib[64];
            long long x;
            need(na < sizeof ia && nb < sizeof ib);
            memcpy(ia, a, na), ia[na] = '\0';
            memcpy(ib, b, nb), ib[nb] = '\0';
            need(im_parse_int(ia, -1000000000LL, 1000000000LL, &x) &&
                 im_parse_int(ib, -1000000000LL, 1000000000LL, &x));
        }
        a += na, b += nb;
        need((*a == ',') == (*b == ','));
        if (*a == '\0')
            return;
        a++, b++;
    }
}

static void same_sections(const im_cfg_model *orig, const im_cfg_model *back)
{
    need(back->nsec == orig->nsec && back->nlayers == orig->dn_layers);
    for (size_t i = 0; i < orig->nsec; i++) {
        const im_cfg_section *o = &orig->sec[i], *b = &back->sec[i];
        if (o->monitor) {
            need(!strcmp(b->type, "[dropout]") && b->nopt == 1);
            continue;
        }
        need(!strcmp(o->type, b->type) && o->nopt == b->nopt);
        for (size_t k = 0; k < o->nopt; k++) {
            need(!strcmp(o->opt[k].key, b->opt[k].key));
            if (is_index_list(o->type, o->opt[k].key))
                same_items(o->opt[k].val, b->opt[k].val);
            else
                need(!strcmp(o->opt[k].val, b->opt[k].val));
        }
    }
}

static void check_accepted(const im_cfg_rewrite *rw)
{
    need(rw->text != NULL && rw->nlayers == rw->model.dn_layers &&
         rw->nmon == (size_t)(rw->model.dn_layers - rw->model.nlayers));
    for (size_t i = 0; i < rw->nmon; i++)
        need(rw->mon[i].layer >= 0 && rw->mon[i].layer < rw->mon[i].index &&
             rw->mon[i].name[0] != '\0');
    const char *again = fuzz_write("rewritten.cfg", (const uint8_t *)rw->text, strlen(rw->text));
    char err[1024];
    im_cfg_rewrite rw2;
    if (im_cfg_rewrite_file(again, &rw2, err, sizeof err) != IM_OK) {
        fprintf(stderr, "the rewrite is refused: %s\n", err);
        abort();
    }
    same_sections(&rw->model, &rw2.model);
    need(rw2.nmon == 0 && rw2.nlayers == rw->nlayers);
    im_cfg_rewrite_free(&rw2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.cfg", data, size);
    char err[1024] = "";
    im_cfg_rewrite rw;
    im_status st = im_cfg_rewrite_file(path, &rw, err, sizeof err);
    fuzz_show(st, err);
    if (st != IM_OK) {
        need(rw.text == NULL && !strncmp(err, path, strlen(path)) && !strchr(err, '\n'));
        return 0;
    }
    check_accepted(&rw);
    im_cfg_rewrite_free(&rw);
    return 0;
}
