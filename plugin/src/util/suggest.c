/* Suggestions by edit distance (suggest.h). */
#include <string.h>
#include "suggest.h"

enum { MAXLEN = 63 };

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance over three rows of the table. */
int im_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > MAXLEN || m > MAXLEN)
        return strcmp(a, b) ? MAXLEN + 1 : 0;
    int r[3][MAXLEN + 1]; /* rows i-2, i-1, i (mod 3) */
    for (size_t j = 0; j <= m; j++)
        r[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int *cur = r[i % 3], *up = r[(i - 1) % 3], *up2 = r[(i + 1) % 3];
        cur[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            cur[j] = min3(up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                up2[j - 2] + 1 < cur[j])
                cur[j] = up2[j - 2] + 1;
        }
    }
    return r[n % 3][m];
}

const char *im_suggest(const char *word, const char *const *cand)
{
    const char *best = NULL;
    int bestd = MAXLEN + 2;
    for (size_t i = 0; cand[i] != NULL; i++) {
        int d = im_edit_distance(word, cand[i]);
        if (d < bestd)
            best = cand[i], bestd = d;
    }
    if (best == NULL || bestd > 2 || 3 * (size_t)bestd > strlen(best))
        return NULL;
    return best;
}
