/* The command line that width, rank and prune share:
 *   VERB DATA CFG WEIGHTS -layer K [-samples n] [-batches B] [-seed S] [-csv FILE] */
#ifndef IM_CLI_ANALYSIS_ARGS_H
#define IM_CLI_ANALYSIS_ARGS_H

#include "darknet/analysis.h"

#define IM_AN_SAMPLES 128 /* -samples default */
#define IM_AN_BATCHES 4   /* -batches default */
#define IM_AN_SEED 1      /* -seed default: fixed, so that a run repeats */

/* The help lines of the shared options (for a verb's --help). */
extern const char im_cli_an_help[];

/* Fill o with the defaults. */
void im_cli_an_defaults(im_an_opts *o);

/* One argument of argv at *i: a shared flag (with its value, advancing *i)
 * parsed into o, or a positional one (DATA, CFG, WEIGHTS in turn).  Returns
 * 0 for a flag the verb must handle itself (argv[*i] untouched).  Dies
 * (exit status 2) on a bad value or too many positional arguments. */
int im_cli_an_arg(const char *verb, int argc, char **argv, int *i, im_an_opts *o);

/* Dies unless DATA, CFG, WEIGHTS and -layer were all given. */
void im_cli_an_finish(const char *verb, const im_an_opts *o);

/* The exit status for the adapter's status st, printing err when it failed:
 * 0, 1 (out of memory, a solver failure) or 2 (bad input, as train). */
int im_cli_an_exit(const char *verb, im_status st, const char *err);

#endif
