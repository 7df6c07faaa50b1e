/* The SIMD spectrum kernel in fp64 (8, 4 or 2 matrices per group).  Used for
 * alpha < 1, where lambda^alpha magnifies the round-off of eigenvalues near
 * zero: fp32 would err by up to 1e-3 bits on rank-deficient Gram matrices. */
#include <float.h>
#define SIMD_R double
#define SIMD_I int64_t
#define SIMD_EPS DBL_EPSILON
#define SIMD_TINY DBL_MIN
#define SIMD_PREFIX im_simd_f64
#include "simd_spectra.h"
