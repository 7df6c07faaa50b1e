/* The rewritten cfg in a memfd, or in a temporary file where that fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cfg_text.h"
#include "util/errfmt.h"

/* Write all of text to fd; 0 or -1 with errno set. */
static int write_all(int fd, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* The memfd, reopened by fopen through /proc as Darknet will; 0 or -1. */
static int open_memfd(const char *text, im_cfg_text *t)
{
    int fd = memfd_create("infomonitor-cfg", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    snprintf(t->path, sizeof t->path, "/proc/self/fd/%d", fd);
    FILE *f = NULL;
    if (write_all(fd, text) != 0 || (f = fopen(t->path, "r")) == NULL) {
        close(fd);
        return -1;
    }
    fclose(f);
    t->fd = fd;
    return 0;
}

static im_status open_file(const char *text, im_cfg_text *t, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || !*dir)
        dir = "/tmp";
    if (snprintf(t->path, sizeof t->path, "%s/infomonitor-XXXXXX", dir) >= (int)sizeof t->path)
        return im_errf(err, errlen, IM_ERR_IO, "TMPDIR = '%s': path too long", dir);
    int fd = mkstemp(t->path);
    if (fd < 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot create a temporary cfg: %s", dir,
                       strerror(errno));
    t->fd = fd;
    t->on_disk = 1;
    if (write_all(fd, text) != 0) {
        im_status st =
            im_errf(err, errlen, IM_ERR_IO, "%s: write failed: %s", t->path, strerror(errno));
        im_cfg_text_close(t);
        return st;
    }
    return IM_OK;
}

im_status im_cfg_text_open(const im_cfg_rewrite *r, im_cfg_text *t, char *err, size_t errlen)
{
    t->fd = -1;
    t->on_disk = 0;
    t->path[0] = '\0';
    if (open_memfd(r->text, t) == 0)
        return IM_OK;
    return open_file(r->text, t, err, errlen);
}

void im_cfg_text_close(im_cfg_text *t)
{
    if (t->on_disk)
        unlink(t->path);
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    t->on_disk = 0;
}
