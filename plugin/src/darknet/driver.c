/* The training loop over Darknet's library API (the ABI guard and network
 * loading are in net_load.c, accuracy and `valid` in valid.c, the files a
 * run writes in train_out.c).
 *
 * Batches are built here: Darknet's `data` rows point into one array of
 * samples (N rows of cols floats, CHW) and of one-hot labels (N rows of K
 * floats), in an order shuffled each epoch with util/rng.h, and passed to
 * train_network(), which walks them in order and draws no random numbers.
 * With srand(seed) before parsing (weight initialisation), a run is
 * reproducible.  Probe monitors get their probe from the valid split
 * (probe_set.h) before the first step, and after each step the probe pass
 * (monitor.h) runs before the step's captures are submitted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "diagnose.h"
#include "driver.h"
#include "gpu_select.h"
#include "metrics_log.h"
#include "monitor.h"
#include "net_load.h"
#include "probe_set.h"
#include "train_out.h"
#include "util/errfmt.h"
#include "util/rng.h"
#include "valid.h"
#include "weights_save.h"

/* The state of one training run; im_dn_train owns it. */
typedef struct run {
    const im_train_opts *o;
    im_datacfg dc;
    im_cfg_rewrite rw;
    im_dataset train, valid;
    im_registry *reg; /* NULL: no monitor */
    network *net;
    im_dn_out out;
    im_dn_diag diag;
    size_t N, K, cols, imgs; /* samples, classes, values per sample, images per step */
    size_t *order;           /* N sample indices, shuffled per epoch */
    float *onehot;           /* N rows of K */
    float **xrows, **yrows;  /* imgs rows of d, into train.x and onehot */
    data d;
    im_metrics *rows; /* one per monitor */
    uint64_t rng;
    size_t pos;        /* next position in order */
    size_t epoch_done; /* epochs completed (resumed runs count theirs) */
    size_t start_epoch;
    double avg; /* Darknet's running loss average; < 0 before the first step */
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void im_dn_print_warnings(const char *lines)
{
    for (const char *p = lines; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, "\n");
        fprintf(stderr, "infomonitor: warning: %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* Load the .data file, the network (with its monitors) and the splits. */
static im_status load(run *r, char *err, size_t errlen)
{
    const im_train_opts *o = r->o;
    /* The library and the device first, before anything is read. */
    im_status st = im_dn_check_abi(err, errlen);
    if (st != IM_OK || (st = im_dn_select_gpu(o->gpu, err, errlen)) != IM_OK ||
        (st = im_datacfg_load(o->datacfg, &r->dc, err, errlen)) != IM_OK)
        return st;
    im_dn_print_warnings(r->dc.warnings);
    if (r->dc.train == NULL)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: no 'train' key", o->datacfg);
    if ((st = im_dn_load_net(o->cfg, o->weights, o->clear, o->seed, o->gpu, &r->rw, &r->net, err,
                             errlen)) != IM_OK ||
        (st = im_dn_check_data(&r->dc, r->net->outputs, err, errlen)) != IM_OK)
        return st;
    im_dn_print_warnings(r->rw.model.warnings);
    network *net = r->net;
    if (o->monitors && r->rw.nmon > 0 &&
        (st = im_registry_attach(net, &r->rw, o->cfg, &r->reg, err, errlen)) != IM_OK)
        return st;
    size_t w = (size_t)net->w, h = (size_t)net->h, c = (size_t)net->c;
    fprintf(stderr, "infomonitor: loading %s\n", r->dc.train);
    if ((st = im_datacfg_split(&r->dc, 0, w, h, c, &r->train, err, errlen)) != IM_OK)
        return st;
    if (r->dc.valid) {
        fprintf(stderr, "infomonitor: loading %s\n", r->dc.valid);
        st = im_datacfg_split(&r->dc, 1, w, h, c, &r->valid, err, errlen);
    }
    return st;
}

/* Darknet's layer table, printed while parsing, shows each [infomonitor]
 * as the dropout it was rewritten to (cfg_rewrite.h): say which they are. */
static void name_monitor_layers(const im_cfg_rewrite *rw, int attached)
{
    if (rw->nmon == 0)
        return;
    fprintf(stderr, "infomonitor: in the layer table above, the %zu [infomonitor] section(s) are "
                    "the pass-throughs shown as dropout p = 0.00%s:",
            rw->nmon, attached ? "" : " (-no-monitors: not measuring)");
    for (size_t i = 0; i < rw->nmon; i++)
        fprintf(stderr, "%s layer %d (%s)", i ? "," : "", rw->mon[i].index, rw->mon[i].name);
    fprintf(stderr, "\n");
}

/* The run's length, and the training split against the network. */
static im_status check_run(run *r, char *err, size_t errlen)
{
    network *net = r->net;
    if (r->o->epochs == 0 && net->max_batches <= 0)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "%s: [net] max_batches is %d; set it or give -epochs E (Darknet would "
                       "train forever)",
                       r->o->cfg, net->max_batches);
    r->N = r->train.n;
    r->K = (size_t)r->dc.classes;
    r->cols = (size_t)net->inputs;
    r->imgs = (size_t)net->batch * (size_t)net->subdivisions;
    size_t values = r->train.w * r->train.h * r->train.c;
    if (values != r->cols)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: samples have %zu values, the network takes %zu", r->dc.train, values,
                       r->cols);
    if (r->N < r->imgs)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: %zu samples, fewer than one batch (%zu)",
                       r->dc.train, r->N, r->imgs);
    return IM_OK;
}

/* The sample order (shuffled once), the one-hot labels and the batch's
 * row pointers. */
static im_status make_batches(run *r, char *err, size_t errlen)
{
    size_t N = r->N, K = r->K;
    r->order = malloc(N * sizeof *r->order);
    r->xrows = malloc(r->imgs * sizeof *r->xrows);
    r->yrows = malloc(r->imgs * sizeof *r->yrows);
    r->onehot = calloc(N * K, sizeof(float));
    r->rows = calloc(r->reg ? im_registry_count(r->reg) : 1, sizeof *r->rows);
    if (!r->order || !r->xrows || !r->yrows || !r->onehot || !r->rows)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu samples", N);
    for (size_t i = 0; i < N; i++) {
        r->order[i] = i;
        r->onehot[i * K + (size_t)r->train.y[i]] = 1.0f;
    }
    r->rng = r->o->seed ^ 0x5DEECE66Dull;
    im_rng_shuffle(r->order, N, &r->rng);
    r->d.X = (matrix){(int)r->imgs, (int)r->cols, r->xrows};
    r->d.y = (matrix){(int)r->imgs, (int)K, r->yrows};
    r->d.shallow = 1;
    return im_dn_diag_init(&r->diag, r->reg ? im_registry_count(r->reg) : 0, K, err, errlen);
}

/* The run's settings on stderr, and where the spectra run, once per
 * distinct back end. */
static void announce(const run *r)
{
    size_t nmon = r->reg ? im_registry_count(r->reg) : 0;
    name_monitor_layers(&r->rw, r->reg != NULL);
    fprintf(stderr,
            "infomonitor: %zu training samples, batch %d, learning rate %g, momentum %g, "
            "%zu monitor(s), seed %llu\n",
            r->N, r->net->batch, r->net->learning_rate, r->net->momentum, nmon,
            (unsigned long long)r->o->seed);
    for (size_t i = 0; i < nmon; i++) {
        const im_context *c = im_registry_context(r->reg, i);
        size_t k = 0;
        while (k < i &&
               strcmp(im_context_backend(im_registry_context(r->reg, k)), im_context_backend(c)))
            k++;
        if (k == i)
            fprintf(stderr, "infomonitor: spectra on %s (%s)%s\n", im_context_backend(c),
                    im_context_backend_detail(c),
                    im_registry_on_device(r->reg, i)
                        ? "; activations and deltas read on the GPU, not copied to the host"
                        : "");
    }
    im_probe_request q = {0, -1, 0};
    if (r->reg)
        im_registry_probe_request(r->reg, &q);
    if (q.n && q.seed >= 0)
        fprintf(stderr, "infomonitor: probe of %zu valid samples drawn with seed %lld\n", q.n,
                q.seed);
    else if (q.n)
        fprintf(stderr, "infomonitor: probe of the first %zu valid samples\n", q.n);
    if (r->out.log)
        fprintf(stderr, "infomonitor: metrics -> %s (run %s)\n", r->out.logpath, r->out.run);
}

/* The run's files.  The run id says where the run starts: a resume
 * continues its weights' run after their iteration, and may append to its
 * metrics log (metrics_log.h). */
static im_status open_outputs(run *r, char *err, size_t errlen)
{
    size_t from = get_current_batch(r->net);
    char id[IM_METRICS_RUN_MAX];
    im_metrics_run_id(r->o->seed, from, id);
    im_metrics_owner who = {id, from > 0, r->o->append};
    return im_dn_out_open(&r->out, r->dc.backup, r->o->cfg, r->o->log, r->reg ? &who : NULL,
                          r->valid.n ? r->dc.top : 0, err, errlen);
}

/* Set up everything before the first step. */
static im_status start(run *r, char *err, size_t errlen)
{
    im_status st;
    if ((st = load(r, err, errlen)) != IM_OK || (st = check_run(r, err, errlen)) != IM_OK ||
        (r->reg &&
         (st = im_dn_probe_setup(r->reg, r->o->cfg, &r->dc, &r->valid, err, errlen)) != IM_OK) ||
        (st = open_outputs(r, err, errlen)) != IM_OK ||
        (st = make_batches(r, err, errlen)) != IM_OK)
        return st;
    announce(r);
    r->epoch_done = r->start_epoch = (size_t)(*r->net->seen / r->N);
    r->avg = -1.0;
    return IM_OK;
}

static int finished(const run *r)
{
    if (r->o->epochs > 0)
        return r->epoch_done - r->start_epoch >= (size_t)r->o->epochs;
    return get_current_batch(r->net) >= (size_t)r->net->max_batches;
}

/* Point d's rows at the next imgs samples, reshuffling when fewer remain. */
static void next_batch(run *r)
{
    if (r->pos + r->imgs > r->N) {
        im_rng_shuffle(r->order, r->N, &r->rng);
        r->pos = 0;
    }
    for (size_t j = 0; j < r->imgs; j++) {
        size_t s = r->order[r->pos + j];
        r->xrows[j] = r->train.x + s * r->cols;
        r->yrows[j] = r->onehot + s * r->K;
    }
    r->pos += r->imgs;
}

/* One train_network() call, Darknet's log line, and the monitors: submit
 * this step and write the rows of the one before.  *it gets the iteration. */
static im_status step(run *r, size_t *it, char *err, size_t errlen)
{
    network *net = r->net;
    double t0 = now();
    float loss = train_network(net, r->d);
    double dt = now() - t0;
    r->avg = r->avg < 0 ? loss : r->avg * .9 + loss * .1;
    *it = get_current_batch(net);
    im_dn_diag_loss(&r->diag, *it, r->avg);
    printf("%ld, %.3f: %f, %f avg, %f rate, %lf seconds, %ld images\n", (long)*it,
           (float)*net->seen / (float)r->N, loss, r->avg, get_current_rate(net), dt,
           (long)*net->seen);
    fflush(stdout);
    if (r->reg == NULL)
        return IM_OK;
    im_status st = im_registry_probe_pass(r->reg, err, errlen);
    if (st != IM_OK)
        return st;
    im_train_point p = {*it, (double)*net->seen / (double)r->N, loss, r->avg, get_current_rate(net),
                        dt},
                   done;
    size_t nr;
    int nonfinite;
    st = im_registry_submit(r->reg, &p, r->rows, &nr, &done, &nonfinite, err, errlen);
    if (st != IM_OK || (st = im_dn_out_rows(&r->out, &done, r->rows, nr, nonfinite, err, errlen)))
        return st;
    im_dn_diag_rows(&r->diag, r->rows, nr, nr ? done.iteration : 0);
    return IM_OK;
}

static im_status save(const run *r, const char *suffix, char *err, size_t errlen)
{
    char path[IM_DN_PATH_MAX];
    im_dn_out_path(&r->out, suffix, path);
    return im_dn_weights_save(r->net, path, err, errlen);
}

/* When step `it` completed an epoch: its weights, then the validation
 * accuracy (stdout and the accuracy CSV). */
static im_status end_epoch(run *r, size_t it, char *err, size_t errlen)
{
    size_t epoch = *r->net->seen / r->N;
    if (epoch <= r->epoch_done)
        return IM_OK;
    r->epoch_done = epoch;
    char suffix[32];
    snprintf(suffix, sizeof suffix, "_%zu.weights", epoch);
    im_status st = save(r, suffix, err, errlen);
    if (st != IM_OK || r->valid.n == 0)
        return st;
    double a1, ak;
    if ((st = im_dn_accuracy(r->net, &r->valid, r->dc.top, &a1, &ak, err, errlen)) != IM_OK)
        return st;
    printf("epoch %zu: valid top-1 %.4f, top-%d %.4f (%zu images)\n", epoch, a1, r->dc.top, ak,
           r->valid.n);
    fflush(stdout);
    im_dn_diag_accuracy(&r->diag, it, epoch, a1, r->valid.n);
    return im_dn_out_accuracy(&r->out, epoch, it, r->valid.n, a1, ak, err, errlen);
}

/* The rows of the last measured step, and the final weights. */
static im_status finish(run *r, char *err, size_t errlen)
{
    if (r->reg) {
        im_train_point done;
        size_t nr;
        int nonfinite;
        im_status st = im_registry_drain(r->reg, r->rows, &nr, &done, &nonfinite, err, errlen);
        if (st != IM_OK ||
            (st = im_dn_out_rows(&r->out, &done, r->rows, nr, nonfinite, err, errlen)) != IM_OK)
            return st;
        im_dn_diag_rows(&r->diag, r->rows, nr, nr ? done.iteration : 0);
    }
    return save(r, ".weights", err, errlen);
}

static void run_free(run *r)
{
    im_dn_out_close(&r->out);
    im_dn_diag_free(&r->diag);
    im_registry_free(r->reg);
    if (r->net)
        free_network(r->net);
    free(r->order);
    free(r->xrows);
    free(r->yrows);
    free(r->onehot);
    free(r->rows);
    im_dataset_free(&r->train);
    im_dataset_free(&r->valid);
    im_cfg_rewrite_free(&r->rw);
    im_datacfg_free(&r->dc);
}

im_status im_dn_train(const im_train_opts *o, char *err, size_t errlen)
{
    run r = {.o = o};
    im_status st = start(&r, err, errlen);
    while (st == IM_OK && !finished(&r)) {
        size_t it;
        next_batch(&r);
        if ((st = step(&r, &it, err, errlen)) != IM_OK ||
            (st = end_epoch(&r, it, err, errlen)) != IM_OK ||
            (it % 1000 == 0 && (st = save(&r, ".backup", err, errlen)) != IM_OK))
            break;
    }
    if (st == IM_OK)
        st = finish(&r, err, errlen);
    run_free(&r);
    return st;
}
