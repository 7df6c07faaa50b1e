/* Darknet's maxpool backward pass, guarded.
 *
 * forward_maxpool_layer records for each output the index of its window's
 * largest input, or -1 when no input of the window exceeds -FLT_MAX: a
 * window of NaN and -inf only (a diverged network, which trains on, see
 * README) or one that lies wholly in the padding.  backward_maxpool_layer
 * then adds to net.delta[-1], a float before the buffer, and corrupts the
 * heap (glibc aborts later, in free); as the first layer, where net.delta
 * is NULL, it writes through NULL.  The guard gives every maxpool layer of
 * net Darknet's own backward loop without those two writes: the same
 * results wherever a window holds a number. */
#ifndef IM_DN_MAXPOOL_GUARD_H
#define IM_DN_MAXPOOL_GUARD_H

#include "darknet.h"

void im_dn_guard_maxpool(network *net);

#endif
