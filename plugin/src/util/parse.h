/* The one strict number parser of the project (cfg and .data values, CLI
 * flags, environment variables).  A text is accepted only when all of it is
 * the number: no leading or trailing blanks, no empty string, base 10. */
#ifndef IM_UTIL_PARSE_H
#define IM_UTIL_PARSE_H

/* 1 and *out = the value when s is an integer in [lo, hi]; 0 otherwise
 * (*out unchanged). */
int im_parse_int(const char *s, long long lo, long long hi, long long *out);

/* 1 and *out = the value when s is a finite number in [lo, hi] (an
 * underflow to 0 or a denormal, ERANGE, is refused); 0 otherwise. */
int im_parse_num(const char *s, double lo, double hi, double *out);

/* 1 and *out = the value when s is a finite number > 0; 0 otherwise. */
int im_parse_positive(const char *s, double *out);

#endif
