/* ./infomonitor: the command-line front end (the only code that exits). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "infomonitor/infomonitor.h"
#include "verbs.h"

static void usage(FILE *f)
{
    fprintf(f,
            "infomonitor %s - information flow in CNNs with matrix-based Renyi alpha-entropy\n"
            "\n"
            "usage: infomonitor <command> [options]\n"
            "\n"
            "commands:\n"
            "  train      train a Darknet network, logging the [infomonitor] quantities\n"
            "  valid      top-1/top-k accuracy of Darknet weights on a .data file's valid split\n"
            "  estimate   entropies, I(X;T), I(T;Y) and PID pair quantities of .npy arrays\n"
            "\n"
            "Run 'infomonitor <command> --help' for a command's options.\n"
            "Environment:\n"
            "  IM_BACKEND=cuda|cpu|cpu-ref  spectrum back end (default: the fastest that\n"
            "                               starts: cuda, then cpu)\n"
            "  IM_THREADS=N                 threads of the cpu back end (default: all cores)\n"
            "  IM_SIMD=avx512|avx2|generic  instruction set of the cpu back end (default:\n"
            "                               the widest this processor has)\n",
            IM_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return IM_EXIT_USAGE;
    }
    /* The spectra are many small (n = 128) problems: OpenBLAS's threads cost
     * more than they give there (0.73 vs 1.2 ms per 128x128 dsyevd on these
     * 2-core machines), so use one unless the user says otherwise. */
    if (getenv("OPENBLAS_NUM_THREADS") == NULL)
        openblas_set_num_threads(1);
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(verb, "--version") == 0) {
        printf("infomonitor %s\n", IM_VERSION);
        return 0;
    }
    if (strcmp(verb, "estimate") == 0)
        return im_cmd_estimate(argc - 1, argv + 1);
    if (strcmp(verb, "train") == 0)
        return im_cmd_train(argc - 1, argv + 1);
    if (strcmp(verb, "valid") == 0)
        return im_cmd_valid(argc - 1, argv + 1);
    im_cli_die(NULL, "unknown command '%s' (try 'infomonitor --help')", verb);
}
