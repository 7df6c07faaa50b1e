/* Checking and making folders (folder.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "folder.h"
#include "util/errfmt.h"

/* Copy path into buf (PATH_MAX bytes) without its trailing slashes ("/"
 * stays). */
static im_status copy_path(const char *path, char *buf, char *why, size_t whylen)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0)
        return im_errf(why, whylen, IM_ERR_ARG, "an empty folder path");
    if (n >= PATH_MAX)
        return im_errf(why, whylen, IM_ERR_ARG, "a folder path of %zu bytes (at most %d)", n,
                       PATH_MAX - 1);
    memcpy(buf, path, n + 1);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    return IM_OK;
}

/* buf (an existing path) is a folder that we may write into and search;
 * self: buf is the folder asked for, not an ancestor of it. */
static im_status writable(const char *buf, int self, char *why, size_t whylen)
{
    struct stat sb;
    if (stat(buf, &sb) != 0)
        return im_errf(why, whylen, IM_ERR_IO, "%s: %s", buf, strerror(errno));
    const char *head = self ? "" : "cannot be made: ";
    if (!S_ISDIR(sb.st_mode))
        return im_errf(why, whylen, IM_ERR_IO, "%s%s is not a folder", head, buf);
    if (access(buf, W_OK | X_OK) != 0)
        return im_errf(why, whylen, IM_ERR_IO, "%sfolder %s is not writable: %s", head, buf,
                       strerror(errno));
    return IM_OK;
}

/* Cut buf to its parent folder ("a/b" -> "a", "a" -> ".", "/a" -> "/"). */
static void parent(char *buf)
{
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
        strcpy(buf, ".");
        return;
    }
    while (slash > buf && slash[-1] == '/')
        slash--;
    slash[slash == buf] = '\0';
}

im_status im_folder_check(const char *path, char *why, size_t whylen)
{
    char buf[PATH_MAX];
    im_status st = copy_path(path, buf, why, whylen);
    if (st != IM_OK)
        return st;
    struct stat sb;
    int self = 1;
    while (stat(buf, &sb) != 0) {
        /* ENOTDIR: a file in the way, found as the walk reaches it. */
        if ((errno != ENOENT && errno != ENOTDIR) || !strcmp(buf, ".") || !strcmp(buf, "/"))
            return im_errf(why, whylen, IM_ERR_IO, "%s: %s", buf, strerror(errno));
        parent(buf);
        self = 0;
    }
    return writable(buf, self, why, whylen);
}

im_status im_folder_make(const char *path, char *why, size_t whylen)
{
    char buf[PATH_MAX];
    im_status st = copy_path(path, buf, why, whylen);
    if (st != IM_OK)
        return st;
    /* Each prefix that ends before a '/', then the whole path. */
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return im_errf(why, whylen, IM_ERR_IO, "cannot make folder %s: %s", buf,
                           strerror(errno));
        *p = c;
        if (c == '\0')
            break;
    }
    return writable(buf, 1, why, whylen);
}
