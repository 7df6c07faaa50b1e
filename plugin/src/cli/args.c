#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "args.h"

void im_cli_die(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "infomonitor%s%s: ", verb ? " " : "", verb ? verb : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(IM_EXIT_USAGE);
}

const char *im_cli_value(const char *verb, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        im_cli_die(verb, "option %s needs a value", argv[*i]);
    return argv[++*i];
}

double im_cli_positive(const char *verb, const char *flag, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) || v <= 0.0)
        im_cli_die(verb, "%s must be a number > 0, got '%s'", flag, text);
    return v;
}

unsigned long long im_cli_count(const char *verb, const char *flag, const char *text,
                                unsigned long long max)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        im_cli_die(verb, "%s must be a whole number >= 0, got '%s'", flag, text);
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > max)
        im_cli_die(verb, "%s must be a whole number in 0..%llu, got '%s'", flag, max, text);
    return v;
}
