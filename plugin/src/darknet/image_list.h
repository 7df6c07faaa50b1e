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
 * Each image is then decoded by image_decode.h, never by Darknet's
 * load_image (which gives a blank image for a file it cannot decode and
 * appends to ./bad.list): only JPEG, PNG, BMP and binary 8-bit PGM/PPM
 * (P5/P6, maxval 255); a file over IM_IMAGE_MAX_FILE (512 MiB) or of
 * another format (TIFF, WebP, JPEG 2000, GIF, ... named in the message) is
 * refused, a truncated one is caught by a structural check (JPEG ends with
 * its EOI marker, 0x00 padding allowed, and Huffman tables libjpeg accepts;
 * PNG has an IHDR of an allowed bit depth and colour type and an IEND
 * chunk; BMP and PGM/PPM hold all their pixel bytes), and a header size over
 * IM_IMAGE_MAX_SIDE (16384) a side or IM_IMAGE_MAX_PIXELS (2^26) in all is
 * refused before any allocation. An unreadable image is IM_ERR_IO, any
 * other of these IM_ERR_FORMAT; each message names the list file, the line
 * and the image path. Nothing is written into the working folder.
 *
 * An image becomes what load_image gave: RGB planes (CHW) of v/255 floats,
 * resized with Darknet's resize_image (bilinear) to w x h; for c = 1,
 * Darknet's grayscale_image then mixes 0.299 R + 0.587 G + 0.114 B.
 * Lossless files give exactly the floats of Darknet's OpenCV build.
 *
 * labels[0..nlabels) are class names (nlabels >= 1); out->classes = nlabels.
 * c must be 1 or 3, w and h at least 2 (Darknet's resize divides by h-1). */
im_status im_imagelist_load(const char *list, char *const *labels, size_t nlabels, size_t w,
                            size_t h, size_t c, im_dataset *out, char *err, size_t errlen);

#endif
