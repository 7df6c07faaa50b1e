#include "infomonitor/status.h"

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
    }
    return "unknown status";
}
