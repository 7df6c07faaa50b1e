/* `infomonitor rank`: the IB importance of each filter of a layer (Fig. 9). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "adapter_load.h"
#include "analysis_args.h"
#include "args.h"
#include "verbs.h"

static void rank_help(void)
{
    printf("usage: infomonitor rank DATA CFG WEIGHTS -layer K [options]\n"
           "\n"
           "The importance of each filter of layer K (Yu et al., Sec. IV; Fig. 9): for every\n"
           "feature map (convolutional layer) or unit (connected layer) T^i, I(X;T^i),\n"
           "I(T^i;Y) and the information-bottleneck objective I(X;T^i) - beta I(T^i;Y) on\n"
           "the valid split of DATA, listed ascending by the objective: the smaller, the\n"
           "more important.\n"
           "\n"
           "options:\n"
           "%s"
           "  -beta B       the Lagrange multiplier, B >= 0 (default 2, as in the paper)\n"
           "  -h, --help    this text\n"
           "\n"
           "stdout: what is measured, then rank, filter, I(X;T), I(T;Y), objective.\n"
           "Kernel: the monitors' default width rule, for X and for the maps.\n"
           "CSV: rank,filter,I_XT,I_TY,objective,beta,n,batches (scripts/plot_rank.py\n"
           "draws the histogram of the objective).\n"
           "Exit status: 0, 2 on bad input (flags, files, weights that do not match CFG,\n"
           "a layer out of range or of another type), 1 on an internal failure.\n",
           im_cli_an_help);
}

int im_cmd_rank(int argc, char **argv)
{
    im_rank_opts o = {.beta = 2.0};
    im_cli_an_defaults(&o.an);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            rank_help();
            return 0;
        }
        if (im_cli_an_arg("rank", argc, argv, &i, &o.an))
            continue;
        if (!strcmp(s, "-beta") || !strcmp(s, "--beta"))
            o.beta =
                im_cli_number("rank", s, im_cli_value("rank", argc, argv, &i), 0, 0, INFINITY, 1);
        else
            im_cli_die("rank", "unknown option '%s' (see 'infomonitor rank --help')", s);
    }
    im_cli_an_finish("rank", &o.an);
    char err[1024];
    im_status st = im_cli_adapter("rank")->rank(&o, err, sizeof err);
    return im_cli_an_exit("rank", st, err);
}
