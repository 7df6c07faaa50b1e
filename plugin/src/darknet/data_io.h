/* Helpers the data readers share (idx.c, labels.c, image_list.c,
 * datacfg.c). Internal to the adapter: not part of data.h. */
#ifndef INFOMONITOR_DARKNET_DATA_IO_H
#define INFOMONITOR_DARKNET_DATA_IO_H

/* strerror(errno), or strerror(EIO) when errno is 0 (a failure that did
 * not set it), for "cannot open/read" messages. */
const char *im_data_errno_str(void);

/* Trims spaces, tabs, '\r' and '\n' at the end of s, in place, and spaces
 * and tabs at the start too when both_ends; returns the start. */
char *im_data_trim(char *s, int both_ends);

#endif
