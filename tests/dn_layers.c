/* The independent reference of tests/test_check.py: Debian's libdarknet
 * parses CFG and this prints what it built, one line per layer,
 *   L index type w h c out_w out_h out_c outputs
 * then "N batch inputs outputs" and "M bytes", the virtual memory the parse
 * added (/proc/self/status VmSize).  With "train", one training step on
 * zero data follows ("T loss"): the crashing layer orders die there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet.h"

static long vm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f != NULL && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmSize:", 7))
            v = atol(line + 7);
    if (f != NULL)
        fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dn_layers CFG [train]\n");
        return 2;
    }
    gpu_index = -1;
    long before = vm_kb();
    network *net = parse_network_cfg(argv[1]);
    long after = vm_kb();
    for (int i = 0; i < net->n; i++) {
        layer l = net->layers[i];
        printf("L %d %d %d %d %d %d %d %d %d\n", i, (int)l.type, l.w, l.h, l.c, l.out_w, l.out_h,
               l.out_c, l.outputs);
    }
    printf("N %d %d %d\nM %ld\n", net->batch, net->inputs, net->outputs, (after - before) * 1024);
    fflush(stdout);
    if (argc > 2 && !strcmp(argv[2], "train")) {
        data d = {0};
        d.X = make_matrix(net->batch, net->inputs);
        d.y = make_matrix(net->batch, net->truths);
        for (int i = 0; i < net->batch; i++)
            d.y.vals[i][0] = 1;
        printf("T %f\n", train_network(net, d));
    }
    return 0;
}
