/* Splitting a fuzz input into parts (split.h). */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include "split.h"

size_t fuzz_split(const uint8_t *data, size_t n, fuzz_part *parts, size_t max)
{
    size_t k = 0;
    while (k + 1 < max) {
        const uint8_t *sep = n ? memmem(data, n, FUZZ_SEP, FUZZ_SEP_LEN) : NULL;
        if (!sep)
            break;
        parts[k++] = (fuzz_part){data, (size_t)(sep - data)};
        n -= (size_t)(sep - data) + FUZZ_SEP_LEN;
        data = sep + FUZZ_SEP_LEN;
    }
    parts[k++] = (fuzz_part){data, n};
    return k;
}
