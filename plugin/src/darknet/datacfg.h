/* Darknet .data files for the Darknet adapter, and the splits they name.
 * Nothing here prints or exits; errors follow data.h. */
#ifndef INFOMONITOR_DARKNET_DATACFG_H
#define INFOMONITOR_DARKNET_DATACFG_H

#include <stddef.h>
#include "infomonitor/status.h"
#include "dataset.h"

/* A Darknet .data file: "key = value" lines; blank lines and lines starting
 * with '#' or ';' are skipped. Keys and values are trimmed at both ends
 * (Darknet deletes every space, even inside values; here inner spaces stay).
 * Relative paths stay as written: Darknet resolves them against the working
 * directory.
 *
 * Keys: classes (int > 0, required), top (int in [1, classes], default 1),
 * train, valid, labels, names, backup (default "backup"), train_labels,
 * valid_labels.  labels and names: Darknet's classifier trains and
 * validates with labels (the class names, in output order, that image
 * paths are matched against) and shows names (display names; Debian's
 * imagenet1k.data has both), its detector reads names only (voc.data,
 * coco.data).  So labels is the class-names file, and names serves as it
 * when labels is absent; when both are given, names is not used.
 * Keys that Darknet's examples read and this adapter does not (eval, map,
 * results, leaves, tree, tag, test) are accepted and ignored.  Any other
 * key is ignored with a warning (in warnings; a near key is suggested):
 * Darknet ignores it too, so refusing it would refuse files Darknet runs.
 * Two forms:
 *   IDX form  (train_labels or valid_labels present):
 *       train = mnist/train-images-idx3-ubyte.gz
 *       train_labels = mnist/train-labels-idx1-ubyte.gz
 *       valid = mnist/t10k-images-idx3-ubyte.gz
 *       valid_labels = mnist/t10k-labels-idx1-ubyte.gz
 *       classes = 10
 *     each of train/valid comes with its _labels key; labels is optional
 *     (class names, checked against classes when a split is loaded).
 *   List form (no *_labels key):
 *       train = train.list
 *       valid = valid.list
 *       labels = labels.txt
 *       classes = 3
 *     labels (or names) is required and must hold exactly classes names.
 * At least one of train and valid must be present.
 * No file a key names is opened here (im_datacfg_split does that).
 * IM_ERR_IO: cannot open or read. IM_ERR_FORMAT (with file:line): line
 * without '=', empty key or value, a key of ours given twice, classes or top
 * not an integer in range, and the form rules above (with the file name). */
typedef struct im_datacfg {
    char *path;
    int classes, top;
    char *train, *valid, *labels, *backup, *train_labels, *valid_labels;
    int line_train, line_valid, line_labels,
        line_classes; /* line numbers for messages (0 = absent) */
    char *warnings;   /* "path:line: ...\n" lines for the user, or NULL; not printed here */
} im_datacfg;

im_status im_datacfg_load(const char *path, im_datacfg *out, char *err, size_t errlen);

/* Frees the strings and zeroes *c. NULL and zeroed configs are fine. */
void im_datacfg_free(im_datacfg *c);

/* Loads the train (which = 0) or valid (which = 1) split of cfg for a
 * network input of w x h x c. IDX form: im_idx_load, and the images must be
 * h rows by w columns with c = 1 (IM_ERR_FORMAT naming the .data file and
 * both shapes otherwise). List form: im_labels_load + im_imagelist_load.
 * Either form: a labels file must hold exactly cfg->classes names, and
 * out->classes = cfg->classes. IM_ERR_ARG: which not 0 or 1, or the split's
 * key is absent from the .data file. */
im_status im_datacfg_split(const im_datacfg *cfg, int which, size_t w, size_t h, size_t c,
                           im_dataset *out, char *err, size_t errlen);

#endif
