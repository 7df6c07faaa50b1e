/* The guarded maxpool backward pass (maxpool_guard.h). */
#include "maxpool_guard.h"

/* backward_maxpool_layer of Darknet 61c9d02e, skipping index -1 and a NULL
 * delta. */
static void backward_guarded(layer l, network net)
{
    if (net.delta == NULL)
        return;
    int n = l.out_h * l.out_w * l.c * l.batch;
    for (int i = 0; i < n; i++)
        if (l.indexes[i] >= 0)
            net.delta[l.indexes[i]] += l.delta[i];
}

void im_dn_guard_maxpool(network *net)
{
    for (int i = 0; i < net->n; i++)
        if (net->layers[i].type == MAXPOOL)
            net->layers[i].backward = backward_guarded;
}
