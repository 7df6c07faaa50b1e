/* Spectrum benchmark: PID pairs per second for every available back end and
 * for a plain numpy baseline (bench_numpy_pairs.py) on the same inputs, plus
 * single exact entropies of large matrices.  Engines must agree (1e-4 bits)
 * before their times are shown.
 *
 * Workload: n = 128 samples; a conv layer of C feature maps of h*w values
 * (C = 6: 24x24, 32: 12x12, 128: 8x8, 512: 4x4), T = tanh of a fixed random
 * projection of X (784 values per sample); Silverman widths (h = 5); alpha
 * 1.01.  A pair is the two entropies S(Ti o Tj) and S(Ti o Tj o X) (Hadamard
 * products, trace normalization and spectra); the first K pairs i<j are
 * timed, K chosen so that the slowest engine runs for about a second.
 *
 * usage: bench_spectra [--numpy PYTHON_SCRIPT] [--max-n N] */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/npy.h"
#include "infomonitor/infomonitor.h"

static const char *k_engines[] = {"cpu-ref", "cpu", "cuda"};
#define N_ENGINES 3
#define NS 128
#define DX 784

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t g_rng = 0x1234567u;

static float randn(void)
{
    double uv[2];
    for (int k = 0; k < 2; k++) {
        g_rng ^= g_rng << 13;
        g_rng ^= g_rng >> 7;
        g_rng ^= g_rng << 17;
        uv[k] = ((double)(g_rng >> 11) + 0.5) / 9007199254740992.0;
    }
    double u = uv[0], v = uv[1];
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static im_context *context(const char *engine)
{
    im_options o;
    im_options_default(&o);
    o.backend = engine;
    im_context *ctx = NULL;
    char err[256];
    return im_context_create(&o, &ctx, err, sizeof err) == IM_OK ? ctx : NULL;
}

/* Numpy baseline on the first k pairs: pairs/s, and its entropies in S
 * (2k values), read from the script's JSON. */
static double run_numpy(const char *script, const char *dir, double sx, double st, size_t k,
                        double *S)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s/X.npy %s/T.npy %.17g %.17g %zu 1.01", script,
             dir, dir, sx, st, k);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NAN;
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = '\0';
    if (pclose(p) != 0)
        return NAN;
    const char *q = strstr(buf, "\"seconds\": ");
    double secs = q ? atof(q + 11) : NAN;
    q = strstr(buf, "\"S\": [");
    for (size_t i = 0; q && i < 2 * k; i++) {
        q = strpbrk(q + 1, "-0123456789");
        if (q == NULL)
            return NAN;
        char *end;
        S[i] = strtod(q, &end);
        q = end;
    }
    return (double)k / secs;
}

int main(int argc, char **argv)
{
    const char *script = "bench/bench_numpy_pairs.py";
    size_t max_n = 4096;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--numpy") && i + 1 < argc)
            script = argv[++i];
        else if (!strcmp(argv[i], "--max-n") && i + 1 < argc)
            max_n = (size_t)atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_spectra [--numpy SCRIPT] [--max-n N]\n");
            return 2;
        }
    }
    openblas_set_num_threads(1);
    char dir[] = "/tmp/bench_spectra_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const size_t Cs[4] = {6, 32, 128, 512}, hws[4] = {576, 144, 64, 16};
    printf("PID pairs per second, n = %d, alpha = 1.01 (one run; agreement checked first)\n", NS);
    printf("%6s %5s %8s | %12s %12s %12s | %12s | %s\n", "C", "h*w", "pairs", "cpu-ref", "cpu",
           "cuda", "numpy", "best/numpy");
    float *x = malloc(NS * DX * sizeof(float));
    for (size_t i = 0; i < NS * DX; i++)
        x[i] = randn();
    for (int w = 0; w < 4; w++) {
        size_t C = Cs[w], hw = hws[w], P = C * (C - 1) / 2, nn = NS * NS;
        float *W = malloc(DX * C * hw * sizeof(float)), *t = malloc(NS * C * hw * sizeof(float));
        for (size_t i = 0; i < DX * C * hw; i++)
            W[i] = randn() / sqrtf((float)DX);
        /* t (NS x C*hw, row-major) = tanh(x W) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, NS, (int)(C * hw), DX, 1.0f, x, DX,
                    W, (int)(C * hw), 0.0f, t, (int)(C * hw));
        for (size_t i = 0; i < NS * C * hw; i++)
            t[i] = tanhf(t[i]);
        char err[256];
        size_t shx[2] = {NS, DX}, sht[3] = {NS, C, hw};
        char px[300], pt[300];
        snprintf(px, sizeof px, "%s/X.npy", dir);
        snprintf(pt, sizeof pt, "%s/T.npy", dir);
        im_npy_save_f32(px, x, 2, shx, err, sizeof err);
        im_npy_save_f32(pt, t, 3, sht, err, sizeof err);
        im_context *ref = context("cpu-ref");
        double *Kx = malloc(nn * sizeof(double)), *Kt = malloc(C * nn * sizeof(double)), sx, st;
        const double **f = malloc((C + 1) * sizeof *f);
        im_width wd = {IM_WIDTH_SILVERMAN, 5.0};
        im_gram_rbf(ref, x, NS, DX, DX, wd, Kx, &sx);
        for (size_t c = 0; c < C; c++) {
            im_gram_rbf(ref, t + c * hw, NS, hw, C * hw, wd, Kt + c * nn, &st);
            f[c] = Kt + c * nn;
        }
        f[C] = Kx;
        size_t K = P < 600 ? P : 600;
        uint32_t *off = malloc((2 * K + 1) * sizeof(uint32_t)), *idx = malloc(5 * K * sizeof(uint32_t));
        size_t p = 0, ni = 0;
        off[0] = 0;
        for (size_t i = 0; i < C && p < K; i++)
            for (size_t j = i + 1; j < C && p < K; j++, p++) {
                idx[ni++] = (uint32_t)i;
                idx[ni++] = (uint32_t)j;
                off[2 * p + 1] = (uint32_t)ni;
                idx[ni++] = (uint32_t)i;
                idx[ni++] = (uint32_t)j;
                idx[ni++] = (uint32_t)C;
                off[2 * p + 2] = (uint32_t)ni;
            }
        double *Sref = malloc(2 * K * sizeof(double)), *S = malloc(2 * K * sizeof(double));
        double rate[N_ENGINES], best = 0;
        for (int e = 0; e < N_ENGINES; e++) {
            im_context *ctx = context(k_engines[e]);
            rate[e] = NAN;
            if (ctx == NULL)
                continue;
            double t0 = now(), t1;
            size_t reps = 0;
            do {
                im_entropy_products(ctx, f, C + 1, NS, off, idx, 2 * K, e ? S : Sref);
                reps++;
                t1 = now();
            } while (t1 - t0 < 1.0);
            int agree = 1;
            for (size_t i = 0; e && i < 2 * K; i++)
                agree &= fabs(S[i] - Sref[i]) <= 1e-4;
            if (agree) {
                rate[e] = (double)(K * reps) / (t1 - t0);
                best = fmax(best, rate[e]);
            } else
                fprintf(stderr, "bench_spectra: %s disagrees with cpu-ref; not timed\n",
                        k_engines[e]);
            im_context_destroy(ctx);
        }
        size_t kn = K < 200 ? K : 200;
        double *Snp = malloc(2 * kn * sizeof(double));
        double np_rate = run_numpy(script, dir, sx, st, kn, Snp), worst = 0;
        for (size_t i = 0; i < 2 * kn; i++)
            worst = fmax(worst, fabs(Snp[i] - Sref[i]));
        if (!(worst <= 1e-4)) {
            fprintf(stderr, "bench_spectra: numpy disagrees with cpu-ref by %g bits\n", worst);
            np_rate = NAN;
        }
        printf("%6zu %5zu %8zu |", C, hw, P);
        for (int e = 0; e < N_ENGINES; e++)
            if (isnan(rate[e]))
                printf(" %12s", "-");
            else
                printf(" %12.0f", rate[e]);
        printf(" | %12.0f | %.2f\n", np_rate, best / np_rate);
        fflush(stdout);
        free(Snp);
        free(S);
        free(Sref);
        free(off);
        free(idx);
        free(f);
        free(Kt);
        free(Kx);
        free(W);
        free(t);
        im_context_destroy(ref);
    }
    printf("\nSingle exact entropy of an n x n RBF Gram matrix (seconds, one run)\n");
    printf("%6s | %12s %12s %12s\n", "n", "cpu-ref", "cpu", "cuda");
    for (size_t n = 128; n <= max_n; n *= 2) {
        if (n == 256)
            continue;
        float *v = malloc(n * 16 * sizeof(float));
        for (size_t i = 0; i < n * 16; i++)
            v[i] = randn();
        double *K = malloc(n * n * sizeof(double)), S0 = NAN;
        printf("%6zu |", n);
        for (int e = 0; e < N_ENGINES; e++) {
            im_context *ctx = context(k_engines[e]);
            if (ctx == NULL) {
                printf(" %12s", "-");
                continue;
            }
            im_gram_rbf(ctx, v, n, 16, 16, (im_width){IM_WIDTH_SILVERMAN, 5.0}, K, NULL);
            double S, t0 = now();
            im_entropy(ctx, K, n, &S);
            double dt = now() - t0;
            if (e == 0)
                S0 = S;
            if (fabs(S - S0) <= 1e-4)
                printf(" %12.3f", dt);
            else
                printf(" %12s", "disagrees");
            im_context_destroy(ctx);
        }
        printf("\n");
        fflush(stdout);
        free(K);
        free(v);
    }
    char path[320];
    snprintf(path, sizeof path, "%s/X.npy", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/T.npy", dir);
    unlink(path);
    rmdir(dir);
    free(x);
    return 0;
}
