/* testlib_model_synth.c: see testlib_model_synth.h. */
#include "model/tests/testlib_model_synth.h"
#include "sim/util/util_fs.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *mode_names[3] = {"before", "after", "lockless"};

double synth_setup_s(int mode, double n)
{
    static const double c[3][3] = {{0.045, 0.55, 14}, {0.022, 0.8, 12}, {0.008, 0.6, 9}};
    return c[mode][0] * n * n + c[mode][1] * n + c[mode][2];
}

double synth_grpc_bytes(int mode, double n)
{
    /* O(N^3) asymptotically, as the protocol's I/O argument predicts */
    static const double c[3][3] = {{40, 6000, 20000}, {12, 2500, 15000}, {10, 2000, 12000}};
    return c[mode][0] * n * n * n + c[mode][1] * n * n + c[mode][2] * n;
}

double synth_app_bytes(int mode, double n)
{
    /* the original's own count: a fraction of grpc_bytes, before worse */
    static const double c[3][3] = {{15, 2000, 5000}, {4, 900, 4000}, {3, 800, 3000}};
    return c[mode][0] * n * n * n + c[mode][1] * n * n + c[mode][2] * n;
}

int synth_write_run(const char *dir, const synth_opts *o)
{
    char path[4096];
    if (util_mkdirs(dir, NULL, 0) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/timelines", dir);
    if (o->with_timelines && util_mkdirs(path, NULL, 0) != 0)
        return -1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, o->seed);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *csv = fopen(path, "w");
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    FILE *jl = fopen(path, "w");
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *cfg = fopen(path, "w");
    int rc = -1;
    if (!csv || !jl || !cfg)
        goto cleanup;
    fprintf(cfg, "{\n  \"synthetic\": true,\n  \"note\": \"SYNTHETIC data from "
                 "model/tests/testlib_model_synth.c, not measurements\",\n"
                 "  \"seed\": %lu,\n  \"options\": {\"reps\": %d, \"rtt_scale\": 1.0},\n"
                 "  \"versions\": {\"etcd\": \"synthetic\", \"gsl\": \"synthetic\"},\n"
                 "  \"git_describe\": \"synthetic\"\n}\n", o->seed, o->reps);
    fprintf(csv, "run_id,mode,n,rep,order,seed,rtt_scale,fault,leader,setup_s,agent_p50_s,"
                 "agent_p90_s,agent_max_s,grpc_bytes,grpc_sent_bytes,grpc_received_bytes,"
                 "http_bytes,raft_bytes,wan_egress_bytes,ops_total,ops_range,ops_put,ops_delete,"
                 "ops_txn,ops_lease,ops_watch,ops_lock,lock_wait_sum_s,lock_wait_max_s,"
                 "watch_events,t_lock_s,t_fixed_s,t_other_s,checker_ok,checker_msg%s\n",
            o->with_app ? ",app_bytes" : "");
    int order = 0, nmodes = o->with_lockless ? 3 : 2;
    const char *names[4] = {mode_names[0], mode_names[1], mode_names[2], o->extra_mode};
    if (o->extra_mode)
        names[nmodes++] = o->extra_mode;
    for (int rep = 1; rep <= o->reps; rep++) {
        for (size_t i = 0; i < o->nn; i++) {
            for (int mi = 0; mi < nmodes; mi++) {
                const char *mode = names[mi];
                int m = mi < 3 ? mi : 2;
                double n = o->ns[i];
                double setup = synth_setup_s(m, n) * (1 + gsl_ran_gaussian(rng, 0.05));
                double grpc = synth_grpc_bytes(m, n) * (1 + gsl_ran_gaussian(rng, 0.04));
                double t_fixed = 6.0, t_lock = m == 2 ? 0 : setup * (m == 0 ? 0.45 : 0.3);
                double t_other = fmax(0.1, setup * 0.5 - t_lock * 0.5);
                long ops = (long)(n * n * (m == 0 ? 6 : 3) + 40 * n);
                order++;
                fprintf(csv, "synthetic,%s,%g,%d,%d,%lu,1,,seoul-aws,%.4f,%.4f,%.4f,%.4f,%.0f,%.0f,"
                             "%.0f,%.0f,%.0f,%.0f,%ld,%ld,%ld,0,%ld,%ld,%ld,%ld,%.4f,%.4f,%ld,%.4f,"
                             "%.4f,%.4f,1,",
                        mode, n, rep, order, o->seed, setup, setup * 0.5, setup * 0.85,
                        setup * 0.97, grpc, grpc * 0.3, grpc * 0.7, grpc * 1.6, grpc * 2.1,
                        grpc * 0.9, ops, ops / 2, ops / 4, ops / 8, ops / 16, (long)n * 2,
                        m == 2 ? 0L : (long)n, t_lock * n, t_lock * 1.5, (long)(n * n * 2),
                        t_lock, t_fixed, t_other);
                if (o->with_app)
                    fprintf(csv, ",%.0f", synth_app_bytes(m, n) * (1 + gsl_ran_gaussian(rng, 0.04)));
                fputc('\n', csv);
                fprintf(jl, "{\"run_id\":\"synthetic\",\"mode\":\"%s\",\"n\":%g,\"rep\":%d,"
                            "\"setup_s\":%.4f,\"grpc_bytes\":%.0f,\"checker_ok\":1,"
                            "\"synthetic\":true}\n", mode, n, rep, setup, grpc);
                if (!o->with_timelines)
                    continue;
                snprintf(path, sizeof path, "%s/timelines/%s-n%d-r%d.jsonl", dir, mode,
                         o->ns[i], rep);
                FILE *tl = fopen(path, "w");
                if (!tl)
                    goto cleanup;
                for (int a = 0; a < o->ns[i]; a++) {
                    double start = gsl_rng_uniform(rng) * 2.0;
                    /* later agents wait longer for the lock */
                    double dur = (setup - 2.0) * (0.3 + 0.7 * (a + gsl_rng_uniform(rng)) / n);
                    fprintf(tl, "{\"agent\":\"vm-%02d\",\"region\":\"r%d\",\"event\":\"start\",\"t_s\":%.4f}\n",
                            a, a % 10, start);
                    fprintf(tl, "{\"agent\":\"vm-%02d\",\"region\":\"r%d\",\"event\":\"rule_complete\",\"t_s\":%.4f}\n",
                            a, a % 10, start + dur);
                }
                fclose(tl);
            }
        }
    }
    rc = 0;
cleanup:
    if (csv)
        fclose(csv);
    if (jl)
        fclose(jl);
    if (cfg)
        fclose(cfg);
    gsl_rng_free(rng);
    return rc;
}
