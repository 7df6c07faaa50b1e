/* "Did you mean ...?" for a misspelt name: the candidate nearest to it by
 * edit distance, when it is near enough to be the likely intent. */
#ifndef IM_UTIL_SUGGEST_H
#define IM_UTIL_SUGGEST_H

/* The edit distance of a and b: insertions, deletions, substitutions and
 * swaps of two neighbouring characters, each counting 1 ("rleu" is 1 from
 * "relu").  Texts longer than 63 characters are at distance 64 from
 * everything but themselves. */
int im_edit_distance(const char *a, const char *b);

/* The first of the candidates cand[0..] (NULL-terminated) nearest to word,
 * if that one is near enough: a distance d <= 2 with 3 * d <= its length
 * (so "lr" suggests nothing); NULL otherwise. */
const char *im_suggest(const char *word, const char *const *cand);

#endif
