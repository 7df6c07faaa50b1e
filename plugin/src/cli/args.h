/* Small helpers shared by the CLI verbs: strict number parsing and the one
 * place that turns an error into a message and exit status 2. */
#ifndef IM_CLI_ARGS_H
#define IM_CLI_ARGS_H

#include <stddef.h>

/* Exit status for bad input (files, flags). */
#define IM_EXIT_USAGE 2

/* Print "infomonitor <verb>: <message>" on stderr (one line, through the
 * project's message formatter) and exit(code). */
_Noreturn void im_cli_fail(const char *verb, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* im_cli_fail with IM_EXIT_USAGE: bad input. */
_Noreturn void im_cli_die(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The value following flag argv[*i], advancing *i; dies if it is missing. */
const char *im_cli_value(const char *verb, int argc, char **argv, int *i);

/* Parse a finite double > 0 given to `flag`; dies naming flag and text otherwise. */
double im_cli_positive(const char *verb, const char *flag, const char *text);

/* Parse a whole number in min..max (max <= LLONG_MAX) given to `flag`;
 * dies otherwise, naming the flag, the range and the text. */
unsigned long long im_cli_count(const char *verb, const char *flag, const char *text,
                                unsigned long long min, unsigned long long max);

/* Parse a finite number given to `flag` between lo and hi (hi may be
 * INFINITY), each end included unless lo_open / hi_open; dies otherwise,
 * naming the flag, the interval and the text. */
double im_cli_number(const char *verb, const char *flag, const char *text, double lo, int lo_open,
                     double hi, int hi_open);

#endif
