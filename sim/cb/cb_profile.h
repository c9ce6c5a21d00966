/* cb_profile.h: a fidelity profile, read from sim/cb/profiles/<name>.json.
 *
 * A profile holds what the simulation models of the original experiment
 * besides etcd round trips: the CPU the VMs spend on log lines and JSON (the
 * cost model, cb_cost.h), the deploy start schedule's parameters
 * (cb_schedule.h) and switches for the smaller deviations from the original.
 * "ideal" turns all of it off (the simulation as it was before profiles).
 *
 * File format: an object with "name", optional "description" and "path"
 * (ignored: written by cb_profile_json), and
 *   "params": { "<param>": {"value": <number|bool|string>, "source": "<provenance>"}, ... }
 *   "vm_classes": { "<class>": {"vcpus": {"value": .., "source": ..},
 *                               "speed": {"value": .., "source": ..}}, ... }
 * Every value carries its provenance ("code@1ddd38e ctl.go:648", "pub", "est",
 * "guess", "prior ...", "fitted on FIG. 7 before ..."). A parameter the file
 * does not name keeps its ideal value; an unknown name, a missing source, a
 * wrong type or a value out of range is an error naming the parameter.
 */
#ifndef GEOKV_CB_PROFILE_H
#define GEOKV_CB_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/cb/cb_schedule.h"

#define CB_PROFILE_STR 64
#define CB_PROFILE_MAX_CLASSES 8
#define CB_PROFILE_MAX_PARAMS 40
#define CB_PROFILE_SRC 320          /* a value's provenance, truncated beyond */

typedef struct cb_vm_class {
    char name[CB_PROFILE_STR];      /* "t2.micro", "e2-small" */
    int vcpus;
    double speed;                   /* 1 = the speed the per-line costs are given at */
    char vcpus_src[CB_PROFILE_SRC], speed_src[CB_PROFILE_SRC];
} cb_vm_class;

typedef struct cb_profile {
    char name[CB_PROFILE_STR];
    char path[512];                 /* the file it was read from ("" for the built-in ideal) */
    char description[1024];
    /* where each parameter's value comes from, by its index in the table
     * (cb_profile_param_name): the file's "source", "built-in ideal" for one
     * the file does not name, "--profile-set" for an override */
    char src[CB_PROFILE_MAX_PARAMS][CB_PROFILE_SRC];

    /* cost model (all costs in microseconds at speed 1) */
    bool cost_model;                /* off: nothing below in this block is spent */
    double c_line_us;               /* one log line (format + write under the logger's mutex) */
    double c_peer_decode_us;        /* one Peer JSON decode (~360 B); also the spec decode and a peer encode */
    double c_rule_codec_per_entry_us; /* rule JSON decode or encode, per entry */
    double c_iface_exec_us;         /* the agent's interface set-up (3 x /sbin/ip) */
    double file_hook_factor;        /* after-mode agents: lines formatted and written twice */
    double controller_speed;        /* multiplies the controller class's speed (CPU credits spent: < 1) */
    char controller_vm[CB_PROFILE_STR];
    char aws_vm[CB_PROFILE_STR];    /* class of agents in aws-* regions */
    char gcp_vm[CB_PROFILE_STR];    /* class of agents in gcp-* regions */
    cb_vm_class classes[CB_PROFILE_MAX_CLASSES];
    int n_classes;

    /* deploy start schedule (used with CB_START_DEPLOY) */
    cb_deploy_params deploy;
    char deploy_region[CB_PROFILE_STR];   /* where the deploy host is */
    char start[CB_PROFILE_STR];     /* the start schedule of a sweep that names none: "all" or
                                       "deploy" (the bench's --start syntax) */

    /* smaller deviations from the original: false/0 = as the simulation was */
    bool agent_state_from_event;    /* after: own state only from its own peer events; no rule
                                       CAS for the own `tunneling` with an empty cache */
    double run_sleep_s;             /* sleep after CBNet.Run() before publishing host info */
    bool second_public_ip;          /* a second public-IP lookup at process start */
    bool mutex_get_after_wait;      /* clientv3 v3.5.4: Get(myKey) after a lock wait */
} cb_profile;

/* The ideal profile: every cost 0, cost model off, every deviation as the
 * simulation was, deploy parameters at the patent priors (unused unless the
 * start schedule is CB_START_DEPLOY), the two VM classes of FIG. 6. */
void cb_profile_ideal(cb_profile *p);

/* Parses a profile from JSON text (src names it in errors). 0, or -1 with
 * a message in err. */
int cb_profile_parse(const char *text, const char *src, cb_profile *p, char *err, size_t err_len);

/* Loads NAME (sim/cb/profiles/NAME.json of the data directory,
 * sim/util/util_data.h) or a FILE (anything with a '/' or ending ".json",
 * relative to the current directory). 0 or -1. */
int cb_profile_load(const char *name_or_file, cb_profile *p, char *err, size_t err_len);

/* The parameters' names, in the table's order: name i, NULL past the last. */
const char *cb_profile_param_name(size_t i);

/* Overrides one parameter by its name in "params" with a value given as text
 * (a number; true/false/on/off/1/0; a string), its source set to source
 * (e.g. "--profile-set c_line_us=55"). The same checks as the file's (type,
 * range, VM classes known). 0, or -1 with one line in err: an unknown name
 * (the known ones listed) or a bad value. */
int cb_profile_set(cb_profile *p, const char *key, const char *value, const char *source, char *err,
                   size_t err_len);

/* The checks of cb_profile_set that need no profile: the name, the value's
 * type and range (not whether a VM class exists: that depends on the
 * profile). For a command line parsed before the profile is read. */
int cb_profile_check_set(const char *key, const char *value, char *err, size_t err_len);

/* The profile as JSON, in the file's format plus "path" (the parser ignores
 * it): name, path, description, every parameter's value and source, every
 * VM class. A new reference, NULL without memory. */
struct json_t;
struct json_t *cb_profile_json(const cb_profile *p);

/* The class named name, or NULL. */
const cb_vm_class *cb_profile_class(const cb_profile *p, const char *name);
/* The class of an agent in region (aws-* -> aws_vm, gcp-* -> gcp_vm; other
 * regions: aws_vm), or NULL when the profile lacks it. */
const cb_vm_class *cb_profile_region_class(const cb_profile *p, const char *region);

#endif
