/* topology.h: the geography of an experiment, read from a JSON file.
 *
 * A topology holds the regions (FIG. 6 of the patent: provider, region code,
 * name, VM spec), the round-trip-time matrix between them with a source and a
 * date per cell, the etcd members and their regions, the controller's region
 * and the agent placement order. sim/wan/topology/patent-fig6.json is the shipped
 * one, built from ../shared/reference/rtt-matrix.md.
 *
 * File format (every key required unless marked optional):
 *   {
 *     "name": "patent-fig6",
 *     "description": "...",                       (optional)
 *     "intra_region_rtt_ms": 0.5,                 RTT inside one region
 *     "regions": [ {"id": "aws-ap-northeast-2", "short": "A-SEL",
 *                   "provider": "AWS", "name": "Asia Pacific (Seoul)",
 *                   "vm_spec": "t2.micro"}, ... ],
 *     "rtt_ms": { "<region id>": { "<other region id>":
 *                   {"ms": 74, "source": "C", "date": "2025"}, ... }, ... },
 *     "etcd_members": [ {"name": "a-sel", "region": "aws-ap-northeast-2"}, ... ],
 *     "controller_region": "aws-ap-northeast-2",
 *     "agent_placement": {"policy": "round-robin",
 *                         "regions": ["aws-ap-northeast-2", ...]}
 *   }
 * The matrix must hold both (a,b) and (b,a) for every pair of distinct regions,
 * with equal values (the data are symmetric medians); a diagonal cell is
 * optional and overrides intra_region_rtt_ms for that region.
 *
 * Errors: one message "FILE:LINE: FIELD: what is wrong (what to do)", the first
 * problem found. jansson reports line and column of syntax errors (and rejects
 * duplicate keys). It keeps no positions for values, so for semantic errors
 * topology_json_line() re-scans the file text along the key path of the
 * offending field with a small JSON walker (the text is valid JSON by then).
 */
#ifndef GEOKV_TOPOLOGY_H
#define GEOKV_TOPOLOGY_H

#include <stddef.h>
#include <jansson.h>

#define TOPO_MAX_REGIONS 32
#define TOPO_MAX_MEMBERS 7
#define TOPO_ID_LEN 48

typedef struct topo_region {
    char id[TOPO_ID_LEN];        /* "aws-ap-northeast-2" */
    char short_name[16];         /* "A-SEL" */
    char provider[16];           /* "AWS", "GCP" */
    char name[64];               /* "Asia Pacific (Seoul)" */
    char vm_spec[32];            /* "t2.micro" */
} topo_region;

typedef struct topo_cell {
    double ms;                   /* RTT as written in the file (unscaled) */
    char source[16];             /* "C", "G", "E", ... */
    char date[24];               /* "2025", "2023-11-27" */
    int present;                 /* 1 when the file holds this cell */
} topo_cell;

typedef struct topo_member {
    char name[32];               /* "a-sel" */
    int region;                  /* index into regions[] */
} topo_member;

typedef struct topology {
    char path[256];              /* file it came from ("<string>" for text) */
    char name[64];
    char description[1024];
    double intra_region_rtt_ms;
    double rtt_scale;            /* multiplies every delay; 1 after load */
    int n_regions;
    topo_region regions[TOPO_MAX_REGIONS];
    topo_cell rtt[TOPO_MAX_REGIONS][TOPO_MAX_REGIONS];
    int n_members;
    topo_member members[TOPO_MAX_MEMBERS];
    int controller_region;
    int n_placement;
    int placement[TOPO_MAX_REGIONS]; /* round-robin order of region indices */
} topology;

/* Load and validate. On error returns -1, *out = NULL and err holds one line
 * naming file, line and field. */
int topology_load(const char *path, topology **out, char *err, size_t errlen);
/* Same from text in memory; `name` stands for the file name in messages. */
int topology_parse(const char *text, const char *name, topology **out, char *err, size_t errlen);
void topology_free(topology *t);

/* Scale every delay (F > 0). Returns -1 on a bad factor. */
int topology_set_rtt_scale(topology *t, double f);

int topology_region_index(const topology *t, const char *id);   /* id or short name; -1 */
int topology_member_index(const topology *t, const char *name); /* -1 when unknown */
/* Scaled RTT between two regions, in ms (intra-region value on the diagonal). */
double topology_rtt_ms(const topology *t, int a, int b);
/* Scaled RTT between two etcd members. */
double topology_member_rtt_ms(const topology *t, int ma, int mb);

/* FIG. 6 placement: agent k goes to placement[k % n_placement], so N = 10..50
 * puts 1..5 agents in each of the 10 regions. out_regions has n entries
 * (region indices). Returns 0, or -1 when n < 0 or the placement is empty. */
int topology_place_agents(const topology *t, int n, int *out_regions);

/* The topology as JSON (same shape as the file, plus "rtt_scale"), for a
 * run's config.json. New reference; NULL on allocation failure. */
json_t *topology_to_json(const topology *t);

/* Line (1-based) of the value at a key path in JSON text, 0 when not found.
 * path elements are object keys, or "[N]" for the N-th array element.
 * Exposed for the unit tests. */
int topology_json_line(const char *text, const char *const *path, int npath);

#endif
