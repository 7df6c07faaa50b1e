/* The shared command line of the analyses of a trained layer. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "analysis_args.h"
#include "args.h"

const char im_cli_an_help[] =
    "  -layer K      the layer, counted as in the cfg without [infomonitor] sections\n"
    "                (as `infomonitor check` lists them); a [convolutional] or\n"
    "                [connected] layer (required)\n"
    "  -samples n    samples per mini-batch, n >= 2 (default 128)\n"
    "  -batches B    mini-batches, B >= 1 (default 4): B disjoint sets of n samples of\n"
    "                the valid split, drawn at random; every value is the mean over them\n"
    "  -seed S       seed of the draws (default 1: a run repeats exactly)\n"
    "  -csv FILE     also write the table as a CSV (written whole or not at all)\n";

void im_cli_an_defaults(im_an_opts *o)
{
    memset(o, 0, sizeof *o);
    o->layer = -1;
    o->n = IM_AN_SAMPLES;
    o->batches = IM_AN_BATCHES;
    o->seed = IM_AN_SEED;
}

static int is(const char *s, const char *flag)
{
    return strcmp(s, flag) == 0 || (s[0] == '-' && strcmp(s + 1, flag) == 0);
}

int im_cli_an_arg(const char *verb, int argc, char **argv, int *i, im_an_opts *o)
{
    const char *s = argv[*i];
    if (is(s, "-layer"))
        o->layer = (int)im_cli_count(verb, s, im_cli_value(verb, argc, argv, i), 0, INT_MAX);
    else if (is(s, "-samples"))
        o->n = im_cli_count(verb, s, im_cli_value(verb, argc, argv, i), 2, INT_MAX);
    else if (is(s, "-batches"))
        o->batches = im_cli_count(verb, s, im_cli_value(verb, argc, argv, i), 1, INT_MAX);
    else if (is(s, "-seed"))
        o->seed = im_cli_count(verb, s, im_cli_value(verb, argc, argv, i), 0, UINT32_MAX);
    else if (is(s, "-csv"))
        o->csv = im_cli_value(verb, argc, argv, i);
    else if (s[0] == '-' && s[1])
        return 0;
    else if (!o->datacfg)
        o->datacfg = s;
    else if (!o->cfg)
        o->cfg = s;
    else if (!o->weights)
        o->weights = s;
    else
        im_cli_die(verb, "too many arguments: '%s' (expected DATA CFG WEIGHTS)", s);
    return 1;
}

void im_cli_an_finish(const char *verb, const im_an_opts *o)
{
    if (!o->weights)
        im_cli_die(verb, "need DATA CFG WEIGHTS (see 'infomonitor %s --help')", verb);
    if (o->layer < 0)
        im_cli_die(verb, "need -layer K (see 'infomonitor %s --help')", verb);
}

int im_cli_an_exit(const char *verb, im_status st, const char *err)
{
    if (st == IM_OK)
        return 0;
    fflush(stdout);
    fprintf(stderr, "infomonitor %s: %s\n", verb, err);
    return st == IM_ERR_NOMEM || st == IM_ERR_SOLVER ? 1 : IM_EXIT_USAGE;
}
