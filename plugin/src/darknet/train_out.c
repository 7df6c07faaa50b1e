/* The backup folder, the paths in it, and the two CSVs of a training run. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"
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

/* *text and *len: the file at path, or nothing when there is none. */
static im_status read_text(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT
                   ? IM_OK
                   : im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char buf[4096];
    size_t got;
    im_status st = IM_OK;
    while (st == IM_OK && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        char *p = realloc(*text, *len + got + 1);
        if (p == NULL)
            st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
        else {
            memcpy(p + *len, buf, got);
            *len += got;
            p[*len] = '\0';
            *text = p;
        }
    }
    if (st == IM_OK && ferror(f))
        st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    return st;
}

/* Append s to the accuracy CSV's text and write the file anew. */
static im_status put_accuracy(im_dn_out *out, const char *s, char *err, size_t errlen)
{
    size_t n = strlen(s);
    char *p = realloc(out->acc, out->acc_len + n + 1);
    if (p == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", out->accpath);
    memcpy(p + out->acc_len, s, n + 1);
    out->acc = p;
    out->acc_len += n;
    im_atomic a;
    im_status st = im_atomic_open(&a, out->accpath, err, errlen);
    if (st != IM_OK)
        return st;
    errno = 0;
    if (fwrite(out->acc, 1, out->acc_len, a.f) != out->acc_len) {
        st = im_atomic_write_error(&a, err, errlen);
        im_atomic_abort(&a);
        return st;
    }
    return im_atomic_commit(&a, err, errlen);
}

static im_status open_accuracy(im_dn_out *out, int top, char *err, size_t errlen)
{
    im_dn_out_path(out, ".accuracy.csv", out->accpath);
    im_status st = read_text(out->accpath, &out->acc, &out->acc_len, err, errlen);
    if (st != IM_OK || out->acc_len > 0)
        return st;
    char head[64];
    snprintf(head, sizeof head, "epoch,iteration,images,top1,top%d\n", top);
    return put_accuracy(out, head, err, errlen);
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

im_status im_dn_out_accuracy(im_dn_out *out, size_t epoch, size_t iteration, size_t images,
                             double top1, double topk, char *err, size_t errlen)
{
    char row[160];
    snprintf(row, sizeof row, "%zu,%zu,%zu,%.6f,%.6f\n", epoch, iteration, images, top1, topk);
    return put_accuracy(out, row, err, errlen);
}

void im_dn_out_close(im_dn_out *out)
{
    if (out->log)
        fclose(out->log);
    free(out->acc);
    free(out->base);
    memset(out, 0, sizeof *out);
}
