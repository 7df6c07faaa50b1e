/* TESTING ONLY (monitor_testing.h): the front captures, which hold the last
 * training step's copies until the next one is submitted. */
#include "monitor_internal.h"
#include "monitor_testing.h"

const float *im_registry_last_t(const im_registry *reg, size_t i, size_t *n)
{
    *n = reg->mon[i].n;
    return reg->mon[i].cap[reg->front].t;
}

const float *im_registry_last_delta(const im_registry *reg, size_t i, size_t *n)
{
    *n = reg->mon[i].n;
    return reg->mon[i].cap[reg->front].dk;
}

const float *im_registry_last_x(const im_registry *reg, size_t *n, size_t *cols)
{
    *n = reg->nmax;
    *cols = reg->x_cols;
    return reg->cap[reg->front].x;
}

const int32_t *im_registry_last_y(const im_registry *reg, size_t *n)
{
    *n = reg->nmax;
    return reg->cap[reg->front].y;
}

const float *im_registry_last_dK(const im_registry *reg, size_t *n, size_t *cols)
{
    *n = reg->nmax;
    *cols = reg->dK_cols;
    return reg->cap[reg->front].dK;
}

const float *im_registry_last_probe_x(const im_registry *reg, size_t *n, size_t *cols)
{
    *n = reg->probe_n;
    *cols = reg->x_cols;
    return reg->pcap[reg->front].x;
}

const int32_t *im_registry_last_probe_y(const im_registry *reg, size_t *n)
{
    *n = reg->probe_n;
    return reg->pcap[reg->front].y;
}
