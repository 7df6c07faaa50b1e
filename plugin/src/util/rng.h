/* The one random number generator of the project: splitmix64 (Steele,
 * Lea and Flood 2014), its unbiased bounded draws and a Fisher-Yates
 * shuffle.  State is the caller's uint64_t, so every use is reproducible
 * from its seed and no global state exists. */
#ifndef IM_UTIL_RNG_H
#define IM_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The next 64 random bits; advances *s. */
uint64_t im_rng_next(uint64_t *s);

/* Uniform in [0, m), m >= 1, without modulo bias (rejection). */
size_t im_rng_below(uint64_t *s, size_t m);

/* Shuffle v[0..n) in place (Fisher-Yates with im_rng_below). */
void im_rng_shuffle(size_t *v, size_t n, uint64_t *s);

#endif
