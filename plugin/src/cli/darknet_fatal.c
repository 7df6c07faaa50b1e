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
 * CLI's statuses, 2 for bad input and 1 for memory, naming the cfg the
 * verb runs (im_cli_darknet_context).  Nothing else in the process calls
 * glibc's error(3).  Darknet stops in the middle of a line of its layer
 * table, so the message starts on a line of its own. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "darknet_fatal.h"

#define EXPORTED __attribute__((visibility("default")))

/* Darknet's prototypes (utils.h). */
EXPORTED _Noreturn void error(const char *s);
EXPORTED _Noreturn void file_error(char *s);
EXPORTED _Noreturn void malloc_error(void);

static const char *ctx_verb = "(Darknet)", *ctx_cfg;

void im_cli_darknet_context(const char *verb, const char *cfg)
{
    ctx_verb = verb;
    ctx_cfg = cfg;
}

static _Noreturn void fatal(int code, const char *what, const char *detail)
{
    fputc('\n', stderr);
    if (ctx_cfg)
        im_cli_fail(ctx_verb, code, "%s: (Darknet) %s%s", ctx_cfg, what, detail);
    im_cli_fail(ctx_verb, code, "%s%s", what, detail);
}

/* Darknet's perror() would add errno's text, which is stale at most of
 * its calls (they check a parsed value, not a system call). */
_Noreturn void error(const char *s)
{
    fatal(IM_EXIT_USAGE, s, "");
}

_Noreturn void file_error(char *s)
{
    char what[1024];
    snprintf(what, sizeof what, "cannot open file %s: ", s);
    fatal(IM_EXIT_USAGE, what, strerror(errno));
}

_Noreturn void malloc_error(void)
{
    fatal(1, "out of memory", "");
}
