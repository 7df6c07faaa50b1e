#include <stdio.h>
#include <stdlib.h>
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

im_status im_warnf(char **warnings, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    im_verrf(msg, sizeof msg, 0, IM_OK, fmt, ap);
    va_end(ap);
    size_t old = *warnings ? strlen(*warnings) : 0, n = strlen(msg);
    char *w = realloc(*warnings, old + n + 2);
    if (w == NULL)
        return IM_ERR_NOMEM;
    memcpy(w + old, msg, n);
    w[old + n] = '\n';
    w[old + n + 1] = '\0';
    *warnings = w;
    return IM_OK;
}
