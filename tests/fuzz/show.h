/* What a harness made of its input, on stderr when FUZZ_SHOW is set in the
 * environment (for looking at a corpus: FUZZ_SHOW=1 fuzz_cfg FILE...):
 * "accepted", or the message of the refusal. */
#ifndef IM_FUZZ_SHOW_H
#define IM_FUZZ_SHOW_H

#include "infomonitor/status.h"

void fuzz_show(im_status st, const char *err);

#endif
