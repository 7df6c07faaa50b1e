/* Data loading for the Darknet adapter: IDX files (MNIST format), Darknet
 * image lists with a labels file, and Darknet .data files that name them.
 *
 * Nothing here prints or exits. Every function returns an im_status and, on
 * failure, writes one line into err (when err is not NULL and errlen > 0)
 * that names the file, the line or key, and the offending value. Outputs are
 * zeroed first, so the matching free function is safe after a failure. */
#ifndef INFOMONITOR_DARKNET_DATA_H
#define INFOMONITOR_DARKNET_DATA_H

#include <stddef.h>
#include <stdint.h>
#include "infomonitor/status.h"

/* n samples. Row i of x is x[i*w*h*c .. (i+1)*w*h*c), in Darknet's CHW planar
 * order: x[i*w*h*c + k*w*h + row*w + col], values in [0,1]. y[i] is in
 * [0, classes). n and w*h*c fit in an int (Darknet's matrix uses int). */
typedef struct im_dataset {
    size_t n;       /* samples */
    size_t w, h, c; /* image geometry; a row has w*h*c floats */
    size_t classes;
    float *x;   /* n rows of w*h*c floats, CHW planar, values in [0,1] */
    int32_t *y; /* n labels in [0, classes) */
} im_dataset;

/* Frees x and y and zeroes *d. NULL and zeroed datasets are fine. */
void im_dataset_free(im_dataset *d);

/* IDX files, gzip-compressed or plain (zlib reads both):
 *   images: magic 0x00000803 (unsigned bytes, 3 dims), then big-endian
 *           uint32 n, rows, cols, then n*rows*cols bytes, row-major;
 *   labels: magic 0x00000801 (unsigned bytes, 1 dim), then uint32 n, then
 *           n bytes.
 * Pixels become p/255.0 (as Darknet's image loader computes them); c = 1,
 * h = rows, w = cols. classes > 0: every label must be below it; classes = 0:
 * not checked, and out->classes = max label + 1.
 * IM_ERR_IO: a file cannot be opened or read. IM_ERR_FORMAT: bad magic,
 * truncated header or data, trailing data, no samples, label count !=
 * image count, label >= classes. */
im_status im_idx_load(const char *images, const char *labels, size_t classes, im_dataset *out,
                      char *err, size_t errlen);

/* A Darknet image list: one image path per line; blank lines are skipped and
 * trailing spaces, tabs and '\r' are trimmed. Relative paths are relative to
 * the working directory, as in Darknet.
 *
 * Label of a path, like Darknet's fill_truth: the labels that occur in the
 * path as substrings. One match: that label. Several: the one that is
 * "strong" - equal to a whole directory component, or a whole-word prefix of
 * the file name without its extension ("cat" in "cat_01.png" or "cat7.png",
 * not in "cats.png"). No match, or several and not exactly one of them
 * strong, is an IM_ERR_FORMAT error naming the list file, the line, the path
 * and the candidates (with a note on the "rain" in "/train/" pitfall when a
 * label occurs only inside a directory name). All labels are resolved before
 * any image is read.
 *
 * Each image is opened here first (IM_ERR_IO naming list, line and path if it
 * cannot be), its first bytes must be a format that OpenCV reads (JPEG, PNG,
 * BMP, PNM/PAM/PFM, TIFF, WebP, JPEG 2000, Sun raster, Radiance HDR,
 * OpenEXR), and Darknet's load_image() then decodes it through
 * /proc/self/fd/N (Linux). On a decoding failure Darknet prints, sprintf's
 * the name into a 256-byte buffer for system("echo NAME >> bad.list") and
 * returns a blank image: the signature check keeps non-images off that path,
 * and the short fd name keeps the path out of the buffer and the shell. A
 * file with a valid signature and a corrupt body still gets the blank image
 * (and a "/proc/self/fd/N" line in ./bad.list).
 *
 * load_image gives RGB resized (bilinear) to w x h; for c = 1, Darknet's
 * grayscale_image then mixes 0.299 R + 0.587 G + 0.114 B (Debian's
 * load_image(..., 1) itself writes outside its buffer).
 *
 * labels[0..nlabels) are class names (nlabels >= 1); out->classes = nlabels.
 * c must be 1 or 3, w and h at least 2 (Darknet's resize divides by h-1). */
im_status im_imagelist_load(const char *list, char *const *labels, size_t nlabels, size_t w,
                            size_t h, size_t c, im_dataset *out, char *err, size_t errlen);

/* A labels file: one label per non-empty line, leading and trailing white
 * space trimmed (inner spaces kept: "Apple Braeburn"). *labels gets n
 * malloc'd strings. IM_ERR_IO: cannot open or read. IM_ERR_FORMAT: no
 * labels, or a label repeated (both line numbers named). */
im_status im_labels_load(const char *path, char ***labels, size_t *n, char *err, size_t errlen);
void im_labels_free(char **labels, size_t n);

/* A Darknet .data file: "key = value" lines; blank lines and lines starting
 * with '#' or ';' are skipped. Keys and values are trimmed at both ends
 * (Darknet deletes every space, even inside values; here inner spaces stay).
 * Relative paths stay as written: Darknet resolves them against the working
 * directory.
 *
 * Keys: classes (int > 0, required), top (int in [1, classes], default 1),
 * train, valid, labels (synonym: names), backup (default "backup"),
 * train_labels, valid_labels. Two forms:
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
 *     labels is required and must hold exactly classes names.
 * At least one of train and valid must be present.
 * IM_ERR_IO: cannot open or read. IM_ERR_FORMAT (with file:line): unknown key,
 * line without '=', empty key or value, duplicate key (names and labels
 * count as one), classes or top not an integer in range, and the form rules
 * above (with the file name). */
typedef struct im_datacfg {
    char *path;
    int classes, top;
    char *train, *valid, *labels, *backup, *train_labels, *valid_labels;
    int line_train, line_valid, line_labels,
        line_classes; /* line numbers for messages (0 = absent) */
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
