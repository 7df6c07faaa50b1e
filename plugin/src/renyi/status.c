/* Status names and the library version. */
#include "infomonitor/status.h"
#include "infomonitor/version.h"

const char *im_status_str(im_status s)
{
    switch (s) {
    case IM_OK: return "ok";
    case IM_ERR_ARG: return "invalid argument";
    case IM_ERR_NOMEM: return "out of memory";
    case IM_ERR_SOLVER: return "eigenvalue solver failed";
    case IM_ERR_BACKEND: return "back end unavailable";
    case IM_ERR_IO: return "input/output error";
    case IM_ERR_FORMAT: return "malformed input";
    case IM_ERR_UNDEFINED: return "undefined for these data";
    }
    return "unknown status";
}

const char *im_version(void)
{
    return IM_VERSION;
}
