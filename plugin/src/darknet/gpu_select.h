/* Choosing Darknet's device before a network is parsed.  Darknet keeps it
 * in its global gpu_index (0 when libdarknet loads), which
 * parse_network_cfg copies into net->gpu_index: >= 0 runs the *_gpu
 * functions (a GPU build only), -1 the CPU ones. */
#ifndef IM_DN_GPU_SELECT_H
#define IM_DN_GPU_SELECT_H

#include <stddef.h>
#include "infomonitor/status.h"

/* Set gpu_index to `gpu` (-1: the CPU path), and on a GPU build make
 * device `gpu` the calling thread's current one in Darknet's CUDA runtime
 * (its cuda_set_device), where its layers then allocate.
 *   gpu < 0                 IM_OK.
 *   gpu >= 0, a CPU build   IM_ERR_ARG: the message says this is a CPU build
 *                           and how to make a GPU one (make GPU=1).
 *   gpu >= 0, a GPU build   IM_ERR_BACKEND when the CUDA driver is missing or
 *                           older than the runtime Darknet was built with,
 *                           when device `gpu` does not exist, or when
 *                           libdarknet lacks cuda_set_device; the message
 *                           names cudaDriverGetVersion's, cudaRuntimeGetVersion's
 *                           and cudaGetDeviceCount's results.
 * gpu_index is -1 after a failure. */
im_status im_dn_select_gpu(int gpu, char *err, size_t errlen);

#endif
