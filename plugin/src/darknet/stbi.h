/* The stb_image functions that libdarknet carries (its image.c builds
 * stb_image 2.19 and stb_image_write) and exports, though darknet.h does
 * not declare them.  The decoder (image_decode.c) uses the readers; the
 * writers make test images (tests/test_data.c). */
#ifndef INFOMONITOR_DARKNET_STBI_H
#define INFOMONITOR_DARKNET_STBI_H

/* 1 and the size and channels in the file, from its header only; 0 if the
 * header is not one stb_image reads. */
int stbi_info_from_memory(const unsigned char *buffer, int len, int *x, int *y, int *comp);

/* The pixels, row-major with desired_channels interleaved 8-bit values
 * (free with stbi_image_free), or NULL (see stbi_failure_reason). */
unsigned char *stbi_load_from_memory(const unsigned char *buffer, int len, int *x, int *y,
                                     int *channels_in_file, int desired_channels);

/* Why the last load or info failed (a short word, possibly ""). */
const char *stbi_failure_reason(void);

void stbi_image_free(void *retval_from_stbi_load);

/* Writers: 1 on success. */
int stbi_write_png(const char *filename, int w, int h, int comp, const void *data,
                   int stride_in_bytes);
int stbi_write_bmp(const char *filename, int w, int h, int comp, const void *data);
int stbi_write_jpg(const char *filename, int w, int h, int comp, const void *data, int quality);

#endif
