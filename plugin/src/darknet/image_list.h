/* Darknet image lists for the Darknet adapter. Nothing here prints or
 * exits; errors follow data.h. */
#ifndef INFOMONITOR_DARKNET_IMAGE_LIST_H
#define INFOMONITOR_DARKNET_IMAGE_LIST_H

#include <stddef.h>
#include "infomonitor/status.h"
#include "dataset.h"

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

#endif
