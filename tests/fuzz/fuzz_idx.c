/* libFuzzer harness: IDX images and labels (im_idx_load,
 * plugin/src/darknet/idx.h).  Input: a flags byte, a classes byte (0: not
 * checked), then the images file and the labels file, split at FUZZ_SEP;
 * flag 1 gzips the images as written, flag 2 the labels (so that zlib's
 * path reads fuzzed content; the plain bytes may themselves be gzip).
 * Checks beyond the sanitizers: a refusal is one line naming a file and
 * leaves *out empty; an accepted pair gives n >= 1 images of h x w x 1
 * (n and w * h within an int, as dataset.h promises),
 * labels below classes, and pixels in [0, 1]. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "darknet/idx.h"
#include "files.h"
#include "show.h"
#include "split.h"

static void need(int cond)
{
    if (!cond)
        abort();
}

/* part written to name, through gzip when gz. */
static const char *write_part(const char *name, fuzz_part p, int gz)
{
    const char *path = fuzz_write(name, p.data, p.n);
    if (!gz)
        return path;
    gzFile f = gzopen(path, "wb");
    need(f != NULL && (p.n == 0 || gzwrite(f, p.data, (unsigned)p.n) == (int)p.n) &&
         gzclose(f) == Z_OK);
    return path;
}

static void check_accepted(const im_dataset *d, size_t classes)
{
    need(d->n >= 1 && d->n <= INT_MAX && d->c == 1 && d->w >= 1 && d->h >= 1 &&
         d->w * d->h <= INT_MAX && d->x && d->y);
    need(classes == 0 || d->classes == classes);
    for (size_t i = 0; i < d->n; i++)
        need(d->y[i] >= 0 && (size_t)d->y[i] < d->classes);
    for (size_t i = 0; i < d->n * d->w * d->h; i++)
        need(d->x[i] >= 0.0f && d->x[i] <= 1.0f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fuzz_part part[2] = {{NULL, 0}, {NULL, 0}};
    fuzz_split(data + 2, size - 2, part, 2);
    const char *images = write_part("images.idx", part[0], data[0] & 1);
    const char *labels = write_part("labels.idx", part[1], data[0] & 2);
    size_t classes = data[1];
    char err[1024] = "";
    im_dataset d;
    im_status st = im_idx_load(images, labels, classes, &d, err, sizeof err);
    fuzz_show(st, err);
    if (st != IM_OK) {
        need(d.x == NULL && d.y == NULL && d.n == 0 && !strchr(err, '\n') &&
             (!strncmp(err, images, strlen(images)) || !strncmp(err, labels, strlen(labels))));
        return 0;
    }
    check_accepted(&d, classes);
    im_dataset_free(&d);
    return 0;
}
