# bench/mpi/module.mk: the targets of geokv-bench-mpi (built only where
# Open MPI's mpicc is found; see the Makefile's MPICC).
#
#   make bench-mpi   the same small sweep (N 10 and 20, every mode,
#                    BENCH_MPI_REPS repetitions, --rtt-scale 0.2, one seed, so
#                    the same host ids and start offsets) with 1 rank and with
#                    BENCH_MPI_RANKS (4) ranks on this machine
#                    (--oversubscribe), then setup_s per cell (mode, N), mean over
#                    the repetitions, and the difference; the goal is within
#                    5 % (bench/README.md, "Runs across hosts", says what moves it)
#
# BENCH_MPI_ARGS adds options to both sweeps (e.g. BENCH_MPI_ARGS="--placement
# round-robin"); results go to $(BUILD)/bench-mpi/ranks-<K>/.
# Open MPI refuses to run as root unless told: the two OMPI_ALLOW_* variables
# are set for these mpirun commands only.

EXTRA_TARGETS += bench-mpi
.PHONY: bench-mpi

MPIRUN ?= $(dir $(MPICC))mpirun
BENCH_MPI_RANKS ?= 4
BENCH_MPI_REPS ?= 2
BENCH_MPI_ARGS ?=

bench-mpi: $(BUILD)/bin/geokv-bench-mpi
	$(Q)export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; start=$$(date +%s); \
	out=$(BUILD)/bench-mpi; \
	args="--profile $(BENCH_PROFILE) --n 10,20 --reps $(BENCH_MPI_REPS) --rtt-scale 0.2 --seed 11 $(BENCH_MPI_ARGS)"; \
	$(MPIRUN) -np 1 $(BUILD)/bin/geokv-bench-mpi run $$args --out $$out/ranks-1 || exit $$?; \
	$(MPIRUN) -np $(BENCH_MPI_RANKS) --oversubscribe $(BUILD)/bin/geokv-bench-mpi run $$args \
	  --out $$out/ranks-$(BENCH_MPI_RANKS) || exit $$?; \
	echo "make bench-mpi: setup_s with 1 rank (1) and $(BENCH_MPI_RANKS) ranks (K), same seed:"; \
	scripts/bench-mpi-diff.sh $$out/ranks-1/latest $$out/ranks-$(BENCH_MPI_RANKS)/latest setup_s 5 || \
	  echo "make bench-mpi: not every cell within 5 % (see the barrier_skew_s of the records; $(BENCH_MPI_RANKS) ranks share this machine's CPUs)"; \
	echo "make bench-mpi: $$(( $$(date +%s) - start )) s wall time"

# make bench-scale-mpi (also the last part of `make bench-scale` where Open
# MPI is found): cb-scale's hold part, 1,000 agents holding a watch, in one
# rank and then in each of BENCH_MPI_RANKS ranks (4 x 1,000), the fan-out of
# one change (p50/p99/max) over all of them printed one above the other.
# SCALE_MPI_ARGS: cb-scale-mpi's options (default: 1,000 agents a rank, 100
# peers in the keyspace, one client a rank; 1,000 peers make the 4,000 initial
# ranges take longer than the 300 s phase timeout on this 2-core machine).
EXTRA_TARGETS += bench-scale-mpi
.PHONY: bench-scale-mpi
SCALE_MPI_ARGS ?= --hold-n 1000 --peers 100 --share-clients

bench-scale-mpi: $(BUILD)/bin/cb-scale-mpi
	$(Q)export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; out=$(BUILD)/bench-scale-mpi; \
	mkdir -p $$out; \
	$(MPIRUN) -np 1 $(BUILD)/bin/cb-scale-mpi $(SCALE_MPI_ARGS) > $$out/ranks-1.txt || { cat $$out/ranks-1.txt; exit 1; }; \
	$(MPIRUN) -np $(BENCH_MPI_RANKS) --oversubscribe $(BUILD)/bin/cb-scale-mpi $(SCALE_MPI_ARGS) \
	  > $$out/ranks-$(BENCH_MPI_RANKS).txt || { cat $$out/ranks-$(BENCH_MPI_RANKS).txt; exit 1; }; \
	echo "make bench-scale-mpi ($(SCALE_MPI_ARGS)):"; \
	grep -h '^hold over' $$out/ranks-1.txt $$out/ranks-$(BENCH_MPI_RANKS).txt
