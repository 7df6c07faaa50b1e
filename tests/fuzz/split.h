/* Several files from one fuzz input: the parts between FUZZ_SEP markers.
 * The corpus writer (make_corpus.py) joins files with the same marker, and
 * libFuzzer's comparison hooks find it when mutating. */
#ifndef IM_FUZZ_SPLIT_H
#define IM_FUZZ_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_SEP "\n--8<--\n"
#define FUZZ_SEP_LEN (sizeof FUZZ_SEP - 1)

typedef struct fuzz_part {
    const uint8_t *data;
    size_t n;
} fuzz_part;

/* Splits data[0..n) at each FUZZ_SEP into at most max parts (the last one
 * keeps any further markers); returns the number of parts, at least 1. */
size_t fuzz_split(const uint8_t *data, size_t n, fuzz_part *parts, size_t max);

#endif
