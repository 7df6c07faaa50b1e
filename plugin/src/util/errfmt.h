/* The one formatter of error messages, used by the estimator core, the back
 * ends (C and CUDA), the .npy reader, the Darknet adapter and the CLI.
 *
 * A message is one line written into the caller's buffer err[errlen]; err
 * may be NULL or errlen 0, and then nothing is written.  Control characters
 * (a newline in a path, say) are shown as '?', so file content or a file
 * name can never break the line.  Each function returns st, so that a
 * caller can write `return im_errf(err, errlen, IM_ERR_IO, "%s: ...", path);`. */
#ifndef IM_UTIL_ERRFMT_H
#define IM_UTIL_ERRFMT_H

#include <stdarg.h>
#include <stddef.h>
#include "infomonitor/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the message at err + at (at <= strlen(err)), replacing what follows. */
im_status im_verrf(char *err, size_t errlen, size_t at, im_status st, const char *fmt, va_list ap);

/* Replace err by the message. */
im_status im_errf(char *err, size_t errlen, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append the message to the one already in err. */
im_status im_errf_append(char *err, size_t errlen, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append the message and a newline to the warnings *warnings (a malloc'd
 * string of lines, or NULL for none), for a caller that hands warnings on
 * instead of printing them.  Messages are cut at 511 characters.  IM_OK, or
 * IM_ERR_NOMEM with *warnings unchanged. */
im_status im_warnf(char **warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
