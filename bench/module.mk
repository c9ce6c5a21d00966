# bench/module.mk: the benchmark targets of the bench driver.
#
#   make bench        the default sweep (N 10..50, every mode, 3 reps,
#                     full delays), then `make fit plots report`; prints the wall time
#   make bench-quick  N 10 and 20, one repetition, --rtt-scale 0.2 (smoke test)
#   make calibrate    geokv-bench calibrate with its defaults (profile patent-2022,
#                     N 10..50, one repetition; about 30 minutes): fits the cost
#                     model on FIG. 7 before, writes the profile, predicts after
#                     and FIG. 8 (results/calib-*/calibration.md)
#   make bench-factors  the factor study, `geokv-bench factors` (a 2^4 design over
#                     controller region, start schedule, cost model and init lock;
#                     N 20 and 40, one repetition; `geokv-bench factors --dry-run`
#                     prints the plan and its estimated wall time), written to
#                     results/factors-<id>/ (factors.md, factors.json, factors.png)
#   make bench-timescale  how far --time-scale can compress a sweep: the same small
#                     sweep (N TIMESCALE_N, before and after, TIMESCALE_REPS reps, one seed)
#                     at every scale of TIMESCALE_SCALES (1 first), then `geokv-bench
#                     timescale`: per mode and N the rescaled setup time's error against
#                     full time, the after-vs-before change at each scale and the smallest
#                     scale whose change stays within 3 points of full time
#                     (results/timescale-<stamp>/timescale.txt, .json)
#   make bench-fast   the default sweep (what `make bench` runs) at --time-scale
#                     FAST_SCALE; prints its wall time (no fit, plots or report:
#                     their setup_s is compressed; summary.csv has setup_full_s)
#
# BENCH_ARGS adds options to bench, bench-fast and bench-quick (e.g. BENCH_ARGS="--seed 7
# --reps 5"), CALIBRATE_ARGS to calibrate (e.g. CALIBRATE_ARGS="--seed 7"),
# FACTORS_ARGS to bench-factors (e.g. FACTORS_ARGS="--n 20,30",
# FACTORS_ARGS="--resume").
# A sweep that ends with a failed run (exit 1) still gets its fit, plots and
# report, then make fails; a stopped sweep (Ctrl-C) stops make.

EXTRA_TARGETS += bench bench-quick calibrate bench-factors bench-timescale bench-fast bench-chaos
.PHONY: bench bench-quick calibrate bench-factors bench-timescale bench-fast bench-chaos

BENCH_ARGS ?=
# The reconstruction of the patent's experiment best supported by the
# evidence (results/FINDINGS.md, "Calibration"): the patent-2022 profile
# (its start schedule is the original's deploy script). BENCH_PROFILE=ideal
# runs the plain simulation instead.
BENCH_PROFILE ?= patent-2022

bench: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench run --profile $(BENCH_PROFILE) $(BENCH_ARGS); rc=$$?; \
	if [ $$rc -ge 2 ]; then exit $$rc; fi; \
	$(MAKE) --no-print-directory fit plots report || exit $$?; \
	echo "make bench: sweep, fit, plots and report in $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc

bench-quick: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench run --profile $(BENCH_PROFILE) --n 10,20 --reps 1 --rtt-scale 0.2 $(BENCH_ARGS); rc=$$?; \
	echo "make bench-quick: $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc

TIMESCALE_SCALES ?= 1 0.5 0.25 0.1
TIMESCALE_N ?= 10,20,30
TIMESCALE_REPS ?= 3
TIMESCALE_SEED ?= 2026
TIMESCALE_ARGS ?=

bench-timescale: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); dir=results/timescale-$$(date -u +%Y%m%d-%H%M%S); \
	for f in $(TIMESCALE_SCALES); do \
	  echo "make bench-timescale: time scale $$f"; \
	  $(BUILD)/bin/geokv-bench run --profile $(BENCH_PROFILE) --n $(TIMESCALE_N) --modes before,after \
	    --reps $(TIMESCALE_REPS) --seed $(TIMESCALE_SEED) --time-scale $$f --out $$dir/scale-$$f \
	    $(TIMESCALE_ARGS) >/dev/null; rc=$$?; \
	  if [ $$rc -ge 2 ]; then exit $$rc; fi; \
	done; \
	$(BUILD)/bin/geokv-bench timescale --json $$dir/timescale.json $(addprefix $$dir/scale-,$(TIMESCALE_SCALES)) \
	  | tee $$dir/timescale.txt || exit $$?; \
	echo "make bench-timescale: $$(( $$(date +%s) - start )) s wall time; results in $$dir"

# The validated scale: the smallest whose after-vs-before change stayed within
# 3 points of full time at every N in `make bench-timescale` (2026-12-04,
# results/FINDINGS.md: 0.5 within 2.1 points, 0.25 4.1 points off). Run
# bench-timescale again after changing what a run spends time on.
FAST_SCALE ?= 0.5

bench-fast: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench run --profile $(BENCH_PROFILE) --time-scale $(FAST_SCALE) $(BENCH_ARGS); rc=$$?; \
	echo "make bench-fast: the default sweep at time scale $(FAST_SCALE) in $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc

CALIBRATE_ARGS ?=

calibrate: $(BUILD)/bin/geokv-bench $(BUILD)/bin/geokv-model
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench calibrate $(CALIBRATE_ARGS); rc=$$?; \
	echo "make calibrate: $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc

FACTORS_ARGS ?=

bench-factors: $(BUILD)/bin/geokv-bench $(BUILD)/bin/geokv-model
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench factors $(FACTORS_ARGS); rc=$$?; \
	echo "make bench-factors: $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc

# make bench-chaos: 20 seeded random fault schedules at N = 4 in every mode
# (`geokv-bench chaos`; CHAOS_ARGS adds options, e.g. CHAOS_ARGS="--seed 7"),
# the table of outcomes printed and written to results/chaos-<stamp>-<seed>/.
CHAOS_ARGS ?=
bench-chaos: $(BUILD)/bin/geokv-bench
	$(Q)start=$$(date +%s); \
	$(BUILD)/bin/geokv-bench chaos --schedules 20 $(CHAOS_ARGS); rc=$$?; \
	echo "make bench-chaos: $$(( $$(date +%s) - start )) s wall time"; \
	exit $$rc
