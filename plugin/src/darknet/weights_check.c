/* A weights file's kind, header and size against the network's. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/errfmt.h"
#include "weights_check.h"
#include "weights_layout.h"

/* The bytes load_weights reads after a header with this version. */
static size_t expected(size_t floats, int32_t major, int32_t minor)
{
    return IM_DN_WEIGHTS_VERSION_BYTES + im_dn_weights_seen_bytes(major, minor) +
           floats * sizeof(float);
}

static const char *kind(mode_t m)
{
    return S_ISDIR(m)                 ? "a folder"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device"
           : S_ISFIFO(m)              ? "a pipe"
                                      : "a special file";
}

/* The version header of the open file fd (size bytes), checked. */
static im_status header(int fd, off_t size, size_t floats, const char *cfg, const char *path,
                        char *err, size_t errlen)
{
    /* Before the header is read, the size save_weights gives (0.2.0). */
    size_t want = expected(floats, 0, 2);
    if (size == 0)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: empty (0 bytes); %s's network needs a weights file of %zu bytes", path,
                       cfg, want);
    if (size < IM_DN_WEIGHTS_VERSION_BYTES)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: truncated: %lld bytes, %s's network needs %zu", path, (long long)size,
                       cfg, want);
    int32_t v[3];
    ssize_t got = pread(fd, v, sizeof v, 0);
    if (got != (ssize_t)sizeof v)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path,
                       got < 0 ? strerror(errno) : "short read");
    if (v[0] != 0 || v[1] < 0 || v[2] < 0)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: not a Darknet weights file (its header reads version %d.%d.%d, "
                       "expected 0.x.y); %s's network needs %zu bytes, the file has %lld",
                       path, (int)v[0], (int)v[1], (int)v[2], cfg, want, (long long)size);
    want = expected(floats, v[0], v[1]);
    if ((size_t)size != want)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: %s: %lld bytes, but %s's network needs %zu (a %zu-byte header and "
                       "%zu weights); weights of another network?",
                       path, (size_t)size < want ? "truncated" : "longer than expected",
                       (long long)size, cfg, want, want - floats * sizeof(float), floats);
    return IM_OK;
}

im_status im_dn_weights_check(const network *net, const char *cfg, const char *path, char *err,
                              size_t errlen)
{
    size_t floats;
    im_status st = im_dn_weights_floats(net, IM_DN_WEIGHTS_LOAD, cfg, &floats, err, errlen);
    if (st != IM_OK)
        return st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open weights: %s", path,
                       strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                     "%s: %s, not a weights file; %s's network needs a regular file of %zu bytes",
                     path, kind(sb.st_mode), cfg, expected(floats, 0, 2));
    else
        st = header(fd, sb.st_size, floats, cfg, path, err, errlen);
    close(fd);
    return st;
}
