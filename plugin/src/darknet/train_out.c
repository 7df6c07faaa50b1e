/* The backup folder, the paths in it, and the two CSVs of a training run. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "metrics_log.h"
#include "train_out.h"
#include "util/errfmt.h"

/* Darknet's basecfg(): the file name up to its first '.' (malloc'd). */
static char *base_name(const char *cfg)
{
    const char *b = strrchr(cfg, '/');
    b = b ? b + 1 : cfg;
    size_t n = strcspn(b + 1, ".") + 1;
    return strndup(b, n);
}

/* mkdir -p */
static im_status mkdirs(const char *path, char *err, size_t errlen)
{
    char buf[IM_DN_PATH_MAX];
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

static im_status open_accuracy(im_dn_out *out, int top, char *err, size_t errlen)
{
    char path[IM_DN_PATH_MAX];
    im_dn_out_path(out, ".accuracy.csv", path);
    out->acc = fopen(path, "a");
    if (out->acc == NULL)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (ftell(out->acc) == 0)
        fprintf(out->acc, "epoch,iteration,images,top1,top%d\n", top);
    return IM_OK;
}

im_status im_dn_out_open(im_dn_out *out, const char *backup, const char *cfg, const char *log,
                         const im_metrics_owner *who, int top, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->backup = backup;
    if ((out->base = base_name(cfg)) == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    im_status st = mkdirs(backup, err, errlen);
    if (st != IM_OK)
        return st;
    if (access(backup, W_OK) != 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: backup folder is not writable: %s", backup,
                       strerror(errno));
    /* Room for every suffix of im_dn_out_path. */
    if (strlen(backup) + strlen(out->base) + 32 > IM_DN_PATH_MAX)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: backup path too long", backup);
    if (log == NULL)
        im_dn_out_path(out, ".metrics.csv", out->logpath);
    else if (snprintf(out->logpath, sizeof out->logpath, "%s", log) >= (int)sizeof out->logpath)
        return im_errf(err, errlen, IM_ERR_ARG, "-log path too long");
    if (who != NULL) {
        snprintf(out->run, sizeof out->run, "%s", who->run);
        if ((st = im_metrics_open(out->logpath, who, &out->log, err, errlen)) != IM_OK)
            return st;
    }
    return top > 0 ? open_accuracy(out, top, err, errlen) : IM_OK;
}

void im_dn_out_path(const im_dn_out *out, const char *suffix, char path[IM_DN_PATH_MAX])
{
    snprintf(path, IM_DN_PATH_MAX, "%s/%s%s", out->backup, out->base, suffix);
}

im_status im_dn_out_rows(im_dn_out *out, const im_train_point *p, const im_metrics *rows, size_t nr,
                         int nonfinite, char *err, size_t errlen)
{
    if (nr == 0) /* nothing was measured: p holds no point */
        return IM_OK;
    for (size_t r = 0; r < nr; r++) {
        im_status st = im_metrics_write(out->log, out->logpath, out->run, p, &rows[r], err, errlen);
        if (st != IM_OK)
            return st;
    }
    im_status st = im_metrics_flush(out->log, out->logpath, err, errlen);
    if (st != IM_OK)
        return st;
    if ((nonfinite || !isfinite(p->loss)) && !out->warned) {
        fprintf(stderr,
                "infomonitor: warning: iteration %zu: non-finite loss or metrics (loss %f); "
                "they are logged as nan and training goes on\n",
                p->iteration, p->loss);
        out->warned = 1;
    }
    return IM_OK;
}

void im_dn_out_accuracy(im_dn_out *out, size_t epoch, size_t iteration, size_t images, double top1,
                        double topk)
{
    fprintf(out->acc, "%zu,%zu,%zu,%.6f,%.6f\n", epoch, iteration, images, top1, topk);
    fflush(out->acc);
}

void im_dn_out_close(im_dn_out *out)
{
    if (out->log)
        fclose(out->log);
    if (out->acc)
        fclose(out->acc);
    free(out->base);
    memset(out, 0, sizeof *out);
}
