/* libinfomonitor: matrix-based Renyi alpha-entropy estimators for measuring
 * information flow in CNNs (Yu, Wickstrom, Jenssen, Principe, "Understanding
 * Convolutional Neural Networks with Information Theory").
 *
 * Typical use:
 *   im_options o; im_options_default(&o);
 *   im_context *ctx; im_context_create(&o, &ctx, NULL, 0);
 *   im_gram_rbf(ctx, x, n, d, d, (im_width){.rule = IM_WIDTH_SILVERMAN, .param = 5.0}, Kx, &sigma);
 *   im_mmi(ctx, Kx, Kt, C, n, &I, NULL, NULL);
 *   im_context_destroy(ctx);
 */
#ifndef INFOMONITOR_H
#define INFOMONITOR_H

#include "version.h"
#include "status.h"
#include "context.h"
#include "gram.h"
#include "entropy.h"
#include "info.h"

#endif
