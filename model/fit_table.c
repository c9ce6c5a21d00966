/* fit_table.c: see fit_table.h. */
#include "model/fit_table.h"

#include <math.h>
#include <string.h>

const char *fit_fmt_coef(char *buf, size_t len, double v, double se)
{
    if (isfinite(se))
        snprintf(buf, len, "%.6g ± %.2g", v, se);
    else
        snprintf(buf, len, "%.6g", v);
    return buf;
}

static double criterion_of(const fit_result *f, char c)
{
    if (c == 'b')
        return f->bic;
    if (c == 'c' && isfinite(f->aicc))
        return f->aicc;
    return f->aic;
}

int fit_ranked(const fit_result *f)
{
    return f->n > f->p;
}

void fit_unranked_why(const fit_result *f, char *buf, size_t len)
{
    snprintf(buf, len, "not ranked: %zu points for %zu coefficients leave no residual degrees of "
             "freedom (the curve passes through every point, so its SSE, AIC and BIC measure nothing)",
             f->n, f->p);
}

int fit_best_index(const fit_result *fits, const int *ok, size_t count, char criterion)
{
    int best = -1;
    for (size_t i = 0; i < count; i++) {
        if (!ok[i] || !fit_ranked(&fits[i]))
            continue;
        if (best < 0 || criterion_of(&fits[i], criterion) < criterion_of(&fits[best], criterion))
            best = (int)i;
    }
    return best;
}

void fit_table_models(FILE *out, const fit_result *fits, const int *ok, size_t count,
                      int markdown)
{
    size_t fitted = 0;
    for (size_t i = 0; i < count; i++)
        fitted += ok[i] != 0;
    if (!fitted)
        return; /* nothing fitted: the callers print why */
    int best = fit_best_index(fits, ok, count, 'b');
    double bic0 = best >= 0 ? fits[best].bic : NAN;
    if (markdown) {
        fprintf(out, "| model | formula | coefficients (± s.e.) | SSE | RMSE | R² | AIC | AICc | BIC | ΔBIC |\n");
        fprintf(out, "|---|---|---|---|---|---|---|---|---|---|\n");
    } else {
        fprintf(out, "  %-10s %-24s %-58s %11s %9s %7s %8s %8s %8s %6s\n", "model", "formula",
                "coefficients (± s.e.)", "SSE", "RMSE", "R^2", "AIC", "AICc", "BIC", "dBIC");
    }
    for (size_t i = 0; i < count; i++) {
        if (!ok[i])
            continue;
        const fit_result *f = &fits[i];
        char coefs[256] = "", one[64];
        size_t used = 0;
        for (size_t j = 0; j < f->p; j++) {
            int w = snprintf(coefs + used, sizeof coefs - used, "%s%s=%s", j ? ", " : "",
                             fit_coef_name(f->kind, j),
                             fit_fmt_coef(one, sizeof one, f->coef[j], f->se[j]));
            if (w > 0 && (size_t)w < sizeof coefs - used)
                used += (size_t)w;
        }
        char dbic[32];
        if (fit_ranked(f) && best >= 0)
            snprintf(dbic, sizeof dbic, "%.2f", f->bic - bic0);
        else
            snprintf(dbic, sizeof dbic, "%s", markdown ? "not ranked" : "-");
        if (markdown)
            fprintf(out, "| %s | %s | %s | %.4g | %.4g | %.4f | %.2f | %.2f | %.2f | %s |\n",
                    fit_kind_name(f->kind), fit_kind_formula(f->kind), coefs, f->sse, f->rmse,
                    f->r2, f->aic, f->aicc, f->bic, dbic);
        else
            fprintf(out, "  %-10s %-24s %-58s %11.4g %9.4g %7.4f %8.2f %8.2f %8.2f %6s\n",
                    fit_kind_name(f->kind), fit_kind_formula(f->kind), coefs, f->sse, f->rmse,
                    f->r2, f->aic, f->aicc, f->bic, dbic);
    }
    for (size_t i = 0; i < count; i++) {
        if (!ok[i] || fit_ranked(&fits[i]))
            continue;
        char why[256];
        fit_unranked_why(&fits[i], why, sizeof why);
        fprintf(out, "%s  %s: %s\n", markdown ? "\n" : "", fit_kind_name(fits[i].kind), why);
    }
}

void fit_table_verdict(FILE *out, const fit_result *fits, const int *ok, double xmax,
                       double xlimit, const char *xname)
{
    int bb = fit_best_index(fits, ok, FIT_KIND_COUNT, 'b');
    int bc = fit_best_index(fits, ok, FIT_KIND_COUNT, 'c');
    if (bb < 0) {
        int fitted = 0;
        for (int i = 0; i < FIT_KIND_COUNT; i++)
            fitted |= ok[i] != 0;
        fprintf(out, "  %s\n", fitted ? "no model can be ranked: none leaves a residual degree of freedom "
                "(measure more values of x or repeat the runs)" : "no model could be fitted");
        return;
    }
    fprintf(out, "  best by BIC: %s; best by AICc: %s", fit_kind_name(fits[bb].kind),
            bc >= 0 ? fit_kind_name(fits[bc].kind) : "-");
    /* a difference below 2 is conventionally "not worth more than a mention" */
    double second = INFINITY;
    for (int i = 0; i < FIT_KIND_COUNT; i++)
        if (ok[i] && i != bb && fit_ranked(&fits[i]) && fits[i].bic < second)
            second = fits[i].bic;
    if (isfinite(second))
        fprintf(out, " (runner-up %.1f BIC units behind%s)", second - fits[bb].bic,
                second - fits[bb].bic < 2 ? ": the data do not really separate them" : "");
    fprintf(out, ".\n");
    if (ok[FIT_CUBIC] && fit_ranked(&fits[FIT_CUBIC]) && fits[FIT_CUBIC].n < fits[FIT_CUBIC].p + 3)
        fprintf(out, "  caution: %zu points leave the cubic %zu residual degree(s) of freedom; "
                "the ranking is weak evidence.\n", fits[FIT_CUBIC].n,
                fits[FIT_CUBIC].n - fits[FIT_CUBIC].p);
    if (ok[FIT_POWER])
        fprintf(out, "  power law exponent k = %.3f ± %.3f (2 = quadratic, 3 = cubic growth).\n",
                fits[FIT_POWER].coef[1], fits[FIT_POWER].se[1]);
    if (!ok[FIT_QUADRATIC])
        return;
    const fit_kind alts[2] = {FIT_CUBIC, FIT_POWER};
    for (int i = 0; i < 2; i++) {
        if (!ok[alts[i]])
            continue;
        double dx = fit_divergence_x(&fits[FIT_QUADRATIC], &fits[alts[i]], xmax, xlimit,
                                     1.0, 0.95);
        if (isnan(dx))
            fprintf(out, "  quadratic vs %s: within the quadratic's 95%% prediction interval up to "
                    "%s = %g (or the quadratic has no interval)\n", fit_kind_name(alts[i]),
                    xname, xlimit);
        else
            fprintf(out, "  quadratic vs %s: they leave the quadratic's 95%% prediction interval at "
                    "%s = %g: extrapolate the quadratic no further than that\n",
                    fit_kind_name(alts[i]), xname, dx);
    }
}
