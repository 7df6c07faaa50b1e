#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "args.h"
#include "util/errfmt.h"
#include "util/parse.h"

static _Noreturn void vfail(const char *verb, int code, const char *fmt, va_list ap)
{
    char msg[2048];
    im_verrf(msg, sizeof msg, 0, IM_OK, fmt, ap);
    fflush(stdout);
    fprintf(stderr, "infomonitor%s%s: %s\n", verb ? " " : "", verb ? verb : "", msg);
    exit(code);
}

void im_cli_fail(const char *verb, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(verb, code, fmt, ap);
}

void im_cli_die(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(verb, IM_EXIT_USAGE, fmt, ap);
}

const char *im_cli_value(const char *verb, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        im_cli_die(verb, "option %s needs a value", argv[*i]);
    return argv[++*i];
}

double im_cli_positive(const char *verb, const char *flag, const char *text)
{
    double v;
    if (!im_parse_positive(text, &v))
        im_cli_die(verb, "%s must be a number > 0, got '%s'", flag, text);
    return v;
}

unsigned long long im_cli_count(const char *verb, const char *flag, const char *text,
                                unsigned long long min, unsigned long long max)
{
    long long v;
    if (!im_parse_int(text, (long long)min, (long long)max, &v))
        im_cli_die(verb, "%s must be a whole number in %llu..%llu, got '%s'", flag, min, max, text);
    return (unsigned long long)v;
}

double im_cli_number(const char *verb, const char *flag, const char *text, double lo, int lo_open,
                     double hi, int hi_open)
{
    double v;
    if (!im_parse_num(text, -HUGE_VAL, HUGE_VAL, &v) || v < lo || v > hi ||
        (lo_open && v == lo) || (hi_open && v == hi))
        im_cli_die(verb, "%s must be a number in %c%g, %g%c, got '%s'", flag, lo_open ? '(' : '[',
                   lo, hi, hi_open ? ')' : ']', text);
    return v;
}
