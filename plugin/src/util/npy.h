/* Reader and writer for NumPy .npy files (format versions 1.0, 2.0, 3.0).
 *
 * File layout: "\x93NUMPY", major, minor, header length (uint16 LE for 1.0,
 * uint32 LE for 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal
 * such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and ending in '\n', then the raw elements.
 *
 * Only plain little-endian numeric dtypes in C order are read. Every function
 * returns a status and, on failure, writes one line naming the file and the
 * offending value into err (which may be NULL); none prints or exits. */
#ifndef IM_UTIL_NPY_H
#define IM_UTIL_NPY_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "infomonitor/status.h"

#define IM_NPY_MAX_DIMS 8

typedef struct im_npy {
    char kind;        /* 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool */
    int itemsize;     /* bytes per element: f 4/8, i/u 1/2/4/8, b 1 */
    int ndim;         /* 0..8 */
    size_t shape[IM_NPY_MAX_DIMS];
    size_t count;     /* product of shape (1 for ndim 0) */
    void *data;       /* count*itemsize bytes, native little-endian, C order */
} im_npy;

/* Read path into *out. On failure *out is left empty (data NULL), so
 * im_npy_free() is always safe. data is never NULL on success, even for
 * zero elements. */
im_status im_npy_load(const char *path, im_npy *out, char *err, size_t errlen);

/* Free a->data and empty *a; a may be NULL. */
void im_npy_free(im_npy *a);

/* Convert to a new float32 array of a->count elements (from f4/f8/any int/bool;
 * bool becomes 0/1). f8 values beyond the float32 range become +-inf and
 * large integers round to nearest, as numpy's astype(float32) does.
 * Free *out with free(). */
im_status im_npy_as_float(const im_npy *a, float **out, char *err, size_t errlen);

/* Convert integer/bool array to int32 labels; a float array is accepted only
 * if every value is integral and fits; values out of int32 range are an error
 * (IM_ERR_FORMAT naming path, the value and its flat index). path is used only
 * in messages and may be NULL. Free *out with free(). */
im_status im_npy_as_labels(const im_npy *a, const char *path, int32_t **out, char *err,
                           size_t errlen);

/* Element types of the writer: little-endian float32 ('<f4') and int32
 * ('<i4'), 4 bytes each. */
typedef enum { IM_NPY_F32, IM_NPY_I32 } im_npy_dtype;

/* Write a version 1.0 C-order .npy of `type` with the given shape (ndim
 * 0..8; shape may be NULL when ndim is 0) to the stream f, laid out as
 * np.save does: header, then data (product of shape elements of 4 bytes).
 * path names the destination in messages only (NULL: "(stream)").  f is
 * not flushed or closed: the caller owns it (e.g. an atomic_file.h
 * temporary file).  IM_ERR_ARG for bad arguments (nothing written),
 * IM_ERR_IO when fwrite fails (f holds a partial file). */
im_status im_npy_write(FILE *f, const char *path, im_npy_dtype type, const void *data, int ndim,
                       const size_t *shape, char *err, size_t errlen);

/* Write a float32 .npy at path (im_npy_write into a new file, flushed and
 * closed). A partly written regular file is removed on failure. */
im_status im_npy_save_f32(const char *path, const float *data, int ndim, const size_t *shape,
                          char *err, size_t errlen);

#endif
