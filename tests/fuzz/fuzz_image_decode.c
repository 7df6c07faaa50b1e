/* libFuzzer harness: one image through the checked decoder
 * (im_image_decode, plugin/src/darknet/image_decode.h: the signature,
 * the structural checks, the size limits, then libdarknet's stb_image,
 * resize_image and grayscale_image).  Input: three bytes for the size
 * asked (w = 2 + b0 % 16, h = 2 + b1 % 16, c = 3 if b2 is odd, else 1),
 * then the image file.  Checks beyond the sanitizers: a refusal is one
 * line naming list:line: and the image; a decoded image fills its row with
 * values in [0, 1] (up to rounding in the resize). */
#include <stdlib.h>
#include <string.h>
#include "darknet/image_decode.h"
#include "files.h"
#include "show.h"

static void need(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t w = 2 + data[0] % 16, h = 2 + data[1] % 16, c = data[2] & 1 ? 3 : 1;
    im_image_ref ref = {"fuzz.list", 7, fuzz_write("image", data + 3, size - 3)};
    float *row = malloc(w * h * c * sizeof *row); /* exactly: ASan sees a write past it */
    need(row != NULL);
    char err[1024] = "";
    im_status st = im_image_decode(&ref, w, h, c, row, err, sizeof err);
    fuzz_show(st, err);
    if (st != IM_OK)
        need(!strncmp(err, "fuzz.list:7: \"", 14) && strstr(err, ref.path) && !strchr(err, '\n'));
    for (size_t i = 0; st == IM_OK && i < w * h * c; i++)
        need(row[i] >= -1e-5f && row[i] <= 1.0f + 1e-5f);
    free(row);
    return 0;
}
