#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "parse.h"

int im_parse_int(const char *s, long long lo, long long hi, long long *out)
{
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int im_parse_num(const char *s, double lo, double hi, double *out)
{
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int im_parse_positive(const char *s, double *out)
{
    double v;
    if (!im_parse_num(s, 0.0, HUGE_VAL, &v) || v == 0.0)
        return 0;
    *out = v;
    return 1;
}
