/* Choosing the probe samples; the contract is in probe_set.h. */
#include <stdlib.h>
#include <string.h>
#include "probe_set.h"
#include "util/errfmt.h"
#include "util/rng.h"

/* Indices into a split of `total` samples whose first ones are the probe:
 * in order, or shuffled with seed (>= 0), so that any first n are n
 * distinct samples drawn at random.  NULL when out of memory. */
static size_t *probe_order(size_t total, long long seed)
{
    size_t *idx = malloc((total ? total : 1) * sizeof *idx);
    if (idx == NULL)
        return NULL;
    for (size_t i = 0; i < total; i++)
        idx[i] = i;
    if (seed >= 0) {
        uint64_t s = (uint64_t)seed;
        im_rng_shuffle(idx, total, &s);
    }
    return idx;
}

im_status im_dn_probe_setup(im_registry *reg, const char *cfg, const im_datacfg *dc,
                            const im_dataset *valid, char *err, size_t errlen)
{
    im_probe_request q;
    im_registry_probe_request(reg, &q);
    if (q.n == 0)
        return IM_OK;
    if (dc->valid == NULL)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] probe = %zu: the probe is taken from the valid "
                       "split, and %s has no 'valid' key",
                       cfg, q.line, q.n, dc->path);
    if (valid->n < q.n)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] probe = %zu exceeds the valid split (%s: %zu "
                       "samples)",
                       cfg, q.line, q.n, dc->valid, valid->n);
    size_t cols = valid->w * valid->h * valid->c;
    size_t *idx = probe_order(valid->n, q.seed);
    float *x = malloc(q.n * cols * sizeof *x);
    int32_t *y = malloc(q.n * sizeof *y);
    im_status st;
    if (idx == NULL || x == NULL || y == NULL) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a probe of %zu samples", q.n);
    } else {
        for (size_t i = 0; i < q.n; i++) {
            memcpy(x + i * cols, valid->x + idx[i] * cols, cols * sizeof *x);
            y[i] = valid->y[idx[i]];
        }
        st = im_registry_set_probe(reg, x, y, q.n, cols, err, errlen);
    }
    free(idx);
    free(x);
    free(y);
    return st;
}
