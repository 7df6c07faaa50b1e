/* `infomonitor width`: the number of filters a layer needs, by greedy
 * selection with CMI-permutation (Appendix B, Alg. 1). */
#include <stdio.h>
#include <string.h>
#include "adapter_load.h"
#include "analysis_args.h"
#include "args.h"
#include "verbs.h"

static void width_help(void)
{
    printf("usage: infomonitor width DATA CFG WEIGHTS -layer K [options]\n"
           "\n"
           "How many filters layer K needs (Yu et al., Appendix B, Alg. 1; Fig. 6): a greedy\n"
           "forward selection of its filters (the feature maps of a convolutional layer, the\n"
           "units of a connected one) on the valid split of DATA.  Step k adds the remaining\n"
           "filter t with the largest I({Ts, t}; Y), then tests it with CMI-permutation:\n"
           "I({Tr - t}; Y | {Ts, t}) against P copies with t's samples permuted.  When the\n"
           "share of copies with a CMI at or below the real one exceeds the significance,\n"
           "t is not significant and the width is N = |Ts| = k - 1.  (The last filter can\n"
           "never pass: with nothing left both CMIs are 0, so N <= the filters - 1.)\n"
           "\n"
           "options:\n"
           "%s"
           "  -permutations P   permutations per step, P >= 1 (default 100)\n"
           "  -significance A   significance level in (0, 1) (default 0.05)\n"
           "  -steps S          run exactly S steps (at most the layer's filters), past the\n"
           "                    stop, for the whole curve (default: stop at the test)\n"
           "  -h, --help        this text\n"
           "\n"
           "stdout: what is measured, then per step the filter t, I(Ts,t;Y), I(Tr;Y|Ts)\n"
           "(= I({Tr - t}; Y | {Ts, t}): what the filters left add), the mean of the P\n"
           "permuted CMIs, the p-value (that share) and the decision; then the width N\n"
           "and the filters selected.  Kernel: the monitors' default width rule.\n"
           "CSV: step,filter,I_TsT_Y,cmi,perm_mean,p_value,decision,n,batches,\n"
           "permutations,significance (scripts/plot_width.py draws it).\n"
           "Exit status: 0, 2 on bad input (flags, files, weights that do not match CFG,\n"
           "a layer out of range or of another type), 1 on an internal failure.\n",
           im_cli_an_help);
}

int im_cmd_width(int argc, char **argv)
{
    im_width_opts o = {.permutations = 100, .significance = 0.05};
    im_cli_an_defaults(&o.an);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            width_help();
            return 0;
        }
        if (im_cli_an_arg("width", argc, argv, &i, &o.an))
            continue;
        if (!strcmp(s, "-permutations") || !strcmp(s, "--permutations"))
            o.permutations =
                im_cli_count("width", s, im_cli_value("width", argc, argv, &i), 1, 1000000);
        else if (!strcmp(s, "-significance") || !strcmp(s, "--significance"))
            o.significance =
                im_cli_number("width", s, im_cli_value("width", argc, argv, &i), 0, 1, 1, 1);
        else if (!strcmp(s, "-steps") || !strcmp(s, "--steps"))
            o.steps = im_cli_count("width", s, im_cli_value("width", argc, argv, &i), 1, INT32_MAX);
        else
            im_cli_die("width", "unknown option '%s' (see 'infomonitor width --help')", s);
    }
    im_cli_an_finish("width", &o.an);
    char err[1024];
    im_status st = im_cli_adapter("width")->width(&o, err, sizeof err);
    return im_cli_an_exit("width", st, err);
}
