/* The fuzz harnesses' folder and files (files.h). */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "files.h"

static char dir[PATH_MAX];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
    if (dir[0])
        return dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/infomonitor-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        abort();
    }
    atexit(remove_dir);
    return dir;
}

/* The folders above path, under fuzz_dir(). */
static void make_parents(char *path)
{
    for (char *p = path + strlen(fuzz_dir()) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
}

/* One path buffer per name, for the few names a harness uses. */
static char *path_for(const char *name)
{
    static struct {
        char name[64], path[PATH_MAX];
    } slot[16];
    for (size_t i = 0; i < sizeof slot / sizeof slot[0]; i++) {
        if (slot[i].name[0] && strcmp(slot[i].name, name))
            continue;
        if (!slot[i].name[0]) {
            snprintf(slot[i].name, sizeof slot[i].name, "%s", name);
            snprintf(slot[i].path, sizeof slot[i].path, "%s/%s", fuzz_dir(), name);
            make_parents(slot[i].path);
        }
        return slot[i].path;
    }
    fprintf(stderr, "fuzz_write: more than 16 names\n");
    abort();
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t n)
{
    char *path = path_for(name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}
