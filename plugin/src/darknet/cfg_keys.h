/* The keys of a Darknet cfg: each option of each of Darknet's sections must
 * be a key that this Darknet (parser.c's parse_net_options and parse_<layer>
 * functions) reads for that section.  Darknet itself reads the keys it
 * knows and ignores the rest, so `learnin_rate=0.1` in [net] silently
 * trains at the default rate.
 *
 * Accepted: for [net] (and [network]) every key parse_net_options reads,
 * including the ones read only in some cases (B1, B2, eps with adam; step,
 * scale, steps, scales, gamma with their policies: cfg_values.h warns when
 * the case does not hold); this is also every [net] key that Darknet's
 * examples and our driver use (max_batches, policy, burn_in ...: they read
 * the network struct that parse_net_options fills).  For a layer section,
 * the keys of its parse_<layer> (aliases such as [conv] and
 * [convolutional] share one list), including those read only in some cases
 * (mask, anchors, map, tree), plus the keys parse_network_cfg reads in
 * every layer (truth, onlyforward, stopbackward, dontsave, dontload,
 * numload, dontloadscales, learning_rate, smooth).  [infomonitor] sections
 * are skipped: the rewrite (cfg_rewrite.h) owns their keys.
 *
 * Error (IM_ERR_FORMAT), the first one in file order:
 *   "path:line: [net] learnin_rate = '0.1': Darknet reads no such key in
 *    [net] (did you mean 'learning_rate'?)"
 * with a suggestion when a key of the section is near (util/suggest.h),
 * else "(its keys: ...)" listing them.
 * Warning (im_cfg_warn), not an error: a key that an older Darknet read and
 * this one ignores, found in Debian's own cfgs ([net] seen in writing.cfg,
 * [rnn] hidden in rnn.cfg and rnn.train.cfg); they are harmless, and
 * refusing them would refuse Darknet's examples.
 * IM_ERR_NOMEM when a warning cannot be stored. */
#ifndef IM_DN_CFG_KEYS_H
#define IM_DN_CFG_KEYS_H

#include <stddef.h>
#include "cfg_model.h"
#include "infomonitor/status.h"

im_status im_dn_cfg_keys_check(im_cfg_model *m, char *err, size_t errlen);

#endif
