/* Training and validation loops over Darknet's library API.
 *
 * Batches are built here (Darknet's `data` rows point into one array of
 * samples, CHW floats), shuffled each epoch with our own generator, and
 * passed to train_network(), which walks them in order and draws no random
 * numbers.  With srand(seed) before parsing (weight initialisation), a run
 * is reproducible. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cfg_rewrite.h"
#include "util/errfmt.h"
#include "darknet.h"
#include "data.h"
#include "driver.h"
#include "metrics_log.h"
#include "monitor.h"

im_status im_dn_check_abi(char *err, size_t errlen)
{
    int lib_gpu = dlsym(RTLD_DEFAULT, "cuda_pull_array") != NULL;
#ifdef GPU
    int plugin_gpu = 1;
#else
    int plugin_gpu = 0;
#endif
    if (lib_gpu != plugin_gpu)
        return im_errf(
            err, errlen, IM_ERR_BACKEND,
            "libdarknet is a %s build but infomonitor was compiled %s -DGPU: struct layer "
            "and struct network differ between the two (CPU 1184/272 bytes, GPU 1672/304), "
            "so using it would corrupt memory; rebuild infomonitor against this Darknet "
            "(see darknet/README.md)",
            lib_gpu ? "GPU" : "CPU", plugin_gpu ? "with" : "without");
    return IM_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void shuffle(size_t *v, size_t n, uint64_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(splitmix64(rng) % i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Darknet's basecfg(): the file name up to its first '.' (malloc'd). */
static char *base_name(const char *cfg)
{
    const char *b = strrchr(cfg, '/');
    b = b ? b + 1 : cfg;
    size_t n = strcspn(b + 1, ".") + 1;
    return strndup(b, n);
}

static im_status mkdirs(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return im_errf(err, errlen, IM_ERR_IO, "%s: cannot create folder: %s", buf,
                                  strerror(errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return IM_OK;
}

/* out = dir/base + suffix; the caller checked that it fits in 4096.
 * Returns snprintf's count. */
static int backup_path(char *out, const char *dir, const char *base, const char *suffix)
{
    return snprintf(out, 4096, "%s/%s%s", dir, base, suffix);
}

/* Rewrite, parse (after srand) and optionally load weights. */
static im_status load_net(const char *cfg, const char *weights, int clear, uint64_t seed,
                          im_cfg_rewrite *rw, network **out, char *err, size_t errlen)
{
    im_status st = im_dn_check_abi(err, errlen);
    if (st != IM_OK)
        return st;
    if ((st = im_cfg_rewrite_file(cfg, rw, err, errlen)) != IM_OK)
        return st;
    if (weights) {
        FILE *f = fopen(weights, "rb");
        if (f == NULL)
            return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open weights: %s", weights,
                              strerror(errno));
        fclose(f);
    }
    char *tmp;
    if ((st = im_cfg_write_temp(rw, &tmp, err, errlen)) != IM_OK)
        return st;
    srand((unsigned)seed);
    network *net = parse_network_cfg(tmp);
    unlink(tmp);
    free(tmp);
    im_monitor_detach_loss_deltas(net, rw);
    if (weights)
        load_weights(net, (char *)weights);
    if (clear)
        *net->seen = 0;
    *out = net;
    return IM_OK;
}

/* Top-1 and top-k over d, predicting net->batch rows at a time. */
static im_status accuracy(network *net, const im_dataset *d, int topk, double *top1, double *topn,
                          char *err, size_t errlen)
{
    size_t B = (size_t)net->batch, cols = (size_t)net->inputs, K = d->classes;
    float *buf = calloc(B * cols, sizeof(float));
    int *idx = malloc((size_t)topk * sizeof(int));
    if (buf == NULL || idx == NULL) {
        free(buf);
        free(idx);
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for validation");
    }
    size_t hit1 = 0, hitk = 0;
    for (size_t s = 0; s < d->n; s += B) {
        size_t m = d->n - s < B ? d->n - s : B;
        memcpy(buf, d->x + s * cols, m * cols * sizeof(float));
        memset(buf + m * cols, 0, (B - m) * cols * sizeof(float));
        const float *out = network_predict(net, buf);
        for (size_t i = 0; i < m; i++) {
            top_k((float *)out + i * (size_t)net->outputs, (int)K, topk, idx);
            int y = d->y[s + i];
            hit1 += idx[0] == y;
            for (int j = 0; j < topk; j++)
                if (idx[j] == y) {
                    hitk++;
                    break;
                }
        }
    }
    free(buf);
    free(idx);
    *top1 = (double)hit1 / (double)d->n;
    *topn = (double)hitk / (double)d->n;
    return IM_OK;
}

/* Rows of one measured iteration into the CSV; warn once about a NaN
 * metric or loss. */
static im_status write_rows(FILE *log, const char *logpath, const im_train_point *p,
                            const im_metrics *rows, size_t nr, int nonfinite, int *warned,
                            char *err, size_t errlen)
{
    for (size_t r = 0; r < nr; r++) {
        im_status st = im_metrics_write(log, logpath, p, &rows[r], err, errlen);
        if (st != IM_OK)
            return st;
    }
    if ((nonfinite || !isfinite(p->loss)) && !*warned) {
        fprintf(stderr,
                "infomonitor: warning: iteration %zu: non-finite loss or metrics (loss %f); "
                "they are logged as nan and training goes on\n",
                p->iteration, p->loss);
        *warned = 1;
    }
    return IM_OK;
}

static im_status check_data_vs_net(const im_datacfg *dc, const network *net, char *err,
                                   size_t errlen)
{
    if (dc->classes != net->outputs)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s:%d: classes = %d, but the network's output layer has %d outputs",
                          dc->path, dc->line_classes, dc->classes, net->outputs);
    if (dc->top < 1 || dc->top > dc->classes)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: top = %d must be in 1..%d (classes)",
                          dc->path, dc->top, dc->classes);
    return IM_OK;
}

im_status im_dn_train(const im_train_opts *o, char *err, size_t errlen)
{
    im_datacfg dc = {0};
    im_cfg_rewrite rw = {0};
    im_dataset train = {0}, valid = {0};
    im_registry *reg = NULL;
    network *net = NULL;
    FILE *log = NULL, *acc = NULL;
    size_t *order = NULL;
    float **xrows = NULL, **yrows = NULL, *onehot = NULL;
    im_metrics *rows = NULL;
    char *base = NULL, path[4096], logpath[4096];
    int warned_nan = 0;

    im_status st = im_datacfg_load(o->datacfg, &dc, err, errlen);
    if (st != IM_OK)
        goto out;
    if (dc.train == NULL) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: no 'train' key", o->datacfg);
        goto out;
    }
    if ((st = load_net(o->cfg, o->weights, o->clear, o->seed, &rw, &net, err, errlen)) != IM_OK)
        goto out;
    if ((st = check_data_vs_net(&dc, net, err, errlen)) != IM_OK)
        goto out;
    if (o->monitors && rw.nmon > 0 &&
        (st = im_registry_attach(net, &rw, o->cfg, &reg, err, errlen)) != IM_OK)
        goto out;
    fprintf(stderr, "infomonitor: loading %s\n", dc.train);
    if ((st = im_datacfg_split(&dc, 0, (size_t)net->w, (size_t)net->h, (size_t)net->c, &train, err,
                               errlen)) != IM_OK)
        goto out;
    if (dc.valid) {
        fprintf(stderr, "infomonitor: loading %s\n", dc.valid);
        if ((st = im_datacfg_split(&dc, 1, (size_t)net->w, (size_t)net->h, (size_t)net->c, &valid,
                                   err, errlen)) != IM_OK)
            goto out;
    }
    if (o->epochs == 0 && net->max_batches <= 0) {
        st = im_errf(err, errlen, IM_ERR_ARG,
                        "%s: [net] max_batches is %d; set it or give -epochs E (Darknet would "
                        "train forever)",
                        o->cfg, net->max_batches);
        goto out;
    }
    size_t N = train.n, K = (size_t)dc.classes, cols = (size_t)net->inputs;
    size_t imgs = (size_t)net->batch * (size_t)net->subdivisions;
    if (train.w * train.h * train.c != cols) {
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: samples have %zu values, the network takes %zu", dc.train,
                        train.w * train.h * train.c, cols);
        goto out;
    }
    if (N < imgs) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: %zu samples, fewer than one batch (%zu)",
                        dc.train, N, imgs);
        goto out;
    }
    if ((base = base_name(o->cfg)) == NULL) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = mkdirs(dc.backup, err, errlen)) != IM_OK)
        goto out;
    /* Darknet's save_weights exit(0)s on a file it cannot open: check first. */
    if (access(dc.backup, W_OK) != 0) {
        st = im_errf(err, errlen, IM_ERR_IO, "%s: backup folder is not writable: %s", dc.backup,
                        strerror(errno));
        goto out;
    }
    if (strlen(dc.backup) + strlen(base) + 32 > sizeof path) {
        st = im_errf(err, errlen, IM_ERR_ARG, "%s: backup path too long", dc.backup);
        goto out;
    }
    if (o->log == NULL)
        backup_path(logpath, dc.backup, base, ".metrics.csv");
    else if (snprintf(logpath, sizeof logpath, "%s", o->log) >= (int)sizeof logpath) {
        st = im_errf(err, errlen, IM_ERR_ARG, "-log path too long");
        goto out;
    }
    if (reg && (st = im_metrics_open(logpath, &log, err, errlen)) != IM_OK)
        goto out;
    if (valid.n) {
        backup_path(path, dc.backup, base, ".accuracy.csv");
        acc = fopen(path, "a");
        if (acc == NULL) {
            st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
            goto out;
        }
        if (ftell(acc) == 0)
            fprintf(acc, "epoch,iteration,images,top1,top%d\n", dc.top);
    }

    order = malloc(N * sizeof *order);
    xrows = malloc(imgs * sizeof *xrows);
    yrows = malloc(imgs * sizeof *yrows);
    onehot = calloc(N * K, sizeof(float));
    rows = calloc(reg ? im_registry_count(reg) : 1, sizeof *rows);
    if (!order || !xrows || !yrows || !onehot || !rows) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu samples", N);
        goto out;
    }
    for (size_t i = 0; i < N; i++) {
        order[i] = i;
        onehot[i * K + (size_t)train.y[i]] = 1.0f;
    }
    uint64_t rng = o->seed ^ 0x5DEECE66Dull;
    shuffle(order, N, &rng);
    data d = {0};
    d.X = (matrix){(int)imgs, (int)cols, xrows};
    d.y = (matrix){(int)imgs, (int)K, yrows};
    d.shallow = 1;

    fprintf(stderr,
            "infomonitor: %zu training samples, batch %d, learning rate %g, momentum %g, "
            "%zu monitor(s), seed %llu\n",
            N, net->batch, net->learning_rate, net->momentum, reg ? im_registry_count(reg) : 0,
            (unsigned long long)o->seed);
    /* Where the spectra run, once per distinct back end. */
    for (size_t i = 0; reg && i < im_registry_count(reg); i++) {
        const im_context *c = im_registry_context(reg, i);
        size_t k = 0;
        while (k < i && strcmp(im_context_backend(im_registry_context(reg, k)),
                               im_context_backend(c)))
            k++;
        if (k == i)
            fprintf(stderr, "infomonitor: spectra on %s (%s)\n", im_context_backend(c),
                    im_context_backend_detail(c));
    }
    if (log)
        fprintf(stderr, "infomonitor: metrics -> %s\n", logpath);
    size_t pos = 0, epoch_done = (size_t)(*net->seen / N), start_epoch = epoch_done;
    double avg = -1.0;
    for (;;) {
        size_t cur = get_current_batch(net);
        if (o->epochs > 0 ? epoch_done - start_epoch >= (size_t)o->epochs
                          : cur >= (size_t)net->max_batches)
            break;
        if (pos + imgs > N) {
            shuffle(order, N, &rng);
            pos = 0;
        }
        for (size_t j = 0; j < imgs; j++) {
            xrows[j] = train.x + order[pos + j] * cols;
            yrows[j] = onehot + order[pos + j] * K;
        }
        pos += imgs;
        double t0 = now();
        float loss = train_network(net, d);
        double dt = now() - t0;
        avg = avg < 0 ? loss : avg * .9 + loss * .1;
        size_t it = get_current_batch(net);
        printf("%ld, %.3f: %f, %f avg, %f rate, %lf seconds, %ld images\n", (long)it,
               (float)*net->seen / (float)N, loss, avg, get_current_rate(net), dt,
               (long)*net->seen);
        fflush(stdout);
        if (reg) {
            im_train_point p = {it,  (double)*net->seen / (double)N, loss,
                                avg, get_current_rate(net),          dt},
                           done;
            size_t nr;
            int nonfinite;
            if ((st = im_registry_submit(reg, &p, rows, &nr, &done, &nonfinite, err, errlen)) !=
                    IM_OK ||
                (st = write_rows(log, logpath, &done, rows, nr, nonfinite, &warned_nan, err,
                                 errlen)) != IM_OK)
                goto out;
        }
        if (*net->seen / N > epoch_done) {
            epoch_done = *net->seen / N;
            char suffix[48];
            snprintf(suffix, sizeof suffix, "_%zu.weights", epoch_done);
            backup_path(path, dc.backup, base, suffix);
            save_weights(net, path);
            if (valid.n) {
                double a1, ak;
                if ((st = accuracy(net, &valid, dc.top, &a1, &ak, err, errlen)) != IM_OK)
                    goto out;
                printf("epoch %zu: valid top-1 %.4f, top-%d %.4f (%zu images)\n", epoch_done, a1,
                       dc.top, ak, valid.n);
                fflush(stdout);
                fprintf(acc, "%zu,%zu,%zu,%.6f,%.6f\n", epoch_done, it, valid.n, a1, ak);
                fflush(acc);
            }
        }
        if (it % 1000 == 0) {
            backup_path(path, dc.backup, base, ".backup");
            save_weights(net, path);
        }
    }
    if (reg) {
        im_train_point done;
        size_t nr;
        int nonfinite;
        if ((st = im_registry_drain(reg, rows, &nr, &done, &nonfinite, err, errlen)) != IM_OK ||
            (st = write_rows(log, logpath, &done, rows, nr, nonfinite, &warned_nan, err, errlen)) !=
                IM_OK)
            goto out;
    }
    backup_path(path, dc.backup, base, ".weights");
    save_weights(net, path);
out:
    if (log)
        fclose(log);
    if (acc)
        fclose(acc);
    im_registry_free(reg);
    if (net)
        free_network(net);
    free(base);
    free(order);
    free(xrows);
    free(yrows);
    free(onehot);
    free(rows);
    im_dataset_free(&train);
    im_dataset_free(&valid);
    im_cfg_rewrite_free(&rw);
    im_datacfg_free(&dc);
    return st;
}

im_status im_dn_valid(const char *datacfg, const char *cfg, const char *weights, char *err,
                      size_t errlen)
{
    im_datacfg dc = {0};
    im_cfg_rewrite rw = {0};
    im_dataset valid = {0};
    network *net = NULL;
    im_status st = im_datacfg_load(datacfg, &dc, err, errlen);
    if (st != IM_OK)
        goto out;
    if (dc.valid == NULL) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: no 'valid' key", datacfg);
        goto out;
    }
    if ((st = load_net(cfg, weights, 0, 0, &rw, &net, err, errlen)) != IM_OK)
        goto out;
    if ((st = check_data_vs_net(&dc, net, err, errlen)) != IM_OK)
        goto out;
    if ((st = im_datacfg_split(&dc, 1, (size_t)net->w, (size_t)net->h, (size_t)net->c, &valid, err,
                               errlen)) != IM_OK)
        goto out;
    double a1, ak;
    if ((st = accuracy(net, &valid, dc.top, &a1, &ak, err, errlen)) != IM_OK)
        goto out;
    printf("top-1: %.4f, top-%d: %.4f (%zu images)\n", a1, dc.top, ak, valid.n);
out:
    if (net)
        free_network(net);
    im_dataset_free(&valid);
    im_cfg_rewrite_free(&rw);
    im_datacfg_free(&dc);
    return st;
}
