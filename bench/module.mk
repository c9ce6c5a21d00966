# bench/module.mk: the benchmark targets of the bench driver.
#
#   make bench        the default sweep (N 10..50, every mode, 3 reps,
#                     full delays), then `make fit plots report`; prints the wall time
#   make bench-quick  N 10 and 20, one repetition, --rtt-scale 0.2 (smoke test)
#
# BENCH_ARGS adds options to either (e.g. BENCH_ARGS="--seed 7 --reps 5").
# A sweep that ends with a failed run (exit 1) still gets its fit, plots and
# report, then make fails; a stopped sweep (Ctrl-C) stops make.

EXTRA_TARGETS += bench bench-quick
.PHONY: bench bench-quick

BENCH_ARGS ?=

bench: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench run $(BENCH_ARGS); rc=$$?; \
	if [ $$rc -ge 2 ]; then exit $$rc; fi; \
	$(MAKE) --no-print-directory fit plots report || exit $$?; \
	echo "make bench: sweep, fit, plots and report in $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc

bench-quick: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench run --n 10,20 --reps 1 --rtt-scale 0.2 $(BENCH_ARGS); rc=$$?; \
	echo "make bench-quick: $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc
