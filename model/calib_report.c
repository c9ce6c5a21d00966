/* calib_report.c: see calib_report.h. */
#include "model/calib_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/fit_json.h"

static double pct(double from, double to)
{
    return from != 0 ? 100.0 * (to - from) / from : NAN;
}

static json_t *num_or_null(int have, double v)
{
    return have ? fit_json_number(v) : json_null();
}

/* 0 and *v when sweep s measured agent count n. */
static int at(const calib_sweep *s, double n, double *v)
{
    return s != NULL && calib_sweep_at(s, n, v) == 0 ? 0 : -1;
}

json_t *calib_report_fig7(const patent_ref *ref, const calib_sweep *before, const calib_sweep *after)
{
    json_t *rows = json_array(), *used = json_array(), *bad_sign = json_array(), *goal = json_object();
    double sum_ours = 0, sum_patent = 0;
    size_t k = 0;
    for (size_t i = 0; i < ref->npts; i++) {
        double n = ref->n[i], pb = ref->data[0][0][i], pa = ref->data[0][1][i], pc = ref->change_pct[0][i];
        double ob = NAN, oa = NAN;
        int hb = at(before, n, &ob) == 0, ha = at(after, n, &oa) == 0;
        json_t *r = json_object();
        json_object_set_new(r, "n", json_real(n));
        json_object_set_new(r, "patent_before_s", json_real(pb));
        json_object_set_new(r, "ours_before_s", num_or_null(hb, ob));
        json_object_set_new(r, "before_error_pct", num_or_null(hb, pct(pb, ob)));
        json_object_set_new(r, "patent_after_s", json_real(pa));
        json_object_set_new(r, "ours_after_s", num_or_null(ha, oa));
        json_object_set_new(r, "after_error_s", num_or_null(ha, oa - pa));
        json_object_set_new(r, "after_error_pct", num_or_null(ha, pct(pa, oa)));
        json_object_set_new(r, "patent_change_pct", json_real(pc));
        json_object_set_new(r, "ours_change_pct", num_or_null(ha && hb, pct(ob, oa)));
        json_array_append_new(rows, r);
        if (!(ha && hb))
            continue;
        double oc = pct(ob, oa);
        json_array_append_new(used, json_real(n));
        sum_ours += oc;
        sum_patent += pc;
        k++;
        /* the patent's sign: after below before from N = 20 on */
        if (n >= CALIB_FIG7_SIGN_FROM_N && !((oc < 0) == (pc < 0) && oc != 0))
            json_array_append_new(bad_sign, json_real(n));
    }
    json_object_set_new(goal, "text", json_string("after against before has the patent's sign at every N >= 20 and "
                                                     "its average change is within 10 percentage points of the "
                                                     "patent's, by prediction"));
    if (k == 0) {
        json_object_set_new(goal, "holds", json_null());
        json_object_set_new(goal, "why", json_string("no agent count measured in both sweeps"));
        json_decref(bad_sign);
    } else {
        double ao = sum_ours / (double)k, ap = sum_patent / (double)k;
        int sign_ok = json_array_size(bad_sign) == 0, avg_ok = fabs(ao - ap) <= CALIB_FIG7_WITHIN_PTS;
        json_object_set_new(goal, "average_ours_pct", fit_json_number(ao));
        json_object_set_new(goal, "average_patent_pct", fit_json_number(ap));
        json_object_set_new(goal, "average_gap_pts", fit_json_number(ao - ap));
        json_object_set_new(goal, "within_pts", json_real(CALIB_FIG7_WITHIN_PTS));
        json_object_set_new(goal, "average_ok", json_boolean(avg_ok));
        json_object_set_new(goal, "sign_ok", json_boolean(sign_ok));
        json_object_set_new(goal, "wrong_sign_n", bad_sign);
        json_object_set_new(goal, "holds", json_boolean(sign_ok && avg_ok));
    }
    return json_pack("{s:o,s:o,s:b,s:o}", "rows", rows, "n_used", used, "complete", k == ref->npts, "goal", goal);
}

static json_t *fig8_metric(const patent_ref *ref, const char *name, const calib_sweep *before,
                           const calib_sweep *after)
{
    json_t *rows = json_array(), *goal = json_object();
    double sum_ours = 0, sum_patent = 0;
    size_t k = 0;
    for (size_t i = 0; i < ref->npts; i++) {
        double n = ref->n[i], pb = ref->data[1][0][i] * 1e3, pa = ref->data[1][1][i] * 1e3;
        double pc = ref->change_pct[1][i], ob = NAN, oa = NAN;
        int hb = at(before, n, &ob) == 0, ha = at(after, n, &oa) == 0;
        json_t *r = json_object();
        json_object_set_new(r, "n", json_real(n));
        json_object_set_new(r, "patent_before_bytes", json_real(pb));
        json_object_set_new(r, "patent_after_bytes", json_real(pa));
        json_object_set_new(r, "patent_change_pct", json_real(pc));
        json_object_set_new(r, "ours_before_bytes", num_or_null(hb, ob));
        json_object_set_new(r, "ours_after_bytes", num_or_null(ha, oa));
        json_object_set_new(r, "ours_change_pct", num_or_null(ha && hb, pct(ob, oa)));
        json_object_set_new(r, "before_error_pct", num_or_null(hb, pct(pb, ob)));
        json_object_set_new(r, "after_error_pct", num_or_null(ha, pct(pa, oa)));
        json_array_append_new(rows, r);
        if (ha && hb) {
            sum_ours += pct(ob, oa);
            sum_patent += pc;
            k++;
        }
    }
    json_object_set_new(goal, "text", json_string("the I/O average change is within 15 percentage points of the "
                                                  "patent's, by prediction"));
    if (k == 0) {
        json_object_set_new(goal, "holds", json_null());
    } else {
        double ao = sum_ours / (double)k, ap = sum_patent / (double)k;
        json_object_set_new(goal, "average_ours_pct", fit_json_number(ao));
        json_object_set_new(goal, "average_patent_pct", fit_json_number(ap));
        json_object_set_new(goal, "average_gap_pts", fit_json_number(ao - ap));
        json_object_set_new(goal, "within_pts", json_real(CALIB_FIG8_WITHIN_PTS));
        json_object_set_new(goal, "holds", json_boolean(fabs(ao - ap) <= CALIB_FIG8_WITHIN_PTS));
    }
    return json_pack("{s:s,s:o,s:b,s:o}", "metric", name, "rows", rows, "complete", k == ref->npts, "goal", goal);
}

json_t *calib_report_fig8(const patent_ref *ref, size_t nm, const char *const *names,
                          const calib_sweep *const *before, const calib_sweep *const *after,
                          const char *const *why)
{
    json_t *ms = json_array();
    for (size_t k = 0; k < nm; k++) {
        if (before[k] == NULL || after[k] == NULL) {
            json_array_append_new(ms, json_pack("{s:s,s:s}", "metric", names[k], "missing",
                                                why && why[k] ? why[k] : "not measured"));
            continue;
        }
        json_array_append_new(ms, fig8_metric(ref, names[k], before[k], after[k]));
    }
    return json_pack("{s:o}", "metrics", ms);
}

/* ---- markdown, printed from the JSON ---- */

static double jnum(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

/* A number cell: "-" when null. */
static void cell(FILE *out, const json_t *o, const char *key, const char *fmt)
{
    double v = jnum(o, key);
    fputs(" | ", out);
    if (isnan(v))
        fputs("-", out);
    else
        fprintf(out, fmt, v);
}

static const char *holds_word(const json_t *goal)
{
    json_t *h = json_object_get(goal, "holds");
    return json_is_true(h) ? "**holds**" : json_is_false(h) ? "**does not hold**" : "**cannot be judged**";
}

static void md_params(FILE *out, const json_t *doc)
{
    const json_t *fit = json_object_get(doc, "fit"), *prof = json_object_get(doc, "profile");
    const json_t *params = json_object_get(fit, "params"), *p;
    size_t i;
    fprintf(out, "## Fitted parameters\n\n| parameter | value | s.e. | bounds | written to the profile |\n"
                 "|---|---|---|---|---|\n");
    json_array_foreach(params, i, p) {
        fprintf(out, "| %s | %.5g %s | %.3g | %g .. %g | %s |\n", jstr(p, "name", "?"), jnum(p, "value"),
                jstr(p, "unit", ""), jnum(p, "se"), jnum(p, "lo"), jnum(p, "hi"),
                json_is_true(json_object_get(prof, "written")) ? "yes" : "no");
    }
    if (json_is_string(json_object_get(fit, "fallback")))
        fprintf(out, "\ndeploy_uplink_Bps was tried as a second parameter and dropped: %s. It stays at the "
                     "profile's prior.\n", jstr(fit, "fallback", ""));
    fprintf(out, "\nVerdict: %s.\n\nWhat the model misses on the before curve: %s.\n", jstr(fit, "verdict", "?"),
            jstr(fit, "missing", "?"));
    if (*jstr(fit, "notes", ""))
        fprintf(out, "\nNote: %s.\n", jstr(fit, "notes", ""));
    if (json_is_true(json_object_get(prof, "written")))
        fprintf(out, "\nProfile: `%s`, now with the source \"%s\".\n", jstr(prof, "path", "?"),
                jstr(prof, "source", ""));
    else
        fprintf(out, "\nProfile: `%s` left unchanged: %s.\n", jstr(prof, "path", "?"), jstr(prof, "why_not", "?"));
    const json_t *its = json_object_get(doc, "iterations"), *it;
    if (json_array_size(its) > 0) {
        fprintf(out, "\n| step | linearised at c_line_us | fit c_line_us | verification sweep | SSE against "
                     "FIG. 7 before (s^2) |\n|---|---|---|---|---|\n");
        json_array_foreach(its, i, it) {
            fprintf(out, "| %zu | %g | %.5g +- %.3g | %s | %.4g |\n", i + 1, jnum(it, "linearised_at"),
                    jnum(it, "c_line_us"), jnum(it, "se"), jstr(it, "verify_run_id", "-"), jnum(it, "verify_sse"));
        }
        fprintf(out, "\nThe final value is the verified one closest to the patent's before (smallest SSE).\n");
    }
}

static void md_fig7(FILE *out, const json_t *f7)
{
    const json_t *rows = json_object_get(f7, "rows"), *r, *goal = json_object_get(f7, "goal");
    size_t i;
    fprintf(out, "## FIG. 7: setup time (s)\n\n"
                 "| N | patent before | ours before (fitted) | before error | patent after | ours after (PREDICTED) | "
                 "after error | change, patent | change, ours |\n|---|---|---|---|---|---|---|---|---|\n");
    json_array_foreach(rows, i, r) {
        fprintf(out, "| %g", jnum(r, "n"));
        cell(out, r, "patent_before_s", "%.1f");
        cell(out, r, "ours_before_s", "%.1f");
        cell(out, r, "before_error_pct", "%+.0f%%");
        cell(out, r, "patent_after_s", "%.1f");
        cell(out, r, "ours_after_s", "%.1f");
        cell(out, r, "after_error_pct", "%+.0f%%");
        cell(out, r, "patent_change_pct", "%+.0f%%");
        cell(out, r, "ours_change_pct", "%+.1f%%");
        fputs(" |\n", out);
    }
    fprintf(out, "\nAverage change after against before: ours %+.1f%%, the patent %+.1f%% (gap %+.1f points).\n",
            jnum(goal, "average_ours_pct"), jnum(goal, "average_patent_pct"), jnum(goal, "average_gap_pts"));
    fprintf(out, "Goal (%s): %s", jstr(goal, "text", ""), holds_word(goal));
    const json_t *bad = json_object_get(goal, "wrong_sign_n"), *b;
    if (json_array_size(bad) > 0) {
        fprintf(out, "; the sign differs from the patent's at N =");
        json_array_foreach(bad, i, b)
            fprintf(out, "%s %g", i ? "," : "", json_number_value(b));
    }
    if (json_is_false(json_object_get(goal, "average_ok")))
        fprintf(out, "; the average is %.1f points away (%.0f allowed)", fabs(jnum(goal, "average_gap_pts")),
                jnum(goal, "within_pts"));
    fprintf(out, ".%s\n\n", json_is_true(json_object_get(f7, "complete")) ? ""
                             : " Not every N of the patent was measured: averages are over the measured N.");
}

static void md_fig8(FILE *out, const json_t *f8)
{
    const json_t *ms = json_object_get(f8, "metrics"), *m;
    size_t i, j;
    fprintf(out, "## FIG. 8: store I/O (kB = 10^3 B), both series PREDICTED\n\n");
    json_array_foreach(ms, i, m) {
        const char *name = jstr(m, "metric", "?");
        if (json_object_get(m, "missing")) {
            fprintf(out, "`%s`: not available (%s).\n\n", name, jstr(m, "missing", ""));
            continue;
        }
        const json_t *goal = json_object_get(m, "goal"), *r;
        fprintf(out, "`%s`:\n\n| N | patent before | ours before | patent after | ours after | change, patent | "
                     "change, ours |\n|---|---|---|---|---|---|---|\n", name);
        json_array_foreach(json_object_get(m, "rows"), j, r) {
            fprintf(out, "| %g | %.0f", jnum(r, "n"), jnum(r, "patent_before_bytes") / 1e3);
            double ob = jnum(r, "ours_before_bytes"), oa = jnum(r, "ours_after_bytes");
            fprintf(out, isnan(ob) ? " | -" : " | %.0f", ob / 1e3);
            fprintf(out, " | %.0f", jnum(r, "patent_after_bytes") / 1e3);
            fprintf(out, isnan(oa) ? " | -" : " | %.0f", oa / 1e3);
            cell(out, r, "patent_change_pct", "%+.0f%%");
            cell(out, r, "ours_change_pct", "%+.1f%%");
            fputs(" |\n", out);
        }
        fprintf(out, "\nAverage change: ours %+.1f%%, the patent %+.1f%% (gap %+.1f points). Goal (%s): %s.\n\n",
                jnum(goal, "average_ours_pct"), jnum(goal, "average_patent_pct"), jnum(goal, "average_gap_pts"),
                jstr(goal, "text", ""), holds_word(goal));
    }
}

static void md_sweeps(FILE *out, const json_t *doc)
{
    const json_t *sw = json_object_get(doc, "sweeps"), *s;
    size_t i;
    fprintf(out, "## Sweeps\n\n| sweep | mode | settings | run id | exit |\n|---|---|---|---|---|\n");
    json_array_foreach(sw, i, s) {
        char *set = json_dumps(json_object_get(s, "settings"), JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(out, "| %s | %s | `%s` | %s | %g |\n", jstr(s, "name", "?"), jstr(s, "mode", "?"), set ? set : "",
                jstr(s, "run_id", "-"), jnum(s, "status"));
        free(set);
    }
    fputs("\n", out);
}

void calib_report_markdown(FILE *out, const json_t *doc)
{
    const json_t *fit = json_object_get(doc, "fit");
    fprintf(out, "# Calibration %s\n\n", jstr(doc, "calib_id", "?"));
    fprintf(out, "Commit %s; seed %g; status: %s.\n\n", jstr(doc, "git_describe", "unknown"), jnum(doc, "seed"),
            jstr(doc, "status", "?"));
    fprintf(out, "**Fitted** (on the patent's FIG. 7 *before* series only): ");
    const json_t *params = json_object_get(fit, "params"), *p;
    size_t i;
    json_array_foreach(params, i, p)
        fprintf(out, "%s%s = %.5g +- %.3g %s", i ? ", " : "", jstr(p, "name", "?"), jnum(p, "value"), jnum(p, "se"),
                jstr(p, "unit", ""));
    fprintf(out, ".\n**Predicted** (never used in the fit, never refitted): FIG. 7 *after* and both FIG. 8 "
                 "series. Our before column is the verification sweep at the fitted value.\n\n");
    if (!json_is_true(json_object_get(fit, "accepted")))
        fprintf(out, "**The fit was REJECTED** (%s). The sweeps below ran at c_line_us = %g us, the estimate held "
                     "within its bounds: they show what the model gives there, not a calibrated prediction.\n\n",
                jstr(fit, "verdict", "?"), jnum(doc, "run_c_line_us"));
    md_params(out, doc);
    fputs("\n", out);
    if (json_object_get(doc, "fig7"))
        md_fig7(out, json_object_get(doc, "fig7"));
    else
        fprintf(out, "## FIG. 7\n\nNot available: %s.\n\n", jstr(doc, "fig7_missing", "no sweeps"));
    if (json_object_get(doc, "fig8"))
        md_fig8(out, json_object_get(doc, "fig8"));
    md_sweeps(out, doc);
}
