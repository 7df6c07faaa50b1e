/* The validation of a cfg before Darknet parses it, in the order a user
 * fixes things: keys (cfg_keys.h), then values (cfg_values.h), then shapes
 * (cfg_shapes.h), which go to *shapes (empty on error; free it with
 * im_dn_shapes_free).  The first error is returned (IM_ERR_FORMAT, one line
 * naming file, line, key and value); warnings are added to m->warnings.
 * IM_ERR_NOMEM when a warning cannot be stored. */
#ifndef IM_DN_CFG_VALIDATE_H
#define IM_DN_CFG_VALIDATE_H

#include <stddef.h>
#include "cfg_model.h"
#include "cfg_shapes.h"

im_status im_dn_cfg_validate(im_cfg_model *m, im_dn_shapes *shapes, char *err, size_t errlen);

#endif
