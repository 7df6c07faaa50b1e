/* Helpers the data readers share; contracts in data_io.h. */
#include <errno.h>
#include <string.h>
#include "darknet/data_io.h"

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
