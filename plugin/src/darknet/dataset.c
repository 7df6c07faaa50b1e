/* The dataset type's one function; the type is in dataset.h. */
#include <stdlib.h>
#include <string.h>
#include "darknet/dataset.h"

void im_dataset_free(im_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}
