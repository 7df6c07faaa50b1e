/* `infomonitor train` and `infomonitor valid`: the Darknet driver's CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "args.h"
#include "adapter_load.h"
#include "darknet_fatal.h"
#include "verbs.h"

/* -epochs E: 1..MAX_EPOCHS. */
#define MAX_EPOCHS 100000
/* -gpu N: 0..MAX_GPU. */
#define MAX_GPU 1023

/* -gpus LIST (Darknet's spelling): one index only; several exit 2. */
static int one_gpu(const char *flag, const char *list)
{
    if (strchr(list, ',') != NULL)
        im_cli_die("train", "%s '%s': one GPU only (Darknet's multi-GPU training is not "
                   "supported); give one index, e.g. -gpu 0", flag, list);
    return (int)im_cli_count("train", flag, list, 0, MAX_GPU);
}

static void train_help(void)
{
    printf("usage: infomonitor train DATA CFG [WEIGHTS] [options]\n"
           "\n"
           "Train a Darknet classifier like `darknet classifier train`, measuring the\n"
           "information quantities of every [infomonitor] section of CFG.\n"
           "  DATA      .data file: classes, train, valid, labels or train_labels/valid_labels\n"
           "            (IDX), backup, top (see README)\n"
           "  CFG       network .cfg with [infomonitor] sections after watched layers\n"
           "  WEIGHTS   start from these weights (resumes their image counter); refused\n"
           "            unless they are a Darknet weights file of this network's size\n"
           "\n"
           "options:\n"
           "  -log FILE     metrics CSV (default <backup>/<cfg name>.metrics.csv); a run\n"
           "                locks it, and a second process on it stops\n"
           "  -append       add this run's rows to a metrics CSV that holds another run's\n"
           "                (a fresh run refuses one without -append; a resume, from\n"
           "                WEIGHTS past iteration 0 without -clear, appends by itself)\n"
           "  -seed N       seed for weight initialisation and shuffling (default: the time;\n"
           "                printed, so a run can be repeated)\n"
           "  -clear        reset the image counter of WEIGHTS\n"
           "  -epochs E     stop after E epochs, E in 1..%d (default: at the cfg's\n"
           "                max_batches)\n"
           "  -no-monitors  train without measuring (the sections stay pass-through)\n"
           "  -gpu N        train on GPU N, N in 0..%d (also -gpus N; one GPU only); needs\n"
           "                the GPU build, 'make GPU=1' (default: the CPU)\n"
           "  -h, --help    this text\n"
           "\n"
           "stdout: Darknet's line per iteration\n"
           "  iteration, epoch: loss, avg loss avg, rate rate, seconds seconds, images images\n"
           "and one line per epoch with the valid split's top-1/top-k accuracy (also in\n"
           "<backup>/<cfg name>.accuracy.csv).  Weights: <backup>/<cfg name>_<epoch>.weights,\n"
           "<cfg name>.backup every 1000 iterations, <cfg name>.weights at the end, each\n"
           "written to a temporary file and renamed (a failed save stops the run).\n"
           "Each CSV row carries its run id in the column run (UTC start and seed,\n"
           "and -r<iteration> for a resume, e.g. 20261202T073300.125Z-s1).\n"
           "Exit status: 0 on success, 2 on bad input, 1 on an internal failure.\n",
           MAX_EPOCHS, MAX_GPU);
}

static void valid_help(void)
{
    printf("usage: infomonitor valid DATA CFG WEIGHTS\n"
           "\n"
           "Top-1 and top-k (k = the .data file's `top`) accuracy on its valid split.\n");
}

static int exit_for(im_status st)
{
    return st == IM_ERR_NOMEM || st == IM_ERR_SOLVER ? 1 : IM_EXIT_USAGE;
}

int im_cmd_train(int argc, char **argv)
{
    im_train_opts o = {0};
    o.seed = (uint64_t)time(NULL);
    o.monitors = 1;
    o.gpu = -1;
    const char *pos[3];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            train_help();
            return 0;
        } else if (!strcmp(s, "-log") || !strcmp(s, "--log")) {
            o.log = im_cli_value("train", argc, argv, &i);
        } else if (!strcmp(s, "-seed") || !strcmp(s, "--seed")) {
            o.seed = im_cli_count("train", s, im_cli_value("train", argc, argv, &i), 0, UINT32_MAX);
        } else if (!strcmp(s, "-epochs") || !strcmp(s, "--epochs")) {
            o.epochs =
                (int)im_cli_count("train", s, im_cli_value("train", argc, argv, &i), 1, MAX_EPOCHS);
        } else if (!strcmp(s, "-clear") || !strcmp(s, "--clear")) {
            o.clear = 1;
        } else if (!strcmp(s, "-append") || !strcmp(s, "--append")) {
            o.append = 1;
        } else if (!strcmp(s, "-no-monitors") || !strcmp(s, "--no-monitors")) {
            o.monitors = 0;
        } else if (!strcmp(s, "-gpu") || !strcmp(s, "--gpu") || !strcmp(s, "-gpus") ||
                   !strcmp(s, "--gpus")) {
            o.gpu = one_gpu(s, im_cli_value("train", argc, argv, &i));
        } else if (s[0] == '-' && s[1]) {
            im_cli_die("train", "unknown option '%s' (see 'infomonitor train --help')", s);
        } else {
            if (npos == 3)
                im_cli_die("train", "too many arguments: '%s' (expected DATA CFG [WEIGHTS])", s);
            pos[npos++] = s;
        }
    }
    if (npos < 2)
        im_cli_die("train", "need DATA and CFG (see 'infomonitor train --help')");
    o.datacfg = pos[0];
    o.cfg = pos[1];
    o.weights = npos > 2 ? pos[2] : NULL;
    fprintf(stderr, "infomonitor train: seed %llu\n", (unsigned long long)o.seed);
    im_cli_darknet_context("train", o.cfg);
    char err[1024];
    im_status st = im_cli_adapter("train")->train(&o, err, sizeof err);
    if (st != IM_OK) {
        fflush(stdout);
        fprintf(stderr, "infomonitor train: %s\n", err);
        return exit_for(st);
    }
    return 0;
}

int im_cmd_valid(int argc, char **argv)
{
    const char *pos[3];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            valid_help();
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1])
            im_cli_die("valid", "unknown option '%s' (see 'infomonitor valid --help')", argv[i]);
        if (npos == 3)
            im_cli_die("valid", "too many arguments: '%s' (expected DATA CFG WEIGHTS)", argv[i]);
        pos[npos++] = argv[i];
    }
    if (npos < 3)
        im_cli_die("valid", "need DATA CFG WEIGHTS (see 'infomonitor valid --help')");
    im_cli_darknet_context("valid", pos[1]);
    char err[1024];
    im_status st = im_cli_adapter("valid")->valid(pos[0], pos[1], pos[2], err, sizeof err);
    if (st != IM_OK) {
        fprintf(stderr, "infomonitor valid: %s\n", err);
        return exit_for(st);
    }
    return 0;
}
