/* Data loading for the Darknet adapter: IDX files (MNIST format), Darknet
 * image lists with a labels file, and Darknet .data files that name them.
 * This header gathers them; each has its own header and file:
 *   dataset.h     the dataset every loader fills, im_dataset_free
 *   idx.h         IDX files, im_idx_load
 *   labels.h      labels files, im_labels_load / im_labels_free
 *   image_list.h  Darknet image lists, im_imagelist_load
 *   datacfg.h     .data files and their splits, im_datacfg_*
 *
 * Nothing here prints or exits. Every function returns an im_status and, on
 * failure, writes one line into err (when err is not NULL and errlen > 0)
 * that names the file, the line or key, and the offending value. Outputs are
 * zeroed first, so the matching free function is safe after a failure. */
#ifndef INFOMONITOR_DARKNET_DATA_H
#define INFOMONITOR_DARKNET_DATA_H

#include "dataset.h"
#include "idx.h"
#include "labels.h"
#include "image_list.h"
#include "datacfg.h"

#endif
