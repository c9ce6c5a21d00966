/* cmp_config.h: what differs between the config.json of two sweeps, and
 * whether the difference makes their numbers incomparable.
 *
 * Incomparable (the comparison is refused unless forced): what defines the
 * environment being measured, so that a change in the numbers would say
 * nothing about the code or the option under study:
 *   - the network: topology.* (its name, RTT table, members, regions),
 *     options.rtt_scale, options.no_wan;
 *   - the time scale of the protocol: options.delay_scale, delays.*;
 *   - the cost model: profile.name, profile.params, profile_overrides;
 *   - what setup_s measures: end_criterion (a run without it measured "ips").
 * Everything else is shown as a difference and compared: the code version
 * (version, git_describe), the transport, controller region, start schedule,
 * leader, seed, repetitions, N and modes, etcd settings, tool versions and
 * the machine are what a comparison of two runs is usually for. */
#ifndef GEOKV_MODEL_CMP_CONFIG_H
#define GEOKV_MODEL_CMP_CONFIG_H

#include <jansson.h>
#include <stddef.h>

typedef enum cmp_diff_class { CMP_DIFF_WARN, CMP_DIFF_INCOMPARABLE } cmp_diff_class;

typedef struct cmp_diff {
    char key[96];           /* dotted path in config.json, e.g. options.rtt_scale */
    char old_v[128], new_v[128]; /* compact JSON, "(absent)" when missing */
    cmp_diff_class cls;
    size_t run;             /* which new run (1 = the first after the old one) */
} cmp_diff;

typedef struct cmp_diffs {
    cmp_diff *d;
    size_t n, cap;
} cmp_diffs;

/* The class of a dotted key (see above). */
cmp_diff_class cmp_config_class(const char *key);

/* Appends the differences of new_ against old (either may be NULL: no
 * config.json, nothing to compare) to out, incomparable ones first; run is
 * stored in each. 0, or -1 when out of memory. */
int cmp_config_diff(const json_t *old, const json_t *new_, size_t run, cmp_diffs *out);

/* How many of the differences are incomparable. */
size_t cmp_config_incomparable(const cmp_diffs *d);

void cmp_config_free(cmp_diffs *d);

#endif
