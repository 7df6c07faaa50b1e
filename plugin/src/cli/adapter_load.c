/* Where the adapter is looked for, and the checks before it is used.  It is
 * opened RTLD_GLOBAL, so that libdarknet's symbols are in the global scope,
 * where the adapter's ABI guard looks for a GPU build's cuda_pull_array. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "adapter_load.h"
#include "args.h"
#include "infomonitor/version.h"

/* The executable's folder, symbolic links resolved ("" if unknown). */
static void exe_dir(char *out, size_t len)
{
    ssize_t k = readlink("/proc/self/exe", out, len - 1);
    out[k > 0 ? k : 0] = '\0';
    char *slash = strrchr(out, '/');
    if (slash != NULL)
        *slash = '\0';
}

const im_dn_adapter *im_cli_adapter(const char *verb)
{
    char dir[PATH_MAX], path[2][PATH_MAX + 64], why[2][512] = {"", ""};
    exe_dir(dir, sizeof dir);
    snprintf(path[0], sizeof path[0], "%s/%s", dir, IM_DN_ADAPTER_LIB);
    snprintf(path[1], sizeof path[1], "%s/../lib/infomonitor/%s", dir, IM_DN_ADAPTER_LIB);
    for (int i = 0; i < 2; i++) {
        if (access(path[i], F_OK) != 0) {
            snprintf(why[i], sizeof why[i], "not found");
            continue;
        }
        void *h = dlopen(path[i], RTLD_NOW | RTLD_GLOBAL);
        if (h == NULL)
            im_cli_fail(verb, 1, "cannot load %s: %s (is Darknet installed? 'make deps')", path[i],
                        dlerror());
        const im_dn_adapter *(*get)(void) =
            (const im_dn_adapter *(*)(void))dlsym(h, IM_DN_ADAPTER_SYM);
        const im_dn_adapter *a = get ? get() : NULL;
        if (a == NULL || a->abi != IM_DN_ADAPTER_ABI || strcmp(a->version, IM_VERSION) != 0)
            im_cli_fail(verb, 1,
                        "%s is not the adapter of this build (infomonitor %s, adapter ABI %d); "
                        "rebuild with 'make'",
                        path[i], IM_VERSION, IM_DN_ADAPTER_ABI);
        return a;
    }
    im_cli_fail(verb, 1, "the Darknet adapter %s is missing: %s: %s; %s: %s (build it with 'make')",
                IM_DN_ADAPTER_LIB, path[0], why[0], path[1], why[1]);
}
