/* Status codes returned by every libinfomonitor function.
 *
 * The library never exits or aborts on anything that an input can cause: it
 * returns one of these codes, and the context keeps a one-line message with
 * the details (im_context_error()).  Two kinds of failure are kept apart:
 * IM_ERR_ARG is the caller's misuse (a NULL pointer, n < 2, alpha <= 0), a
 * bug to fix; IM_ERR_UNDEFINED is kept for a quantity that the data leave
 * undefined.  No function of this version returns it: every quantity is
 * defined for finite data, degenerate variables included (gram.h). */
#ifndef INFOMONITOR_STATUS_H
#define INFOMONITOR_STATUS_H

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum im_status {
    IM_OK = 0,
    IM_ERR_ARG,         /* an argument is out of range (alpha <= 0, sigma <= 0, n < 2, NULL ...) */
    IM_ERR_NOMEM,       /* an allocation failed */
    IM_ERR_SOLVER,      /* the eigenvalue solver reported failure (LAPACK info != 0) */
    IM_ERR_BACKEND,     /* the requested back end is unknown or not available on this machine */
    IM_ERR_IO,          /* a file could not be read or written (the CLI, the adapter, .npy) */
    IM_ERR_FORMAT,      /* a file is malformed (the CLI, the adapter, .npy) */
    IM_ERR_UNDEFINED    /* the quantity is undefined for these data (not a misuse) */
} im_status;

/* A short, static, human-readable name for a status ("ok", "invalid argument", ...). */
IM_API const char *im_status_str(im_status s);

#ifdef __cplusplus
}
#endif
#endif
