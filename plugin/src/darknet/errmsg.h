/* One-line error messages of the Darknet adapter: written into the caller's
 * buffer, control characters (a newline in a path, say) shown as '?'. */
#ifndef IM_DN_ERRMSG_H
#define IM_DN_ERRMSG_H

#include <stddef.h>
#include "infomonitor/status.h"

/* Write the message into err (may be NULL or errlen 0) and return st. */
im_status im_dn_fail(char *err, size_t errlen, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append to the message already in err and return st. */
im_status im_dn_append(char *err, size_t errlen, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
