/* Darknet's save_weights, with every write checked (weights_save.h). */
#include <errno.h>
#include <stdint.h>
#include "atomic_file.h"
#include "weights_layout.h"
#include "weights_save.h"

static im_status put(void *arg, const float *a, size_t n, char *err, size_t errlen)
{
    im_atomic *f = arg;
    errno = 0;
    if (n > 0 && fwrite(a, sizeof(float), n, f->f) != n)
        return im_atomic_write_error(f, err, errlen);
    return IM_OK;
}

im_status im_dn_weights_save(const network *net, const char *path, char *err, size_t errlen)
{
    fprintf(stderr, "Saving weights to %s\n", path);
    im_atomic a;
    im_status st = im_atomic_open(&a, path, err, errlen);
    if (st != IM_OK)
        return st;
    const int32_t version[3] = {0, 2, 0};
    errno = 0;
    if (fwrite(version, sizeof version, 1, a.f) != 1 ||
        fwrite(net->seen, sizeof *net->seen, 1, a.f) != 1)
        st = im_atomic_write_error(&a, err, errlen);
    /* The SAVE walk refuses no layer: cfg is not needed for a message. */
    if (st == IM_OK)
        st = im_dn_weights_walk(net, IM_DN_WEIGHTS_SAVE, path, put, &a, err, errlen);
    if (st != IM_OK) {
        im_atomic_abort(&a);
        return st;
    }
    return im_atomic_commit(&a, err, errlen);
}
