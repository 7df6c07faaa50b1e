/* `infomonitor prune`: a smaller network without a layer's least important
 * filters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "adapter_load.h"
#include "analysis_args.h"
#include "args.h"
#include "verbs.h"

static void prune_help(void)
{
    printf("usage: infomonitor prune DATA CFG WEIGHTS -layer K -keep F [options]\n"
           "\n"
           "Write a smaller network without the least important filters of layer K (Yu et\n"
           "al., Sec. IV, item 4): PREFIX.cfg, CFG with K's filters= (or output=) set to\n"
           "round(F * its filters), at least 1, and PREFIX.weights, WEIGHTS without the\n"
           "dropped filters and without the next layer's inputs that came from them (the\n"
           "channels of a convolutional reader; the maps' h*w inputs of a connected one\n"
           "after pooling).  Between K and that layer only [maxpool], [avgpool],\n"
           "[dropout] and [infomonitor] may come, and no [route] or [shortcut] may read\n"
           "them.  The pruned network computes what the original does with the dropped\n"
           "filters' outputs set to zero.\n"
           "\n"
           "options:\n"
           "  -keep F        the share of filters kept, in (0, 1] (required)\n"
           "  -by ib|l1|random\n"
           "                 ib (default): the smallest IB objectives I(X;T) - beta I(T;Y), as\n"
           "                 `rank` computes them on the valid split; l1: the largest sums of\n"
           "                 |weight| of each filter; random: a draw from -seed\n"
           "  -beta B        beta of -by ib, B >= 0 (default 2)\n"
           "  -out PREFIX    the files' prefix (default: CFG's name without .cfg, and\n"
           "                 -pruned, in this folder)\n"
           "%s"
           "  -h, --help     this text\n"
           "\n"
           "-samples, -batches and -csv matter with -by ib (-csv: filter,score,kept,by).\n"
           "stdout: the filters kept and dropped, the next layer's inputs, the files.\n"
           "Exit status: 0, 2 on bad input (flags, files, weights that do not match CFG,\n"
           "a layer that cannot be pruned), 1 on an internal failure.\n",
           im_cli_an_help);
}

static im_prune_by parse_by(const char *s)
{
    if (!strcmp(s, "ib"))
        return IM_PRUNE_IB;
    if (!strcmp(s, "l1"))
        return IM_PRUNE_L1;
    if (!strcmp(s, "random"))
        return IM_PRUNE_RANDOM;
    im_cli_die("prune", "-by must be ib, l1 or random, got '%s'", s);
}

/* CFG's name without its folder and .cfg, and -pruned (static storage). */
static const char *default_out(const char *cfg)
{
    static char buf[4096];
    const char *base = strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg;
    size_t len = strlen(base);
    if (len > 4 && !strcmp(base + len - 4, ".cfg"))
        len -= 4;
    if (len + sizeof "-pruned" > sizeof buf)
        im_cli_die("prune", "CFG's name is too long for a default -out: give -out");
    snprintf(buf, sizeof buf, "%.*s-pruned", (int)len, base);
    return buf;
}

int im_cmd_prune(int argc, char **argv)
{
    im_prune_opts o = {.keep = NAN, .by = IM_PRUNE_IB, .beta = 2.0};
    im_cli_an_defaults(&o.an);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            prune_help();
            return 0;
        }
        if (im_cli_an_arg("prune", argc, argv, &i, &o.an))
            continue;
        if (!strcmp(s, "-keep") || !strcmp(s, "--keep"))
            o.keep = im_cli_number("prune", s, im_cli_value("prune", argc, argv, &i), 0, 1, 1, 0);
        else if (!strcmp(s, "-by") || !strcmp(s, "--by"))
            o.by = parse_by(im_cli_value("prune", argc, argv, &i));
        else if (!strcmp(s, "-beta") || !strcmp(s, "--beta"))
            o.beta =
                im_cli_number("prune", s, im_cli_value("prune", argc, argv, &i), 0, 0, INFINITY, 1);
        else if (!strcmp(s, "-out") || !strcmp(s, "--out"))
            o.out = im_cli_value("prune", argc, argv, &i);
        else
            im_cli_die("prune", "unknown option '%s' (see 'infomonitor prune --help')", s);
    }
    im_cli_an_finish("prune", &o.an);
    if (isnan(o.keep))
        im_cli_die("prune", "need -keep F (see 'infomonitor prune --help')");
    if (o.out == NULL)
        o.out = default_out(o.an.cfg);
    char err[1024];
    im_status st = im_cli_adapter("prune")->prune(&o, err, sizeof err);
    return im_cli_an_exit("prune", st, err);
}
