/* The ABI guard, and parsing a network (after the [infomonitor] rewrite)
 * with its weights. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include "cfg_text.h"
#include "driver.h"
#include "gpu_select.h"
#include "maxpool_guard.h"
#include "monitor.h"
#include "net_load.h"
#include "util/errfmt.h"
#include "weights_check.h"

/* The CLI opens the adapter RTLD_GLOBAL, so RTLD_DEFAULT sees libdarknet's
 * symbols (and a test's LD_PRELOADed fake). */
im_status im_dn_check_abi(char *err, size_t errlen)
{
    int lib_gpu = dlsym(RTLD_DEFAULT, "cuda_pull_array") != NULL;
#ifdef GPU
    int plugin_gpu = 1;
#else
    int plugin_gpu = 0;
#endif
    if (lib_gpu != plugin_gpu)
        return im_errf(
            err, errlen, IM_ERR_BACKEND,
            "libdarknet is a %s build (it %s cuda_pull_array), but this infomonitor is a %s "
            "build (compiled %s -DGPU) and needs a %s libdarknet: struct layer and struct "
            "network differ between the two (CPU 1184/272 bytes, GPU 1672/304), so using it "
            "would corrupt memory; %s (see darknet/README.md)",
            lib_gpu ? "GPU" : "CPU", lib_gpu ? "exports" : "lacks", plugin_gpu ? "GPU" : "CPU",
            plugin_gpu ? "with" : "without", plugin_gpu ? "GPU" : "CPU",
            plugin_gpu ? "run the GPU build against darknet/gpu-build/libdarknet.so (make GPU=1), "
                         "or use the CPU build (make) with Debian's libdarknet"
                       : "build infomonitor for it with 'make GPU=1' (Darknet built with CUDA), "
                         "or run against Debian's CPU libdarknet");
    return IM_OK;
}

im_status im_dn_parse(const im_cfg_rewrite *rw, uint64_t seed, network **out, char *err,
                      size_t errlen)
{
    im_cfg_text t;
    im_status st = im_cfg_text_open(rw, &t, err, errlen);
    if (st != IM_OK)
        return st;
    srand((unsigned)seed); /* Darknet's weight initialisation draws rand() */
    network *net = parse_network_cfg(t.path);
    im_cfg_text_close(&t);
    im_dn_guard_maxpool(net);
    im_monitor_detach_loss_deltas(net, rw);
    *out = net;
    return IM_OK;
}

im_status im_dn_load_net(const char *cfg, const char *weights, int clear, uint64_t seed,
                         int gpu, im_cfg_rewrite *rw, network **out, char *err, size_t errlen)
{
    im_status st = im_dn_check_abi(err, errlen);
    if (st != IM_OK || (st = im_dn_select_gpu(gpu, err, errlen)) != IM_OK)
        return st;
    if ((st = im_cfg_rewrite_file(cfg, rw, err, errlen)) != IM_OK)
        return st;
    network *net;
    if ((st = im_dn_parse(rw, seed, &net, err, errlen)) != IM_OK)
        return st;
    if (weights && (st = im_dn_weights_check(net, cfg, weights, err, errlen)) != IM_OK) {
        free_network(net);
        return st;
    }
    if (weights)
        load_weights(net, (char *)weights);
    if (clear)
        *net->seen = 0;
    *out = net;
    return IM_OK;
}

im_status im_dn_check_data(const im_datacfg *dc, int outputs, char *err, size_t errlen)
{
    if (dc->classes != outputs)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: classes = %d, but the network's output layer has %d outputs",
                       dc->path, dc->line_classes, dc->classes, outputs);
    if (dc->top < 1 || dc->top > dc->classes)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: top = %d must be in 1..%d (classes)",
                       dc->path, dc->top, dc->classes);
    return IM_OK;
}
