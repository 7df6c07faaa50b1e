/* Temporary file, fsync, rename (atomic_file.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "atomic_file.h"
#include "util/errfmt.h"
#include "util/rng.h"

/* Open a new file "<path>.XXXXXX" with six random name characters,
 * O_EXCL so that it is ours alone, mode 0666 for the kernel to apply the
 * umask to (mkstemp would give 0600, and reading the umask would change it
 * for a moment for every thread).  Retries a taken name; -1 with errno. */
static int create_temp(char *tmp, size_t len)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 12) ^
                 (uint64_t)(uintptr_t)tmp;
    for (int tries = 0; tries < 1000; tries++) {
        for (size_t i = len - 6; i < len; i++)
            tmp[i] = abc[im_rng_below(&s, sizeof abc - 1)];
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

im_status im_atomic_open(im_atomic *a, const char *path, char *err, size_t errlen)
{
    a->f = NULL;
    a->path = path;
    int len = snprintf(a->tmp, sizeof a->tmp, "%s.XXXXXX", path);
    if (len >= (int)sizeof a->tmp)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: path too long", path);
    int fd = create_temp(a->tmp, (size_t)len);
    if (fd < 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot create a temporary file beside it: %s",
                       path, strerror(errno));
    if ((a->f = fdopen(fd, "wb")) == NULL) {
        im_status st = im_atomic_write_error(a, err, errlen);
        close(fd);
        unlink(a->tmp);
        return st;
    }
    return IM_OK;
}

im_status im_atomic_write_error(const im_atomic *a, char *err, size_t errlen)
{
    return im_errf(err, errlen, IM_ERR_IO, "%s: cannot write: %s (the file was not replaced)",
                   a->path, errno ? strerror(errno) : strerror(EIO));
}

/* fsync the folder holding a->path, so that the rename is durable;
 * file systems that cannot (EINVAL) are let be. */
static int sync_folder(const im_atomic *a)
{
    char dir[sizeof a->tmp];
    snprintf(dir, sizeof dir, "%s", a->path);
    int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

im_status im_atomic_commit(im_atomic *a, char *err, size_t errlen)
{
    errno = 0;
    int bad = fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
    int saved = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    a->f = NULL;
    if (!bad && rename(a->tmp, a->path) != 0) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        unlink(a->tmp);
        errno = saved;
        return im_atomic_write_error(a, err, errlen);
    }
    if (sync_folder(a) != 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: written, but its folder cannot be synced: %s",
                       a->path, strerror(errno));
    return IM_OK;
}

void im_atomic_abort(im_atomic *a)
{
    if (a->f == NULL)
        return;
    fclose(a->f);
    a->f = NULL;
    unlink(a->tmp);
}
