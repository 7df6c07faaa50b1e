/* The cfg checks in order (cfg_validate.h). */
#include <string.h>
#include "cfg_keys.h"
#include "cfg_validate.h"
#include "cfg_values.h"

im_status im_dn_cfg_validate(im_cfg_model *m, im_dn_shapes *shapes, char *err, size_t errlen)
{
    memset(shapes, 0, sizeof *shapes);
    im_status st = im_dn_cfg_keys_check(m, err, errlen);
    if (st == IM_OK)
        st = im_dn_cfg_values_check(m, err, errlen);
    if (st == IM_OK)
        st = im_dn_cfg_shapes(m, shapes, err, errlen);
    return st;
}
