/* Top-1/top-k accuracy and the `valid` verb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "driver.h"
#include "net_load.h"
#include "util/errfmt.h"
#include "valid.h"

im_status im_dn_accuracy(network *net, const im_dataset *d, int topk, double *top1, double *topn,
                         char *err, size_t errlen)
{
    size_t B = (size_t)net->batch, cols = (size_t)net->inputs, K = d->classes;
    float *buf = calloc(B * cols, sizeof(float)); /* B rows of cols, row-major */
    int *idx = malloc((size_t)topk * sizeof(int));
    if (buf == NULL || idx == NULL) {
        free(buf);
        free(idx);
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for validation");
    }
    size_t hit1 = 0, hitk = 0;
    for (size_t s = 0; s < d->n; s += B) {
        size_t m = d->n - s < B ? d->n - s : B;
        memcpy(buf, d->x + s * cols, m * cols * sizeof(float));
        memset(buf + m * cols, 0, (B - m) * cols * sizeof(float));
        const float *out = network_predict(net, buf);
        for (size_t i = 0; i < m; i++) {
            top_k((float *)out + i * (size_t)net->outputs, (int)K, topk, idx);
            int y = d->y[s + i];
            hit1 += idx[0] == y;
            for (int j = 0; j < topk; j++)
                if (idx[j] == y) {
                    hitk++;
                    break;
                }
        }
    }
    free(buf);
    free(idx);
    *top1 = (double)hit1 / (double)d->n;
    *topn = (double)hitk / (double)d->n;
    return IM_OK;
}

im_status im_dn_valid(const char *datacfg, const char *cfg, const char *weights, char *err,
                      size_t errlen)
{
    im_datacfg dc = {0};
    im_cfg_rewrite rw = {0};
    im_dataset valid = {0};
    network *net = NULL;
    im_status st = im_datacfg_load(datacfg, &dc, err, errlen);
    if (st != IM_OK)
        goto out;
    im_dn_print_warnings(dc.warnings);
    if (dc.valid == NULL) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: no 'valid' key", datacfg);
        goto out;
    }
    if ((st = im_dn_load_net(cfg, weights, 0, 0, -1, &rw, &net, err, errlen)) != IM_OK)
        goto out;
    if ((st = im_dn_check_data(&dc, net->outputs, err, errlen)) != IM_OK)
        goto out;
    im_dn_print_warnings(rw.model.warnings);
    if ((st = im_datacfg_split(&dc, 1, (size_t)net->w, (size_t)net->h, (size_t)net->c, &valid, err,
                               errlen)) != IM_OK)
        goto out;
    double a1, ak;
    if ((st = im_dn_accuracy(net, &valid, dc.top, &a1, &ak, err, errlen)) != IM_OK)
        goto out;
    printf("top-1: %.4f, top-%d: %.4f (%zu images)\n", a1, dc.top, ak, valid.n);
out:
    if (net)
        free_network(net);
    im_dataset_free(&valid);
    im_cfg_rewrite_free(&rw);
    im_datacfg_free(&dc);
    return st;
}
