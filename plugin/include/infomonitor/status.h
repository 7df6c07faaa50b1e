/* Status codes returned by every libinfomonitor function.
 *
 * The library never exits or aborts on anything that an input can cause: it
 * returns one of these codes, and the context keeps a one-line message with
 * the details (im_context_error()). */
#ifndef INFOMONITOR_STATUS_H
#define INFOMONITOR_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum im_status {
    IM_OK = 0,
    IM_ERR_ARG,         /* an argument is out of range (alpha <= 0, sigma <= 0, n < 2, NULL ...) */
    IM_ERR_NOMEM,       /* an allocation failed */
    IM_ERR_SOLVER,      /* the eigenvalue solver reported failure (LAPACK info != 0) */
    IM_ERR_BACKEND,     /* the requested back end is unknown or not available on this machine */
    IM_ERR_IO,          /* a file could not be read (used by the CLI and the Darknet adapter) */
    IM_ERR_FORMAT       /* a file is malformed (used by the CLI and the Darknet adapter) */
} im_status;

/* A short, static, human-readable name for a status ("ok", "invalid argument", ...). */
const char *im_status_str(im_status s);

#ifdef __cplusplus
}
#endif
#endif
