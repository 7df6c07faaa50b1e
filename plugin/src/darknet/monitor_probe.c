/* The probe: a fixed set of valid samples on which the probe monitors
 * measure their forward quantities (monitor.h).  The training driver picks
 * the samples (probe_set.c) and hands them over once; after a training step
 * in which a probe monitor measures, the probe pass runs the network over
 * them with Darknet's inference path while the taps capture. */
#include <stdlib.h>
#include <string.h>
#include "monitor_internal.h"
#include "util/errfmt.h"

im_status im_mon_probe_open(im_registry *reg, char *err, size_t errlen)
{
    size_t n = reg->probe_n, cols = reg->x_cols;
    if (n == 0)
        return IM_OK;
    reg->probe_x = calloc((size_t)reg->net->batch * cols, sizeof(float));
    reg->probe_y = calloc(n, sizeof(int32_t));
    int bad = reg->probe_x == NULL || reg->probe_y == NULL;
    for (int b = 0; b < 2; b++) {
        reg->pcap[b].x = calloc(n * cols, sizeof(float));
        reg->pcap[b].y = calloc(n, sizeof(int32_t));
        bad |= reg->pcap[b].x == NULL || reg->pcap[b].y == NULL;
    }
    return bad ? im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a probe of %zu samples", n)
               : IM_OK;
}

void im_mon_probe_free(im_registry *reg)
{
    free(reg->probe_x);
    free(reg->probe_y);
    for (int b = 0; b < 2; b++) {
        free(reg->pcap[b].x);
        free(reg->pcap[b].y);
    }
    free(reg->pgx.K);
    free(reg->pgy.K);
}

void im_registry_probe_request(const im_registry *reg, im_probe_request *q)
{
    *q = (im_probe_request){reg->probe_n, -1, 0};
    for (size_t i = 0; i < reg->nmon && q->line == 0; i++) {
        const im_monitor_spec *s = &reg->mon[i].spec;
        if (s->probe > 0 && (size_t)s->probe == reg->probe_n) {
            q->seed = s->probe_seed;
            q->line = s->line;
        }
    }
}

im_status im_registry_set_probe(im_registry *reg, const float *x, const int32_t *y, size_t n,
                                size_t cols, char *err, size_t errlen)
{
    if (n == 0 || n != reg->probe_n || cols != reg->x_cols)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "im_registry_set_probe: %zu samples of %zu values; the monitors ask for "
                       "%zu of %zu",
                       n, cols, reg->probe_n, reg->x_cols);
    for (size_t j = 0; j < (size_t)reg->net->batch; j++)
        memcpy(reg->probe_x + j * cols, x + (j % n) * cols, cols * sizeof(float));
    memcpy(reg->probe_y, y, n * sizeof *y);
    reg->probe_ready = 1;
    return IM_OK;
}

/* Whether a probe monitor measures at iteration it. */
static int probe_due(const im_registry *reg, size_t it)
{
    for (size_t i = 0; i < reg->nmon; i++)
        if (reg->mon[i].spec.probe > 0 && im_mon_measures(&reg->mon[i], it))
            return 1;
    return 0;
}

/* network_predict() is Darknet's inference path: it points net->input at
 * the probe batch, clears net->truth, net->delta and net->train, runs
 * forward_network() and then restores the whole network struct.  What the
 * pass changes besides is the layers' buffers (outputs, deltas zeroed,
 * batch-norm and pooling scratch, the workspace), all of which the next
 * training step rewrites before reading, and *net->cost, which
 * calc_network_cost() rewrites: it is put back.  Inference draws no random
 * numbers and leaves weights, their updates and the batch-norm rolling
 * statistics alone. */
im_status im_registry_probe_pass(im_registry *reg, char *err, size_t errlen)
{
    network *net = reg->net;
    if (reg->probe_n == 0 || !probe_due(reg, im_mon_iteration(net)))
        return IM_OK;
    if (!reg->probe_ready)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "im_registry_probe_pass: probe monitors, but no probe was set "
                       "(im_registry_set_probe)");
    float cost = *net->cost;
    reg->probing = 1;
    network_predict(net, reg->probe_x);
    reg->probing = 0;
    *net->cost = cost;
    return IM_OK;
}
