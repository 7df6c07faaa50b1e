#include "rng.h"

uint64_t im_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

size_t im_rng_below(uint64_t *s, size_t m)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % m, r;
    do
        r = im_rng_next(s);
    while (r >= lim);
    return (size_t)(r % m);
}

void im_rng_shuffle(size_t *v, size_t n, uint64_t *s)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = im_rng_below(s, i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
