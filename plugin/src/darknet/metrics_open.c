/* Opening the metrics CSV (metrics_log.h): the lock, the header, who may
 * append, and the repair of a partial last line. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "metrics_log.h"
#include "util/errfmt.h"

/* What the file holds: its size, where its complete lines end (just past
 * the last newline; the bytes after it are a partial line), and the run id
 * of its last complete row ("" when that line is the header). */
typedef struct {
    off_t size, end;
    char last_run[IM_METRICS_RUN_MAX];
} log_state;

static im_status take_lock(int fd, const char *path, char *err, size_t errlen)
{
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return IM_OK;
    if (errno == EWOULDBLOCK)
        return im_errf(err, errlen, IM_ERR_IO,
                       "%s: the metrics log is in use by another process (it holds the log's "
                       "lock); give each run its own -log file",
                       path);
    return im_errf(err, errlen, IM_ERR_IO, "%s: cannot lock the metrics log: %s", path,
                   strerror(errno));
}

/* The offset of the last '\n' before `before`, or -1. */
static off_t newline_before(int fd, off_t before)
{
    char buf[4096];
    while (before > 0) {
        off_t from = before > (off_t)sizeof buf ? before - (off_t)sizeof buf : 0;
        ssize_t got = pread(fd, buf, (size_t)(before - from), from);
        if (got != before - from)
            return -1;
        for (ssize_t i = got - 1; i >= 0; i--)
            if (buf[i] == '\n')
                return from + i;
        before = from;
    }
    return -1;
}

/* The header line, then where the complete lines end and the last run id. */
static im_status inspect(int fd, const char *path, log_state *s, char *err, size_t errlen)
{
    size_t hl = strlen(im_metrics_columns);
    char line[4096];
    if (pread(fd, line, hl + 1, 0) != (ssize_t)(hl + 1) ||
        memcmp(line, im_metrics_columns, hl) != 0 || line[hl] != '\n')
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: exists but is not a metrics log of this version (its first line is "
                       "not the header %.24s...,run); choose another -log file",
                       path, im_metrics_columns);
    off_t nl = newline_before(fd, s->size);
    s->end = nl + 1;
    s->last_run[0] = '\0';
    off_t start = newline_before(fd, nl) + 1;
    if (start == 0) /* the last complete line is the header */
        return IM_OK;
    size_t len = (size_t)(nl - start) < sizeof line - 1 ? (size_t)(nl - start) : sizeof line - 1;
    ssize_t got = pread(fd, line, len, nl - (off_t)len);
    line[got > 0 ? got : 0] = '\0';
    const char *comma = strrchr(line, ',');
    snprintf(s->last_run, sizeof s->last_run, "%s", comma ? comma + 1 : "");
    return IM_OK;
}

/* Refuse another run's log; cut a partial last line off. */
static im_status claim(int fd, const char *path, const log_state *s, const im_metrics_owner *who,
                       char *err, size_t errlen)
{
    off_t header = (off_t)strlen(im_metrics_columns) + 1;
    if (s->size > header && !who->resume && !who->append)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: holds the rows of run %s; a fresh run does not add to another run's "
                       "metrics log: give another -log file, remove this one, or pass -append "
                       "(a resume from WEIGHTS appends by itself)",
                       path, s->last_run[0] ? s->last_run : "(a partial row)");
    if (s->end == s->size)
        return IM_OK;
    if (ftruncate(fd, s->end) != 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot cut off its partial last line: %s", path,
                       strerror(errno));
    char msg[1024];
    im_errf(msg, sizeof msg, IM_OK,
            "%s: its last line was incomplete (a run killed while writing it); dropped its %lld "
            "bytes before appending",
            path, (long long)(s->size - s->end));
    fprintf(stderr, "infomonitor: warning: %s\n", msg);
    return IM_OK;
}

/* Lock, inspect and claim the file; *empty is set when it has no byte. */
static im_status prepare(int fd, const char *path, const im_metrics_owner *who, int *empty,
                         char *err, size_t errlen)
{
    im_status st = take_lock(fd, path, err, errlen);
    if (st != IM_OK)
        return st;
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    log_state s = {.size = sb.st_size};
    if ((*empty = s.size == 0))
        return IM_OK;
    if ((st = inspect(fd, path, &s, err, errlen)) != IM_OK)
        return st;
    return claim(fd, path, &s, who, err, errlen);
}

im_status im_metrics_open(const char *path, const im_metrics_owner *who, FILE **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open the metrics log: %s", path,
                       strerror(errno));
    int empty = 0;
    im_status st = prepare(fd, path, who, &empty, err, errlen);
    FILE *f = st == IM_OK ? fdopen(fd, "a") : NULL;
    if (f == NULL) {
        if (st == IM_OK)
            st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot open the metrics log: %s", path,
                         strerror(errno));
        close(fd);
        return st;
    }
    if (empty && (fprintf(f, "%s\n", im_metrics_columns) < 0 || fflush(f) != 0)) {
        int e = errno;
        fclose(f);
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    *out = f;
    return IM_OK;
}
