/* ./infomonitor: the command-line front end (the only code that exits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "infomonitor/infomonitor.h"
#include "verbs.h"

static void usage(FILE *f)
{
    char names[96];
    im_backend_names(names, sizeof names, "|");
    fprintf(f,
            "infomonitor %s - information flow in CNNs with matrix-based Renyi alpha-entropy\n"
            "\n"
            "usage: infomonitor <command> [options]\n"
            "\n"
            "commands:\n"
            "  train      train a Darknet network, logging the [infomonitor] quantities\n"
            "  valid      top-1/top-k accuracy of Darknet weights on a .data file's valid split\n"
            "  check      validate a cfg (and a .data file) and print its layer table\n"
            "  width      how many filters a layer needs (greedy selection, CMI-permutation)\n"
            "  rank       each filter's I(X;T), I(T;Y) and IB objective, most important first\n"
            "  prune      a smaller cfg and weights without a layer's least important filters\n"
            "  estimate   entropies, I(X;T), I(T;Y) and PID pair quantities of .npy arrays\n"
            "\n"
            "Run 'infomonitor <command> --help' for a command's options.\n"
            "Environment:\n"
            "  IM_BACKEND=%s\n"
            "          spectrum back end (default: the fastest that starts, in that order)\n"
            "  IM_THREADS=N                 threads of the cpu back end (default: all cores)\n"
            "  IM_SIMD=avx512|avx2|generic  instruction set of the cpu back end (default:\n"
            "                               the widest this processor has)\n",
            im_version(), names);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return IM_EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(verb, "--version") == 0) {
        printf("infomonitor %s\n", im_version());
        return 0;
    }
    if (strcmp(verb, "estimate") == 0)
        return im_cmd_estimate(argc - 1, argv + 1);
    if (strcmp(verb, "train") == 0)
        return im_cmd_train(argc - 1, argv + 1);
    if (strcmp(verb, "valid") == 0)
        return im_cmd_valid(argc - 1, argv + 1);
    if (strcmp(verb, "check") == 0)
        return im_cmd_check(argc - 1, argv + 1);
    if (strcmp(verb, "width") == 0)
        return im_cmd_width(argc - 1, argv + 1);
    if (strcmp(verb, "rank") == 0)
        return im_cmd_rank(argc - 1, argv + 1);
    if (strcmp(verb, "prune") == 0)
        return im_cmd_prune(argc - 1, argv + 1);
    im_cli_die(NULL, "unknown command '%s' (try 'infomonitor --help')", verb);
}
