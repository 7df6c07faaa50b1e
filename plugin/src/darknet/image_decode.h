/* One image of an image list, decoded as Darknet's load_image would, but
 * checked: never Darknet's load_image, which hands a decoding failure a
 * blank image (and writes ./bad.list) and lets OpenCV throw on a huge one.
 * Internal to the adapter (image_list.c); nothing here prints or exits.
 *
 * The file is read into memory here (at most IM_IMAGE_MAX_FILE bytes), its
 * signature must be one of the formats decoded (JPEG, PNG, BMP, binary
 * 8-bit PGM/PPM: P5/P6 with maxval 255), and a cheap structural check comes
 * where stb_image would accept a cut file: a JPEG ends with the EOI marker
 * FF D9 (trailing 0x00 padding allowed, nothing else), its marker segments
 * lie within the file and its Huffman tables are ones libjpeg accepts (at
 * most 256 symbols, DC categories 0..15; stb_image 2.19 aborts or writes
 * past its tables on others), a PNG's IHDR pairs a bit depth and colour
 * type that PNG allows (stb_image 2.19 aborts on RGB at 4 bits), its
 * chunks run up to an IEND chunk and each chunk's CRC-32 matches, a BMP or
 * PGM/PPM holds all the pixel bytes its header announces.  The size in the
 * header (stbi_info_from_memory) must be within
 * IM_IMAGE_MAX_SIDE a side and IM_IMAGE_MAX_PIXELS in all before anything is
 * allocated for the pixels; then libdarknet's stb_image decodes it to RGB.
 *
 * The result is load_image(path, w, h, 3)'s: planes R, G, B (CHW) of floats
 * v/255, resized with Darknet's resize_image (bilinear) when the size
 * differs from w x h; for c = 1, Darknet's grayscale_image of that.
 * Lossless images give the same floats as Darknet's OpenCV build. */
#ifndef INFOMONITOR_DARKNET_IMAGE_DECODE_H
#define INFOMONITOR_DARKNET_IMAGE_DECODE_H

#include <stddef.h>
#include "infomonitor/status.h"

/* Largest image file read (bytes): an uncompressed BMP of the largest image
 * (IM_IMAGE_MAX_PIXELS at 4 bytes) is 256 MiB. */
#define IM_IMAGE_MAX_FILE (512u << 20)
/* Largest width or height of an image file. */
#define IM_IMAGE_MAX_SIDE 16384
/* Largest width * height: 2^26 (8192 x 8192), 192 MiB of decoded RGB and
 * 768 MiB of floats. */
#define IM_IMAGE_MAX_PIXELS (1u << 26)

/* Where an image comes from, for messages: "list:line: "path"". */
typedef struct im_image_ref {
    const char *list;
    int line;
    const char *path;
} im_image_ref;

/* Decodes ref->path into row (w*h*c floats, c 1 or 3, w and h at least 2).
 * IM_ERR_IO when the file cannot be opened or read, IM_ERR_FORMAT when it
 * is not a decoded format, is truncated or corrupt, or is over the limits,
 * IM_ERR_NOMEM; every message starts with list:line: and the path. */
im_status im_image_decode(const im_image_ref *ref, size_t w, size_t h, size_t c, float *row,
                          char *err, size_t errlen);

#endif
