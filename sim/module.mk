
# ---- bench-wan (issue 7, WAN emulator): delay accuracy and cost table ------
.PHONY: bench-wan
EXTRA_TARGETS += bench-wan
WAN_BENCH_ARGS ?=
bench-wan: $(BUILD)/bin/wan-bench
	$(Q)$(BUILD)/bin/wan-bench --json $(BUILD)/bench-wan.json $(WAN_BENCH_ARGS) > /dev/null
	@echo "bench-wan: JSON in $(BUILD)/bench-wan.json"

# ---- bench-scale (issue 3, simulated cb-network): engine capacity ---------
# (1) full protocol, N=100, lockless, delays x0.05, checker green;
# (2) 1,000 agents held in one process: fan-out of one change, harness CPU
#     per etcd request, resident memory per agent. SCALE_ARGS adds options
#     (e.g. SCALE_ARGS="--share-clients" or "--hold-n 500").
.PHONY: bench-scale
EXTRA_TARGETS += bench-scale
SCALE_ARGS ?=
bench-scale: $(BUILD)/bin/cb-scale
	$(Q)$(BUILD)/bin/cb-scale $(SCALE_ARGS)

# ---- bench-client (issue 2, etcd client): latency, throughput, CPU/request -
# Starts a local 3-member cluster (etcd_rig), runs put / linearizable range /
# serializable range with 1 and 16 concurrent callers on one client, prints
# JSON (stdout, also in $(BUILD)/bench-client.json) and a table (stderr).
# CLIENT_BENCH_ARGS adds options (e.g. "--transport both --scale 1000").
.PHONY: bench-client
EXTRA_TARGETS += bench-client
CLIENT_BENCH_ARGS ?= --transport both --scale 1000
bench-client: $(BUILD)/bin/etcd-bench-client
	$(Q)$(BUILD)/bin/etcd-bench-client $(CLIENT_BENCH_ARGS) > $(BUILD)/bench-client.json
	@echo "bench-client: JSON in $(BUILD)/bench-client.json"
