/* Spectrum benchmark: PID pairs per second for every available back end and
 * for a plain numpy baseline (bench_numpy_pairs.py) on the same inputs, plus
 * single exact entropies of large matrices.  Every engine must agree with
 * the LAPACKE reference within 1e-4 bits before its time is shown.  Where
 * the cuda back end starts, JAX's and CuPy's batched eigvalsh are timed on
 * the same matrices when python3 can import them (bench_gpu_peers.py).
 *
 * Workload: n = 128 samples; a conv layer of C feature maps of h*w values
 * (C = 6: 24x24, 32: 12x12, 128: 8x8, 512: 4x4), T = tanh of a fixed random
 * projection of X (784 values per sample); Silverman widths (h = 5); alpha
 * 1.01.  A pair is the two entropies S(Ti o Tj) and S(Ti o Tj o X) (Hadamard
 * products, trace normalization, spectra, power sums).  Each engine is timed
 * on the first K pairs i<j, repeated for at least a second: K = all pairs for
 * cuda, at most 16384 for cpu, 600 for cpu-ref and 200 for numpy (the slow
 * ones would take minutes on all 130,816 pairs of C = 512).
 *
 * usage: bench_spectra [--numpy SCRIPT] [--peers SCRIPT] [--max-n N]
 * The scripts run under $PYTHON (default /usr/bin/python3). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util/npy.h"
#include "infomonitor/infomonitor.h"

static const char *k_engines[] = {"cpu-ref", "cpu", "cuda"};
/* Pairs each engine is timed on (0: all). */
static const size_t k_cap[] = {600, 16384, 0};
#define N_ENGINES 3
#define REF_PAIRS 600
#define NUMPY_PAIRS 200
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

/* The Python with numpy (and, on a GPU machine, JAX and CuPy): $PYTHON, or
 * Debian's. */
static const char *python(void)
{
    const char *p = getenv("PYTHON");
    return p != NULL && *p != '\0' ? p : "/usr/bin/python3";
}

/* Numpy baseline on the first k pairs: pairs/s, and its entropies in S
 * (2k values), read from the script's JSON. */
static double run_numpy(const char *script, const char *dir, double sx, double st, size_t k,
                        double *S)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s %s/X.npy %s/T.npy %.17g %.17g %zu 1.01", python(), script, dir,
             dir, sx, st, k);
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

/* GPU peers (JAX, CuPy) on the first k pairs' matrices: one line of
 * output from the script, printed as it comes. */
static void run_peers(const char *script, const char *dir, double sx, double st, size_t k)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s %s/X.npy %s/T.npy %.17g %.17g %zu 1.01", python(), script, dir,
             dir, sx, st, k);
    fflush(stdout);
    if (system(cmd) != 0)
        printf("         (%s failed)\n", script);
}

static void print_rate(double r)
{
    if (isnan(r))
        printf(" %9s", "-");
    else
        printf(" %9.0f", r);
}

static void print_ratio(double a, double b)
{
    if (isnan(a) || isnan(b))
        printf(" %8s", "-");
    else
        printf(" %7.1fx", a / b);
}

int main(int argc, char **argv)
{
    const char *script = "bench/bench_numpy_pairs.py", *peers = "bench/bench_gpu_peers.py";
    size_t max_n = 4096;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--numpy") && i + 1 < argc)
            script = argv[++i];
        else if (!strcmp(argv[i], "--peers") && i + 1 < argc)
            peers = argv[++i];
        else if (!strcmp(argv[i], "--max-n") && i + 1 < argc)
            max_n = (size_t)atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_spectra [--numpy SCRIPT] [--peers SCRIPT] [--max-n N]\n");
            return 2;
        }
    }
    openblas_set_num_threads(1);
    char dir[] = "/tmp/bench_spectra_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    for (int e = 0; e < N_ENGINES; e++) {
        im_context *ctx = context(k_engines[e]);
        printf("%-8s %s\n", k_engines[e], ctx ? im_context_backend_detail(ctx) : "not available");
        im_context_destroy(ctx);
    }
    const size_t Cs[4] = {6, 32, 128, 512}, hws[4] = {576, 144, 64, 16};
    printf("\nPID pairs per second, n = %d, alpha = 1.01 (one run; agreement checked first)\n", NS);
    printf("%5s %5s %7s | %9s %9s %9s %9s | %8s %8s %8s\n", "C", "h*w", "pairs", "cpu-ref", "cpu",
           "cuda", "numpy", "cpu/np", "cpu/ref", "cuda/np");
    float *x = malloc(NS * DX * sizeof(float));
    for (size_t i = 0; i < NS * DX; i++)
        x[i] = randn();
    double peer_sx = NAN, peer_st = NAN;
    int have_cuda = 0;
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
        im_width wd = {.rule = IM_WIDTH_SILVERMAN, .param = 5.0};
        im_gram_rbf(ref, x, NS, DX, DX, wd, Kx, &sx);
        for (size_t c = 0; c < C; c++) {
            im_gram_rbf(ref, t + c * hw, NS, hw, C * hw, wd, Kt + c * nn, &st);
            f[c] = Kt + c * nn;
        }
        f[C] = Kx;
        uint32_t *off = malloc((2 * P + 1) * sizeof(uint32_t)),
                 *idx = malloc(5 * P * sizeof(uint32_t));
        size_t p = 0, ni = 0;
        off[0] = 0;
        for (size_t i = 0; i < C; i++)
            for (size_t j = i + 1; j < C; j++, p++) {
                idx[ni++] = (uint32_t)i;
                idx[ni++] = (uint32_t)j;
                off[2 * p + 1] = (uint32_t)ni;
                idx[ni++] = (uint32_t)i;
                idx[ni++] = (uint32_t)j;
                idx[ni++] = (uint32_t)C;
                off[2 * p + 2] = (uint32_t)ni;
            }
        size_t kref = P < REF_PAIRS ? P : REF_PAIRS;
        double *Sref = malloc(2 * kref * sizeof(double)), *S = malloc(2 * P * sizeof(double));
        double rate[N_ENGINES];
        for (int e = 0; e < N_ENGINES; e++) {
            im_context *ctx = context(k_engines[e]);
            rate[e] = NAN;
            if (ctx == NULL)
                continue;
            have_cuda |= e == 2;
            size_t K = k_cap[e] && k_cap[e] < P ? k_cap[e] : P;
            double t0 = now(), t1;
            size_t reps = 0;
            im_status rc = IM_OK;
            do {
                rc = im_entropy_products(ctx, f, C + 1, NS, off, idx, 2 * K, e ? S : Sref);
                reps++;
                t1 = now();
            } while (rc == IM_OK && t1 - t0 < 1.0);
            double worst = 0;
            for (size_t i = 0; e && i < 2 * kref; i++)
                worst = fmax(worst, fabs(S[i] - Sref[i]));
            if (rc != IM_OK)
                fprintf(stderr, "bench_spectra: %s: %s\n", k_engines[e], im_context_error(ctx));
            else if (!(worst <= 1e-4))
                fprintf(stderr, "bench_spectra: %s disagrees with cpu-ref by %g bits; not timed\n",
                        k_engines[e], worst);
            else
                rate[e] = (double)(K * reps) / (t1 - t0);
            im_context_destroy(ctx);
        }
        double *Snp = calloc(2 * NUMPY_PAIRS, sizeof(double));
        size_t kn = P < NUMPY_PAIRS ? P : NUMPY_PAIRS;
        double np_rate = run_numpy(script, dir, sx, st, kn, Snp), worst = 0;
        for (size_t i = 0; i < 2 * kn; i++)
            worst = fmax(worst, fabs(Snp[i] - Sref[i]));
        if (isnan(np_rate))
            fprintf(stderr, "bench_spectra: the numpy baseline (%s under %s) failed\n", script,
                    python());
        else if (!(worst <= 1e-4)) {
            fprintf(stderr, "bench_spectra: numpy disagrees with cpu-ref by %g bits\n", worst);
            np_rate = NAN;
        }
        printf("%5zu %5zu %7zu |", C, hw, P);
        for (int e = 0; e < N_ENGINES; e++)
            print_rate(rate[e]);
        print_rate(np_rate);
        printf(" |");
        print_ratio(rate[1], np_rate);
        print_ratio(rate[1], rate[0]);
        print_ratio(rate[2], np_rate);
        printf("\n");
        fflush(stdout);
        if (C == 512) {
            peer_sx = sx;
            peer_st = st;
        }
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
    if (have_cuda) {
        printf("\nGPU peers on C = 512, first 1024 pairs (2048 fp32 matrices), eigenvalues only\n");
        run_peers(peers, dir, peer_sx, peer_st, 1024);
    }
    printf("\nSingle exact entropy of an n x n RBF Gram matrix (seconds, one run)\n");
    printf("%6s | %9s %9s %9s\n", "n", "cpu-ref", "cpu", "cuda");
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
                printf(" %9s", "-");
                continue;
            }
            im_gram_rbf(ctx, v, n, 16, 16, (im_width){.rule = IM_WIDTH_SILVERMAN, .param = 5.0}, K,
                        NULL);
            double S, t0 = now();
            im_status rc = im_entropy(ctx, K, n, &S);
            double dt = now() - t0;
            if (e == 0)
                S0 = S;
            if (rc == IM_OK && fabs(S - S0) <= 1e-4)
                printf(" %9.3f", dt);
            else
                printf(" %9s", rc == IM_OK ? "disagrees" : "failed");
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
