#include <stdio.h>
#include <string.h>
#include "errfmt.h"

im_status im_verrf(char *err, size_t errlen, size_t at, im_status st, const char *fmt, va_list ap)
{
    if (err == NULL || errlen == 0 || at >= errlen)
        return st;
    vsnprintf(err + at, errlen - at, fmt, ap);
    for (char *p = err + at; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return st;
}

im_status im_errf(char *err, size_t errlen, im_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    im_verrf(err, errlen, 0, st, fmt, ap);
    va_end(ap);
    return st;
}

im_status im_errf_append(char *err, size_t errlen, im_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    im_verrf(err, errlen, err != NULL && errlen > 0 ? strnlen(err, errlen) : 0, st, fmt, ap);
    va_end(ap);
    return st;
}
