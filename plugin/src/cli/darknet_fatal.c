/* Darknet's fatal-error functions, interposed by the executable.
 *
 * libdarknet reports what it cannot go on with through three functions of
 * its own: error(msg) (perror, then an assertion: SIGABRT), file_error(path)
 * ("Couldn't open file", then exit(0)) and malloc_error() (exit(-1)).  When
 * train and valid dlopen the adapter, libdarknet's call to error() binds to
 * glibc's error(3), which comes first in the global lookup scope and takes
 * the message pointer as an exit status: the message is lost and the status
 * is that pointer's low bits (95 for a [net] without an input size), 0 for
 * some.  The definitions here, exported from the executable (the Makefile's
 * --export-dynamic-symbol), come before both libdarknet's and glibc's, so
 * Darknet's calls reach them: each names the problem and exits with the
 * CLI's statuses, 2 for bad input and 1 for memory.  Nothing else in the
 * process calls glibc's error(3). */
#include <errno.h>
#include <string.h>
#include "args.h"

#define WHO "(Darknet)"
#define EXPORTED __attribute__((visibility("default")))

/* Darknet's prototypes (utils.h). */
EXPORTED _Noreturn void error(const char *s);
EXPORTED _Noreturn void file_error(char *s);
EXPORTED _Noreturn void malloc_error(void);

/* Darknet's perror() would add errno's text, which is stale at most of
 * its calls (they check a parsed value, not a system call). */
_Noreturn void error(const char *s)
{
    im_cli_fail(WHO, IM_EXIT_USAGE, "%s", s);
}

_Noreturn void file_error(char *s)
{
    im_cli_fail(WHO, IM_EXIT_USAGE, "cannot open file %s: %s", s, strerror(errno));
}

_Noreturn void malloc_error(void)
{
    im_cli_fail(WHO, 1, "out of memory");
}
