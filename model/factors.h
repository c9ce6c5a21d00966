/* factors.h: effects of a two-level full factorial design (2^k cells, one
 * response per cell), Lenth's pseudo standard error for an unreplicated
 * design, and where the response changes sign along each factor.
 *
 * Cells are in standard order: bit j of a cell's index is the level of
 * factor j, 0 for its first level (coded -1) and 1 for its second (+1); the
 * first factor changes fastest.
 *
 * An effect is named by a mask of factors: one bit a main effect, two bits
 * a two-factor interaction, and so on. Its contrast sign at cell i is
 *     s_m(i) = prod over j in m of (bit j of i ? +1 : -1),
 * and its value follows the "difference of means" convention:
 *     effect(m) = mean of y over cells with s_m = +1 - mean over s_m = -1
 *               = (2 / 2^k) sum_i s_m(i) y_i,
 * twice the coefficient of the +-1-coded regression model
 *     y = b0 + sum_m b_m s_m. So y = 0.1 A - 0.2 B + 0.05 A B has effects
 * A 0.2, B -0.4, AB 0.1. */
#ifndef GEOKV_MODEL_FACTORS_H
#define GEOKV_MODEL_FACTORS_H

#include <stddef.h>

#define FACTORS_MAX_K     6
#define FACTORS_MAX_CELLS (1u << FACTORS_MAX_K)

/* +1 or -1: the contrast sign of effect mask at cell. */
int factors_sign(unsigned mask, size_t cell);

/* How many factors mask names (1 a main effect, 2 a two-factor interaction). */
int factors_order(unsigned mask);

/* effects[m] for every mask m in 1 .. 2^k - 1 by the convention above, and
 * effects[0] = the grand mean; effects has room for 2^k values. -1 when k
 * is 0 or above FACTORS_MAX_K or a y is not finite (effects untouched). */
int factors_effects(size_t k, const double *y, double *effects);

/* The 2^k - 1 effect masks in reporting order: by order (main effects
 * first), then by the factors they name (factor 0 first). Returns how many. */
size_t factors_effect_masks(size_t k, unsigned *masks);

/* Lenth (1989, Technometrics 31:469-473, "Quick and easy analysis of
 * unreplicated factorials"): from m effects e,
 *     s0  = 1.5 median |e|,
 *     PSE = 1.5 median { |e| : |e| < 2.5 s0 },
 *     ME  = t(0.975; m/3) PSE           (margin of error of one effect),
 *     SME = t(gamma; m/3) PSE, gamma = (1 + 0.95^(1/m)) / 2
 *                                       (simultaneous over all m).
 * Meant for m >= 7 (a 2^3 design or larger); -1 when m < 3 or a value is not
 * finite. */
typedef struct factors_pse {
    double s0, pse, df, me, sme;
} factors_pse;
int factors_lenth(const double *e, size_t m, factors_pse *out);

/* Along factor j: the 2^(k-1) pairs of cells that differ only in factor j.
 * flips: pairs whose responses have strictly opposite signs; to_negative:
 * of those, the ones where the second level (+1) has the negative
 * response. -1 when j >= k or k is out of range; a pair with a non-finite
 * response is not counted. */
typedef struct factors_flip {
    size_t pairs, flips, to_negative;
} factors_flip;
int factors_flips(size_t k, size_t j, const double *y, factors_flip *out);

#endif
