/* cb_end.c: the end of setup by each criterion (see cb_end.h). */
#include "sim/cb/cb_end.h"

#include <stddef.h>
#include <string.h>

static const char *const end_names[] = {[CB_END_RULE] = "rule", [CB_END_IPS] = "ips",
                                        [CB_END_TUNNELING] = "tunneling"};

int cb_end_parse(const char *name, cb_end *out)
{
    for (size_t i = 0; name && i < sizeof end_names / sizeof end_names[0]; i++)
        if (strcmp(name, end_names[i]) == 0) {
            *out = (cb_end)i;
            return 0;
        }
    return -1;
}

const char *cb_end_name(cb_end e)
{
    return (size_t)e < sizeof end_names / sizeof end_names[0] ? end_names[e] : "?";
}

int cb_end_last_change(const double *t, int n)
{
    int best = -1;
    for (int i = 0; t && i < n; i++)
        if (t[i] > 0 && (best < 0 || t[i] > t[best]))
            best = i;
    return best;
}

static double since(double t, double t0)
{
    return t > 0 && t0 > 0 ? t - t0 : -1;
}

void cb_end_compute(const cb_end_stamps *s, cb_end_times *out)
{
    memset(out, 0, sizeof *out);
    out->ips_s = since(s->all_ips, s->first_start);
    out->tunneling_s = since(s->all_tunneling, s->first_start);
    out->last_agent = cb_end_last_change(s->rule_changed, s->n);
    if (out->last_agent >= 0) {
        out->rule_s = since(s->rule_changed[out->last_agent], s->first_start);
        out->app_bytes = s->bytes_at_change ? s->bytes_at_change[out->last_agent] : 0;
    } else {
        out->rule_s = out->ips_s;
        out->app_bytes = s->bytes_all_ips;
    }
    out->txn_s = s->last_txn > 0 ? since(s->last_txn, s->first_start) : out->rule_s;
}

double cb_end_pick(cb_end e, const cb_end_times *t)
{
    switch (e) {
    case CB_END_IPS:
        return t->ips_s;
    case CB_END_TUNNELING:
        return t->tunneling_s;
    case CB_END_RULE:
    default:
        return t->rule_s;
    }
}
