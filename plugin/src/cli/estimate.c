/* `infomonitor estimate`: information quantities of arrays saved with numpy.
 *
 * X is (n, ...) and is one variable.  T is (n, C, ...) and is split along
 * axis 1 into C feature maps (or, with --flat or rank <= 2, one variable).
 * Y is (n,) integer labels.  Output: one JSON object on stdout. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "infomonitor/infomonitor.h"
#include "util/npy.h"
#include "verbs.h"

#define VERB "estimate"

typedef struct {
    const char *path[3];
    int npath;
    double alpha, h_x, h_t, sigma_x, sigma_t, median;
    im_width_rule rule; /* --kernel-width, for X and T unless a sigma is fixed */
    int pid, flat, have_median, have_h_x, have_h_t;
    const char *backend;
} est_args;

/* --kernel-width's rules: the core's names but fixed (--sigma-x, --sigma-t). */
static im_width_rule parse_rule(const char *flag, const char *text)
{
    im_width_rule r;
    if (!im_width_rule_parse(text, &r) || r == IM_WIDTH_FIXED)
        im_cli_die(VERB,
                   "%s must be silverman, silverman-scaled, silverman-dim, median or align, got "
                   "'%s'",
                   flag, text);
    return r;
}

static void help(void)
{
    char names[96];
    im_backend_names(names, sizeof names, ", ");
    printf("usage: infomonitor estimate X.npy [T.npy] [Y.npy] [options]\n"
           "\n"
           "Matrix-based Renyi alpha-entropy estimates (bits) of numpy arrays.\n"
           "  X.npy   (n, ...) float: the input, one variable (each sample flattened)\n"
           "  T.npy   (n, C, ...) float: a layer's output, split along axis 1 into C\n"
           "          feature maps (multivariate MI, Eq. 7); rank 2 is one variable\n"
           "  Y.npy   (n,) integer labels (Kronecker-delta kernel)\n"
           "\n"
           "options:\n"
           "  --alpha A      Renyi order, > 0 (default 1.01; 1 is Shannon's limit)\n"
           "  --kernel-width R  width rule for X and T (default silverman-dim):\n"
           "                 silverman-dim     sigma = H s sqrt(d) n^(-1/(4+d)), s the root\n"
           "                                   of the mean marginal variance (so s sqrt(2d)\n"
           "                                   is the RMS pairwise distance); for T's maps\n"
           "                                   s and d of the whole layer, shared (H 0.5)\n"
           "                 silverman         the paper's sigma = H n^(-1/(4+d)), H on the\n"
           "                                   data's scale (H 5)\n"
           "                 silverman-scaled  sigma = H s n^(-1/(4+d)) (H 5)\n"
           "                 median            sigma = F x the median pairwise distance\n"
           "                 align             the sigma whose Gram matrix aligns best\n"
           "                                   with the labels' kernel (needs Y.npy;\n"
           "                                   log grid around the median distance)\n"
           "  --h-x H        multiplier H of the Silverman rules for X (default: the\n"
           "                 rule's, above)\n"
           "  --h-t H        multiplier H for T (default: the rule's)\n"
           "  --median F     the median rule's fraction, in (0, 1] (default 0.15)\n"
           "  --sigma-x S    fixed kernel width for X instead of the rule (not with --h-x)\n"
           "  --sigma-t S    fixed kernel width for T instead of the rule (not with --h-t)\n"
           "  --pid          redundancy-synergy quantities over all pairs of T's maps\n"
           "                 (Eqs. 11-12; needs C >= 2): pid_x, and pid_y with Y\n"
           "  --flat         treat T as one variable even when it has rank >= 3\n"
           "  --backend B    spectrum back end: auto (default: the first that starts of\n"
           "                 %s; cpu is the SIMD engine, cpu-ref the\n"
           "                 LAPACKE reference); the environment variable IM_BACKEND\n"
           "                 sets the default\n"
           "  -h, --help     this text\n"
           "\n"
           "Output keys: n, C, alpha, sigma_x, sigma_t, H_X, H_T, I_XT; with Y also\n"
           "H_Y, I_TY, I_XY; with --pid, pid_x {rs, wnr, rs_pct, wnr_pct, pairs,\n"
           "informative} and pid_y.  rs/wnr are means over pairs i<j of\n"
           "I(X;Ti)+I(X;Tj)-I(X;{Ti,Tj}) and 2I(X;{Ti,Tj})-I(X;Ti)-I(X;Tj); the _pct\n"
           "keys are the means of their ratios to I(X;{Ti,Tj}), as fractions, over\n"
           "the pairs with I(X;{Ti,Tj}) > 1e-4 bits.  Pairs with a dead map (all\n"
           "samples equal) are left out; pairs and informative count what is\n"
           "averaged, and a mean over no pair is null.\n"
           "sigma_t is the mean width over T's maps.  A non-finite value prints as null.\n"
           "Exit status: 0 on success, 2 on bad input, 1 on an internal failure.\n",
           names);
}

static void parse(int argc, char **argv, est_args *a)
{
    memset(a, 0, sizeof *a);
    a->alpha = 1.01;
    a->median = im_width_default_param(IM_WIDTH_MEDIAN);
    a->rule = IM_WIDTH_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            help();
            exit(0);
        } else if (strcmp(s, "--alpha") == 0) {
            a->alpha = im_cli_positive(VERB, s, im_cli_value(VERB, argc, argv, &i));
        } else if (strcmp(s, "--h-x") == 0) {
            a->h_x = im_cli_positive(VERB, s, im_cli_value(VERB, argc, argv, &i));
            a->have_h_x = 1;
        } else if (strcmp(s, "--h-t") == 0) {
            a->h_t = im_cli_positive(VERB, s, im_cli_value(VERB, argc, argv, &i));
            a->have_h_t = 1;
        } else if (strcmp(s, "--sigma-x") == 0) {
            a->sigma_x = im_cli_positive(VERB, s, im_cli_value(VERB, argc, argv, &i));
        } else if (strcmp(s, "--sigma-t") == 0) {
            a->sigma_t = im_cli_positive(VERB, s, im_cli_value(VERB, argc, argv, &i));
        } else if (strcmp(s, "--kernel-width") == 0) {
            a->rule = parse_rule(s, im_cli_value(VERB, argc, argv, &i));
        } else if (strcmp(s, "--median") == 0) {
            a->median = im_cli_positive(VERB, s, im_cli_value(VERB, argc, argv, &i));
            if (a->median > 1.0)
                im_cli_die(VERB, "--median must be in (0, 1], got '%s'", argv[i]);
            a->have_median = 1;
        } else if (strcmp(s, "--backend") == 0) {
            a->backend = im_cli_value(VERB, argc, argv, &i);
        } else if (strcmp(s, "--pid") == 0) {
            a->pid = 1;
        } else if (strcmp(s, "--flat") == 0) {
            a->flat = 1;
        } else if (s[0] == '-' && s[1] != '\0') {
            im_cli_die(VERB, "unknown option '%s' (see 'infomonitor estimate --help')", s);
        } else {
            if (a->npath == 3)
                im_cli_die(VERB, "too many files: '%s' (expected X.npy [T.npy] [Y.npy])", s);
            a->path[a->npath++] = s;
        }
    }
    if (a->npath == 0)
        im_cli_die(VERB, "missing X.npy (see 'infomonitor estimate --help')");
    if (a->sigma_x > 0 && a->have_h_x)
        im_cli_die(VERB, "--sigma-x fixes the width of X, so --h-x (a width rule's multiplier) "
                         "is not used: give one of them");
    if (a->sigma_t > 0 && a->have_h_t)
        im_cli_die(VERB, "--sigma-t fixes the width of T, so --h-t (a width rule's multiplier) "
                         "is not used: give one of them");
    if (a->have_median && a->rule != IM_WIDTH_MEDIAN)
        im_cli_die(VERB, "--median is only used with --kernel-width median");
    if (a->rule == IM_WIDTH_ALIGN && a->npath < 3)
        im_cli_die(VERB, "--kernel-width align needs the labels: give X.npy T.npy Y.npy");
    double h = im_width_default_param(a->rule);
    if (!a->have_h_x)
        a->h_x = h;
    if (!a->have_h_t)
        a->h_t = h;
}

/* A float variable set: n samples, C variables of d floats each, sample i
 * of variable c at data + i*C*d + c*d (numpy C order of (n, C, d)). */
typedef struct {
    float *data;
    size_t n, C, d;
} varset;

static void load_floats(const char *path, int split, varset *v)
{
    im_npy a;
    char err[512];
    if (im_npy_load(path, &a, err, sizeof err) != IM_OK)
        im_cli_die(VERB, "%s", err);
    if (a.ndim == 0)
        im_cli_die(VERB, "%s: rank-0 array; need (n, ...) with one row per sample", path);
    if (a.count == 0)
        im_cli_die(VERB, "%s: empty array of shape %zu x ...", path, a.shape[0]);
    v->n = a.shape[0];
    v->C = (split && a.ndim >= 3) ? a.shape[1] : 1;
    v->d = a.count / (v->n * v->C);
    if (im_npy_as_float(&a, &v->data, err, sizeof err) != IM_OK)
        im_cli_die(VERB, "%s: %s", path, err);
    im_npy_free(&a);
    if (v->n < 2)
        im_cli_die(VERB, "%s: n = %zu samples; need at least 2", path, v->n);
}

static size_t count_nonfinite(const float *x, size_t m)
{
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        k += !isfinite(x[i]);
    return k;
}

static void warn_nonfinite(const char *path, const varset *v)
{
    size_t k = count_nonfinite(v->data, v->n * v->C * v->d);
    if (k)
        fprintf(stderr,
                "infomonitor estimate: warning: %s has %zu non-finite values (NaN/Inf); "
                "quantities that use it are NaN (null)\n",
                path, k);
}

static void check(im_context *ctx, im_status st)
{
    if (st != IM_OK) {
        fprintf(stderr, "infomonitor estimate: %s: %s\n", im_status_str(st), im_context_error(ctx));
        exit(st == IM_ERR_ARG ? IM_EXIT_USAGE : 1);
    }
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL) {
        fprintf(stderr, "infomonitor estimate: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

/* JSON output: one key per line, null for non-finite numbers. */
static int first_key;

static void key_num(const char *k, double v)
{
    printf("%s\n  \"%s\": ", first_key ? "" : ",", k);
    first_key = 0;
    if (isfinite(v))
        printf("%.10g", v);
    else
        printf("null");
}

static void key_int(const char *k, size_t v)
{
    printf("%s\n  \"%s\": %zu", first_key ? "" : ",", k, v);
    first_key = 0;
}

static void key_pid(const char *k, const im_pid *p)
{
    printf(",\n  \"%s\": {", k);
    const char *names[4] = {"rs", "wnr", "rs_pct", "wnr_pct"};
    double vals[4] = {p->rs, p->wnr, p->rs_pct, p->wnr_pct};
    size_t over[4] = {p->pairs, p->pairs, p->informative, p->informative};
    for (int i = 0; i < 4; i++) {
        printf("%s\"%s\": ", i ? ", " : "", names[i]);
        if (isfinite(vals[i]) && over[i] > 0)
            printf("%.10g", vals[i]);
        else
            printf("null");
    }
    printf(", \"pairs\": %zu, \"informative\": %zu}", p->pairs, p->informative);
}

static void load_labels(const char *py, size_t n, const char *px, int32_t **y)
{
    im_npy ya;
    char err[512];
    if (im_npy_load(py, &ya, err, sizeof err) != IM_OK)
        im_cli_die(VERB, "%s", err);
    if (ya.ndim != 1)
        im_cli_die(VERB, "%s: labels must have shape (n,), got rank %d", py, ya.ndim);
    if (ya.shape[0] != n)
        im_cli_die(VERB, "%s has n = %zu labels but %s has n = %zu", py, ya.shape[0], px, n);
    if (im_npy_as_labels(&ya, py, y, err, sizeof err) != IM_OK)
        im_cli_die(VERB, "%s", err);
    im_npy_free(&ya);
}

/* The width of X (or T): a fixed sigma when given, else the rule with its
 * multiplier h (or the median fraction; align's multiplier is 1, with the
 * labels y). */
static im_width width_of(const est_args *a, double sigma, double h, const int32_t *y)
{
    if (sigma > 0)
        return (im_width){.rule = IM_WIDTH_FIXED, .param = sigma};
    double param = a->rule == IM_WIDTH_MEDIAN ? a->median : a->rule == IM_WIDTH_ALIGN ? 1.0 : h;
    return (im_width){.rule = a->rule, .param = param, .labels = y};
}

static im_context *open_context(const est_args *a)
{
    im_options o;
    im_options_default(&o);
    o.alpha = a->alpha;
    o.backend = a->backend;
    im_context *ctx;
    char err[512];
    if (im_context_create(&o, &ctx, err, sizeof err) != IM_OK) {
        if (a->backend != NULL)
            im_cli_die(VERB, "--backend %s: %s", a->backend, err);
        im_cli_die(VERB, "%s", err);
    }
    return ctx;
}

/* The Gram matrices of T's C maps (C*n*n) and pointers to them in Tm;
 * *sigma gets the mean width over the maps. */
static double *maps_grams(im_context *ctx, const varset *T, im_width w, const double **Tm,
                          double *sigma)
{
    size_t nn = T->n * T->n;
    double *Kt = xmalloc(T->C * nn * sizeof(double));
    check(ctx, im_gram_rbf_maps(ctx, T->data, T->n, T->C, T->d, T->C * T->d, w, Kt, sigma));
    for (size_t c = 0; c < T->C; c++)
        Tm[c] = Kt + c * nn;
    return Kt;
}

/* The keys that need T: I(X;T) and, with labels Ky, I(T;Y) in one batch of
 * the core (S(T) shared, S(X) given), I(X;Y), and the PID pairs. */
static void report_t(im_context *ctx, const est_args *a, const varset *T, const double *Kx,
                     double H_X, const int32_t *y, const double *Ky)
{
    size_t n = T->n;
    im_width wt = width_of(a, a->sigma_t, a->h_t, y);
    const double **Tm = xmalloc(T->C * sizeof *Tm);
    double sigma_t = NAN, H_T, S[2] = {H_X, NAN}, I[2];
    double *Kt = maps_grams(ctx, T, wt, Tm, &sigma_t);
    const double *targets[2] = {Kx, Ky};
    im_mmi_set set = {Tm, T->C, targets, Ky ? 2 : 1, S, &H_T, I};
    check(ctx, im_mmi_sets(ctx, &set, 1, n));
    key_num("sigma_t", sigma_t);
    key_num("H_X", H_X);
    key_num("H_T", H_T);
    key_num("I_XT", I[0]);
    if (Ky) {
        double I_XY;
        check(ctx, im_mutual_information(ctx, Kx, Ky, n, &I_XY));
        key_num("H_Y", S[1]);
        key_num("I_TY", I[1]);
        key_num("I_XY", I_XY);
    }
    if (a->pid) {
        im_pid pid[2];
        check(ctx, im_pid_pairs(ctx, targets, Ky ? 2 : 1, Tm, T->C, n, pid, NULL));
        key_pid("pid_x", &pid[0]);
        if (Ky)
            key_pid("pid_y", &pid[1]);
    }
    free(Tm);
    free(Kt);
}

int im_cmd_estimate(int argc, char **argv)
{
    est_args a;
    parse(argc, argv, &a);
    const char *px = a.path[0], *pt = a.npath > 1 ? a.path[1] : NULL,
               *py = a.npath > 2 ? a.path[2] : NULL;
    varset X, T = {0};
    int32_t *y = NULL;
    load_floats(px, 0, &X);
    if (pt) {
        load_floats(pt, !a.flat, &T);
        if (T.n != X.n)
            im_cli_die(VERB, "%s has n = %zu samples but %s has n = %zu", pt, T.n, px, X.n);
    }
    if (py)
        load_labels(py, X.n, px, &y);
    if (a.pid && (!pt || T.C < 2))
        im_cli_die(VERB, "--pid needs T with C >= 2 feature maps (got C = %zu)", pt ? T.C : 0);
    warn_nonfinite(px, &X);
    if (pt)
        warn_nonfinite(pt, &T);
    im_context *ctx = open_context(&a);
    size_t n = X.n, nn = n * n;
    im_width wx = width_of(&a, a.sigma_x, a.h_x, y);
    double *Kx = xmalloc(nn * sizeof(double)), *Ky = NULL, sigma_x, H_X;
    check(ctx, im_gram_rbf(ctx, X.data, n, X.d, X.d, wx, Kx, &sigma_x));
    check(ctx, im_entropy(ctx, Kx, n, &H_X));
    if (y) {
        Ky = xmalloc(nn * sizeof(double));
        check(ctx, im_gram_labels(ctx, y, n, Ky));
    }
    first_key = 1;
    printf("{");
    key_int("n", n);
    if (pt)
        key_int("C", T.C);
    key_num("alpha", a.alpha);
    key_num("sigma_x", sigma_x);
    if (pt)
        report_t(ctx, &a, &T, Kx, H_X, y, Ky);
    else
        key_num("H_X", H_X);
    printf("\n}\n");
    im_context_destroy(ctx);
    free(Ky);
    free(Kx);
    free(y);
    free(T.data);
    free(X.data);
    return 0;
}
