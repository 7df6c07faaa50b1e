/* Loading the Darknet adapter (darknet/adapter.h) for the verbs that need a
 * network. */
#ifndef IM_CLI_ADAPTER_LOAD_H
#define IM_CLI_ADAPTER_LOAD_H

#include "darknet/adapter.h"

/* dlopen libinfomonitor-darknet.so from the executable's folder, or from
 * ../lib/infomonitor/ beside it (an installed tree), and return its table.
 * Dies (exit status 1) with a message naming the library and why it could
 * not be used: missing, libdarknet missing, or another build's. */
const im_dn_adapter *im_cli_adapter(const char *verb);

#endif
