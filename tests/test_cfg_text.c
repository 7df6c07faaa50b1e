/* The rewritten cfg where Darknet reads it (cfg_text.h): a memfd that
 * reads back as the text and leaves no file, and the temporary-file
 * fallback where memfd_create fails, removed on close. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>
#include "darknet/cfg_text.h"

/* This executable's memfd_create takes the place of libc's: it fails with
 * ENOSYS while g_no_memfd is set, as on a kernel without memfds. */
static int g_no_memfd;
int memfd_create(const char *name, unsigned int flags)
{
    if (g_no_memfd) {
        errno = ENOSYS;
        return -1;
    }
    return (int)syscall(SYS_memfd_create, name, flags);
}

static const char *k_text = "[net]\nbatch=2\nheight=8\nwidth=8\nchannels=1\n\n[softmax]\n";

/* The file at path holds exactly k_text. */
static void reads_back(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[512] = "";
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_int_equal(got, strlen(k_text));
    assert_string_equal(buf, k_text);
}

/* The entries of dir other than . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* With TMPDIR a fresh folder, open the text (memfd or not); the folder's
 * entries while it is open go to *open_entries. */
static void open_in_fresh_tmpdir(int no_memfd, int *open_entries, int *on_disk)
{
    char dir[] = "/tmp/im_test_cfg_text_XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    im_cfg_rewrite rw = {.text = (char *)k_text};
    im_cfg_text t;
    char err[256] = "";
    g_no_memfd = no_memfd;
    assert_int_equal(im_cfg_text_open(&rw, &t, err, sizeof err), IM_OK);
    g_no_memfd = 0;
    reads_back(t.path);
    *open_entries = entries(dir);
    *on_disk = t.on_disk;
    if (t.on_disk)
        assert_int_equal(strncmp(t.path, dir, strlen(dir)), 0);
    else
        assert_int_equal(strncmp(t.path, "/proc/self/fd/", 14), 0);
    im_cfg_text_close(&t);
    assert_int_equal(t.fd, -1);
    im_cfg_text_close(&t); /* twice is safe */
    assert_int_equal(entries(dir), 0);
    assert_int_equal(rmdir(dir), 0);
    unsetenv("TMPDIR");
}

static void memfd_leaves_no_file(void **state)
{
    (void)state;
    int n, on_disk;
    open_in_fresh_tmpdir(0, &n, &on_disk);
    assert_false(on_disk);
    assert_int_equal(n, 0);
}

static void fallback_file_removed_on_close(void **state)
{
    (void)state;
    int n, on_disk;
    open_in_fresh_tmpdir(1, &n, &on_disk);
    assert_true(on_disk);
    assert_int_equal(n, 1);
}

static void fallback_error_names_folder(void **state)
{
    (void)state;
    setenv("TMPDIR", "/nonexistent/im_test_dir", 1);
    im_cfg_rewrite rw = {.text = (char *)k_text};
    im_cfg_text t;
    char err[256] = "";
    g_no_memfd = 1;
    assert_int_equal(im_cfg_text_open(&rw, &t, err, sizeof err), IM_ERR_IO);
    g_no_memfd = 0;
    assert_non_null(strstr(err, "/nonexistent/im_test_dir"));
    assert_int_equal(t.fd, -1);
    im_cfg_text_close(&t);
    unsetenv("TMPDIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memfd_leaves_no_file),
        cmocka_unit_test(fallback_file_removed_on_close),
        cmocka_unit_test(fallback_error_names_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
