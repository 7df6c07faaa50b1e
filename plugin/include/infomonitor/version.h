/* The library's version: the one place it is written.  The Makefile reads
 * IM_VERSION from here for infomonitor.pc, and `infomonitor --version`
 * prints im_version(). */
#ifndef INFOMONITOR_VERSION_H
#define INFOMONITOR_VERSION_H

#include "api.h"

#define IM_VERSION "0.2.0"

#ifdef __cplusplus
extern "C" {
#endif

/* IM_VERSION as the library was built (static storage). */
IM_API const char *im_version(void);

#ifdef __cplusplus
}
#endif
#endif
