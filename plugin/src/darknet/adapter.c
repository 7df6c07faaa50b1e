/* The adapter's one exported symbol: its table of entry points. */
#include "adapter.h"
#include "infomonitor/version.h"

const im_dn_adapter *im_dn_adapter_get(void)
{
    static const im_dn_adapter table = {
        .abi = IM_DN_ADAPTER_ABI,
        .version = IM_VERSION,
        .train = im_dn_train,
        .valid = im_dn_valid,
        .check = im_dn_check,
        .width = im_dn_width,
        .rank = im_dn_rank,
        .prune = im_dn_prune,
    };
    return &table;
}
