/* `infomonitor check`: validate a cfg (and a .data file) without training. */
#include <stdio.h>
#include <string.h>
#include "adapter_load.h"
#include "args.h"
#include "verbs.h"

static void check_help(void)
{
    printf("usage: infomonitor check CFG [DATA]\n"
           "\n"
           "Validate a Darknet cfg as `train` does before Darknet sees it: sections and\n"
           "keys (a misspelt key names the nearest known one), values, layer shapes,\n"
           "route and shortcut indices, the memory the network needs, and the\n"
           "[infomonitor] sections; with DATA, also the .data file's keys and its\n"
           "classes against the network's outputs.  Nothing is allocated for the\n"
           "network and nothing is written.\n"
           "\n"
           "stdout: the layer table (indices count the layers without monitors, as in\n"
           "route/shortcut indices, -layer K and the metrics CSV; each monitor is listed\n"
           "under the layer it watches), then one summary line.  Warnings go to stderr.\n"
           "Exit status: 0 when the cfg is valid, 2 on the first error (one line naming\n"
           "the file, line, key and value), 1 on an internal failure.\n");
}

int im_cmd_check(int argc, char **argv)
{
    const char *pos[2];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            check_help();
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1])
            im_cli_die("check", "unknown option '%s' (see 'infomonitor check --help')", argv[i]);
        if (npos == 2)
            im_cli_die("check", "too many arguments: '%s' (expected CFG [DATA])", argv[i]);
        pos[npos++] = argv[i];
    }
    if (npos < 1)
        im_cli_die("check", "need CFG (see 'infomonitor check --help')");
    char err[1024];
    im_status st = im_cli_adapter("check")->check(pos[0], npos > 1 ? pos[1] : NULL, err,
                                                  sizeof err);
    if (st != IM_OK) {
        fflush(stdout);
        fprintf(stderr, "infomonitor check: %s\n", err);
        return st == IM_ERR_NOMEM ? 1 : IM_EXIT_USAGE;
    }
    return 0;
}
