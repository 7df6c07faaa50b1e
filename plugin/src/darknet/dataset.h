/* The dataset every data loader of the Darknet adapter fills (idx.h,
 * image_list.h, datacfg.h). */
#ifndef INFOMONITOR_DARKNET_DATASET_H
#define INFOMONITOR_DARKNET_DATASET_H

#include <stddef.h>
#include <stdint.h>

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

#endif
