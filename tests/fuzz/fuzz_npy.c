/* libFuzzer harness: the .npy reader (plugin/src/util/npy.h) on any bytes,
 * then both conversions of what it accepts.  Checks beyond the sanitizers:
 * a failure leaves the array empty and says why in one line; an accepted
 * array's count is the product of its shape, and its data are all there
 * (the conversions read every element, so ASan sees a short buffer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/npy.h"
#include "files.h"
#include "show.h"

static void need(int cond)
{
    if (!cond)
        abort();
}

static void check_accepted(const im_npy *a)
{
    size_t count = 1;
    for (int k = 0; k < a->ndim; k++)
        count *= a->shape[k];
    need(a->ndim >= 0 && a->ndim <= IM_NPY_MAX_DIMS && a->count == count && a->data != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.npy", data, size);
    char err[512] = "";
    im_npy a;
    im_status st = im_npy_load(path, &a, err, sizeof err);
    fuzz_show(st, err);
    if (st != IM_OK) {
        need(a.data == NULL && err[0] != '\0' && strchr(err, '\n') == NULL);
        return 0;
    }
    check_accepted(&a);
    float *f = NULL;
    int32_t *labels = NULL;
    need(im_npy_as_float(&a, &f, err, sizeof err) == IM_OK && f != NULL);
    st = im_npy_as_labels(&a, path, &labels, err, sizeof err);
    need(st == IM_OK ? labels != NULL : labels == NULL && st == IM_ERR_FORMAT);
    free(f);
    free(labels);
    im_npy_free(&a);
    return 0;
}
