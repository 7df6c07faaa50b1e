/* The values of a Darknet cfg that are not shapes (the shapes, counts and
 * indices are cfg_shapes.h's).  Darknet reads numbers with atoi/atof ("3x"
 * is 3, "abc" is 0) and maps an unknown name to a default with at most a
 * line on stderr, so each of these trains something other than what was
 * written.  Call it after im_dn_cfg_keys_check (it judges the keys that
 * check accepts, by name); [infomonitor] sections are skipped.
 *
 * Errors (IM_ERR_FORMAT, the first in file order, each
 * "path:line: [section] key = 'value': expected <what>"):
 *   - activation: one of the 14 names of activations.c's get_activation
 *     (which takes any other, e.g. 'rleu', as relu); a near name is
 *     suggested.  [cost] type: one of get_cost_type's (seg, sse, masked,
 *     smooth, L1, wgan; another is sse).  [net] policy: one of get_policy's
 *     (constant, step, steps, exp, poly, sigmoid, random; another is
 *     constant).
 *   - numbers, strictly (im_cfg_int / im_cfg_num):
 *     flags (batch_normalize, random, adam, softmax, flip ...): 0 or 1
 *       (Darknet takes any non-zero as 1; another value is a slip);
 *     learning_rate ([net], and the per-layer multiplier) >= 0: a negative
 *       rate climbs the loss;
 *     momentum, B1, B2 in [0, 1): at 1 or above the update never decays;
 *     decay >= 0 (a negative decay grows the weights);
 *     eps > 0 (Adam divides by sqrt(v) + eps); temperature > 0 (the
 *       softmax divides by it);
 *     [dropout] probability in [0, 1): Darknet scales the kept outputs by
 *       1 / (1 - probability);
 *     burn_in, max_batches, max, numload, max_crop, min_crop: whole numbers
 *       >= 0 (Darknet compares burn_in with an unsigned count); step: a whole
 *       number >= 1 (policy=step divides by it);
 *     jitter, clip, max_ratio, min_ratio and the loss weights (coord_scale,
 *       object_scale, noobject_scale, class_scale, mask_scale) >= 0;
 *     every other number (angle, hue, power, gamma, thresh, alpha ...) a
 *       finite number.
 *   - [net] steps and scales: with policy=steps both are required (Darknet
 *     exits without them), and of equal length (a shorter scales makes
 *     Darknet read past its end); steps are whole numbers that never
 *     decrease (Darknet stops at the first step above the iteration, so a
 *     step below its predecessor waits for it), scales numbers >= 0.
 *   - [yolo] mask: whole numbers in [0, num) (anchor indices); [yolo] and
 *     [region] anchors: numbers >= 0, at most 2 * num of them (Darknet
 *     writes them into 2 * num places).  Only when num is a valid whole
 *     number >= 1; a bad num is cfg_shapes.h's error.
 * Warnings (im_cfg_warn; Darknet runs, but not as the file may mean):
 *   - a key read only in a case that does not hold: steps and scales
 *     without policy=steps, step without policy step or sigmoid, scale
 *     without policy=step, gamma without exp or sigmoid, B1, B2, eps
 *     without adam.  Darknet ignores them.
 *   - a step < 0 ([net] steps): this Darknet compares steps with an
 *     unsigned iteration count, so that step and every later one never
 *     apply (Debian's yolov2-tiny-voc.cfg has steps=-1,100,...: its rate
 *     stays at learning_rate).
 *   - decay >= 1: legal, but the weights then shrink by learning_rate times
 *     their value every step.
 * IM_ERR_NOMEM when a warning cannot be stored. */
#ifndef IM_DN_CFG_VALUES_H
#define IM_DN_CFG_VALUES_H

#include <stddef.h>
#include "cfg_model.h"
#include "infomonitor/status.h"

im_status im_dn_cfg_values_check(im_cfg_model *m, char *err, size_t errlen);

#endif
