# sim/wan: targets beyond the conventions.

# ---- bench-wan (WAN emulator): delay accuracy and cost table ------
.PHONY: bench-wan
EXTRA_TARGETS += bench-wan
WAN_BENCH_ARGS ?=
bench-wan: $(BUILD)/bin/wan-bench
	$(Q)$(BUILD)/bin/wan-bench --json $(BUILD)/bench-wan.json $(WAN_BENCH_ARGS) > /dev/null
	@echo "bench-wan: JSON in $(BUILD)/bench-wan.json"

