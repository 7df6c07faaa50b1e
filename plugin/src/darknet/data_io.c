/* Helpers the data readers share; contracts in data_io.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "darknet/data_io.h"
#include "util/errfmt.h"

const char *im_data_errno_str(void)
{
    return strerror(errno ? errno : EIO);
}

char *im_data_trim(char *s, int both_ends)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    if (both_ends)
        while (*s == ' ' || *s == '\t')
            s++;
    return s;
}

im_status im_data_lines(FILE *f, const char *path, int both_ends, im_data_line_fn fn, void *arg,
                        char *err, size_t errlen)
{
    char *line = NULL;
    size_t linecap = 0;
    int lineno = 0;
    im_status st = IM_OK;
    errno = 0;
    while (st == IM_OK && getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *s = im_data_trim(line, both_ends);
        if (*s)
            st = fn(arg, lineno, s, err, errlen);
    }
    free(line);
    if (st == IM_OK && ferror(f))
        st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, im_data_errno_str());
    return st;
}
