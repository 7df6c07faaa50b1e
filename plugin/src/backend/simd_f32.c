/* The SIMD spectrum kernel in fp32 (16, 8 or 4 matrices per group).  Used for
 * alpha >= 1, where fp32 round-off in the eigenvalues moves S_alpha by less
 * than 1e-4 bits (tests/test_backends.c). */
#include <float.h>
#define SIMD_R float
#define SIMD_I int32_t
#define SIMD_EPS FLT_EPSILON
#define SIMD_TINY FLT_MIN
#define SIMD_PREFIX im_simd_f32
#include "simd_spectra.h"
