/* IM_API marks the functions that libinfomonitor exports.  The library is
 * built with -fvisibility=hidden, so everything else (the back ends, the
 * core's helpers) stays internal to it. */
#ifndef INFOMONITOR_API_H
#define INFOMONITOR_API_H

#if defined(__GNUC__) || defined(__clang__)
#define IM_API __attribute__((visibility("default")))
#else
#define IM_API
#endif

#endif
