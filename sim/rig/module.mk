# sim/rig: targets beyond the conventions.

# ---- bench-client (etcd client against a local cluster): latency, throughput, CPU/request -
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

