/* libFuzzer harness: an image list and its images (im_imagelist_load,
 * plugin/src/darknet/image_list.h, with the checked decoder).  Input:
 * three bytes for the size asked (w = 2 + b0 % 16, h = 2 + b1 % 16, c = 3
 * if b2 is odd, else 1), then the list and up to four image files, split
 * at FUZZ_SEP; the images are written as IMAGES[] (an absent one as an
 * empty file), the labels are cat, dog and bird.  The list is read in the
 * harness's folder, with every path kept inside it: a '/' that starts a
 * line and the first of two dots become '_' (a fuzzed path would
 * otherwise reach anything on the machine, /dev/stdin included).  Checks
 * beyond the sanitizers: a refusal is one line naming the list and leaves
 * *out empty; an accepted list gives rows of the size asked, with labels
 * below 3 and values in [0, 1] (up to rounding in the resize). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "darknet/image_list.h"
#include "files.h"
#include "show.h"
#include "split.h"

static const char *const IMAGES[] = {"cat.png", "dog.jpg", "birds/bird.bmp", "train/cat7.ppm"};
#define NIMAGES (sizeof IMAGES / sizeof IMAGES[0])

static void need(int cond)
{
    if (!cond)
        abort();
}

/* The list, its paths kept inside the folder. */
static void write_list(fuzz_part p)
{
    uint8_t *s = malloc(p.n ? p.n : 1);
    need(s != NULL);
    if (p.n)
        memcpy(s, p.data, p.n);
    for (size_t i = 0; i < p.n; i++)
        if ((s[i] == '/' && (i == 0 || s[i - 1] == '\n')) ||
            (s[i] == '.' && i + 1 < p.n && s[i + 1] == '.'))
            s[i] = '_';
    fuzz_write("list.txt", s, p.n);
    free(s);
}

static void check_accepted(const im_dataset *d, size_t w, size_t h, size_t c)
{
    need(d->n >= 1 && d->w == w && d->h == h && d->c == c && d->classes == 3 && d->x && d->y);
    for (size_t i = 0; i < d->n; i++)
        need(d->y[i] >= 0 && d->y[i] < 3);
    for (size_t i = 0; i < d->n * w * h * c; i++)
        need(d->x[i] >= -1e-5f && d->x[i] <= 1.0f + 1e-5f);
}

/* The load, in the folder (the working folder is restored for libFuzzer,
 * which writes its corpus and artifacts to relative paths). */
static im_status load_in_folder(size_t w, size_t h, size_t c, im_dataset *d, char *err,
                                size_t errlen)
{
    static char cat[] = "cat", dog[] = "dog", bird[] = "bird";
    static char *const labels[] = {cat, dog, bird};
    int here = open(".", O_RDONLY | O_DIRECTORY);
    need(here >= 0 && chdir(fuzz_dir()) == 0);
    im_status st = im_imagelist_load("list.txt", labels, 3, w, h, c, d, err, errlen);
    need(fchdir(here) == 0 && close(here) == 0);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t w = 2 + data[0] % 16, h = 2 + data[1] % 16, c = data[2] & 1 ? 3 : 1;
    fuzz_part part[1 + NIMAGES] = {{NULL, 0}};
    size_t np = fuzz_split(data + 3, size - 3, part, 1 + NIMAGES);
    write_list(part[0]);
    for (size_t k = 0; k < NIMAGES; k++)
        fuzz_write(IMAGES[k], k + 1 < np ? part[k + 1].data : NULL, k + 1 < np ? part[k + 1].n : 0);
    char err[2048] = "";
    im_dataset d;
    im_status st = load_in_folder(w, h, c, &d, err, sizeof err);
    fuzz_show(st, err);
    if (st != IM_OK) {
        need(d.x == NULL && d.y == NULL && d.n == 0 && !strncmp(err, "list.txt", 8) &&
             !strchr(err, '\n'));
        return 0;
    }
    check_accepted(&d, w, h, c);
    im_dataset_free(&d);
    return 0;
}
