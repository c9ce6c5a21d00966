/* fit_json.c: see fit_json.h. */
#include "model/fit_json.h"

#include <math.h>

json_t *fit_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *fit_result_json(const fit_result *r, int with_points)
{
    json_t *o = json_object(), *coef = json_object(), *se = json_object();
    for (size_t i = 0; i < r->p; i++) {
        json_object_set_new(coef, fit_coef_name(r->kind, i), fit_json_number(r->coef[i]));
        json_object_set_new(se, fit_coef_name(r->kind, i), fit_json_number(r->se[i]));
    }
    json_object_set_new(o, "model", json_string(fit_kind_name(r->kind)));
    json_object_set_new(o, "formula", json_string(fit_kind_formula(r->kind)));
    json_object_set_new(o, "n", json_integer((json_int_t)r->n));
    json_object_set_new(o, "p", json_integer((json_int_t)r->p));
    json_object_set_new(o, "coef", coef);
    json_object_set_new(o, "se", se);
    json_object_set_new(o, "sse", fit_json_number(r->sse));
    json_object_set_new(o, "rmse", fit_json_number(r->rmse));
    json_object_set_new(o, "r2", fit_json_number(r->r2));
    json_object_set_new(o, "sigma2", fit_json_number(r->sigma2));
    json_object_set_new(o, "aic", fit_json_number(r->aic));
    json_object_set_new(o, "aicc", fit_json_number(r->aicc));
    json_object_set_new(o, "bic", fit_json_number(r->bic));
    json_object_set_new(o, "iterations", json_integer((json_int_t)r->iterations));
    if (with_points && r->x) {
        json_t *pts = json_array();
        for (size_t i = 0; i < r->n; i++) {
            json_t *p = json_object();
            json_object_set_new(p, "x", fit_json_number(r->x[i]));
            json_object_set_new(p, "y", fit_json_number(r->y[i]));
            json_object_set_new(p, "resid", fit_json_number(r->resid[i]));
            json_array_append_new(pts, p);
        }
        json_object_set_new(o, "points", pts);
    }
    return o;
}
