/* The FUZZ_SHOW report (show.h). */
#include <stdio.h>
#include <stdlib.h>
#include "show.h"

void fuzz_show(im_status st, const char *err)
{
    static int on = -1;
    if (on < 0)
        on = getenv("FUZZ_SHOW") != NULL;
    if (on)
        fprintf(stderr, "%s\n", st == IM_OK ? "accepted" : err);
}
