# sim/cb: targets beyond the conventions.

# ---- bench-scale (simulated cb-network): engine capacity ---------
# (1) full protocol, N=100, lockless, delays x0.05, checker green;
# (2) 1,000 agents held in one process: fan-out of one change, harness CPU
#     per etcd request, resident memory per agent. SCALE_ARGS adds options
#     (e.g. SCALE_ARGS="--share-clients" or "--hold-n 500").
# (3) where Open MPI is found, bench-scale-mpi (bench/mpi/module.mk): the
#     same hold over 1 and 4 MPI ranks, 1,000 agents each.
.PHONY: bench-scale
EXTRA_TARGETS += bench-scale
SCALE_ARGS ?=
bench-scale: $(BUILD)/bin/cb-scale
	$(Q)$(BUILD)/bin/cb-scale $(SCALE_ARGS)
	$(Q)$(if $(filter bench/mpi,$(SRC_DIRS)),$(MAKE) --no-print-directory bench-scale-mpi)

