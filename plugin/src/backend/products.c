/* Hadamard products of factor matrices, formed in chunks and handed to the
 * back end's batched entropy.  fp64 throughout: the products of up to
 * hundreds of factors in (0,1] reach tiny values, which fp64 keeps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "util/errfmt.h"

/* Matrices per chunk: bounds scratch memory to about 32 MiB at n = 256. */
#define IM_CHUNK_BYTES ((size_t)32 << 20)

int im_all_finite(const double *v, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

im_status im_backend_products_via_batch(im_backend *self, const double *const *factors, size_t n,
                                        const uint32_t *off, const uint32_t *idx, size_t B,
                                        double alpha, double *S, char *err, size_t errlen)
{
    size_t nn = n * n;
    size_t chunk = IM_CHUNK_BYTES / (nn * sizeof(double));
    if (chunk < 1)
        chunk = 1;
    if (chunk > B)
        chunk = B;
    double *buf = malloc(chunk * nn * sizeof(double));
    if (buf == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM,
                       "out of memory for %zu product matrices of %zux%zu", chunk, n, n);
    im_status st = IM_OK;
    for (size_t b0 = 0; b0 < B && st == IM_OK; b0 += chunk) {
        size_t nb = B - b0 < chunk ? B - b0 : chunk;
        for (size_t b = 0; b < nb; b++) {
            double *P = buf + b * nn;
            uint32_t k0 = off[b0 + b], k1 = off[b0 + b + 1];
            memcpy(P, factors[idx[k0]], nn * sizeof(double));
            for (uint32_t k = k0 + 1; k < k1; k++) {
                const double *F = factors[idx[k]];
                for (size_t e = 0; e < nn; e++)
                    P[e] *= F[e];
            }
        }
        st = self->entropy_batch(self, buf, nb, n, alpha, S + b0, NULL, err, errlen);
    }
    free(buf);
    return st;
}
