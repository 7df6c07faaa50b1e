/* A cmocka group fixture: the group runs in a fresh mkdtemp folder, also the
 * working directory, removed (with everything in it) at the end.  Include
 * it first: nftw needs _XOPEN_SOURCE before any system header.  Use
 * cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown). */
#ifndef IM_TESTS_TMPDIR_FIXTURE_H
#define IM_TESTS_TMPDIR_FIXTURE_H

#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/im_test_XXXXXX";
static char oldcwd[PATH_MAX];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int tmpdir_setup(void **state)
{
    (void)state;
    if (!getcwd(oldcwd, sizeof oldcwd) || !mkdtemp(tmpdir) || chdir(tmpdir) != 0)
        return -1;
    return 0;
}

static int tmpdir_teardown(void **state)
{
    (void)state;
    if (chdir(oldcwd) != 0)
        return -1;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
