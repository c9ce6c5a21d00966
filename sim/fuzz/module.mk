# sim/fuzz: targets beyond the conventions.

# ---- fuzz (sanitizers and fuzzing): libFuzzer targets -----------
# Not part of CI; needs clang and the libFuzzer runtime (checked first).
# Builds sim/ with clang, ASan+UBSan and coverage into build-fuzz/ (the normal
# build never compiles sim/fuzz/*.c), then runs each target for FUZZ_RUNS
# executions on a scratch corpus build-fuzz/corpus/<t>, seeded from
# sim/fuzz/corpus/<t> (make-corpus.sh) and sim/fuzz/regress/<t>. A crash or
# broken property leaves its input in build-fuzz/artifacts/<t>/: copy it to
# sim/fuzz/regress/<t>/ and sim/fuzz/tests/test_fuzz_regress replays it in every
# `make test` / `make asan`. Targets and properties: sim/fuzz/fuzz_entries.h.
.PHONY: fuzz fuzz-check
EXTRA_TARGETS += fuzz
FUZZ_RUNS    ?= 200000
FUZZ_TARGETS ?= watch jdiff prom topology http fault opts
FUZZ_ARGS    ?=
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

fuzz-check:
	@tmp=$$(mktemp -d) && \
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n > 1 ? 0 : 0; }\n' > $$tmp/t.c && \
	if $(FUZZ_CC) -fsanitize=fuzzer,address,undefined $$tmp/t.c -o $$tmp/t >/dev/null 2>&1; then rm -rf $$tmp; \
	else rm -rf $$tmp; \
	  echo "make fuzz: '$(FUZZ_CC)' cannot build a libFuzzer program (clang or its fuzzer runtime is missing)." >&2; \
	  echo "  install them: sudo apt-get install -y clang libclang-rt-14-dev   (or FUZZ_CC=clang-NN)" >&2; \
	  exit 1; fi

fuzz: fuzz-check
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT=-O1 \
	  SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(patsubst %,$(FUZZ_BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	$(Q)failed=; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	  echo "fuzz: $$t, $(FUZZ_RUNS) executions (log: $(FUZZ_BUILD)/fuzz-$$t.log)"; \
	  if $(FUZZ_BUILD)/fuzz/fuzz_$$t -runs=$(FUZZ_RUNS) -timeout=10 -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t/ $$(test -f sim/fuzz/$$t.dict && echo -dict=sim/fuzz/$$t.dict) \
	       $(FUZZ_ARGS) \
	       $(FUZZ_BUILD)/corpus/$$t sim/fuzz/corpus/$$t $$(test -d sim/fuzz/regress/$$t && echo sim/fuzz/regress/$$t) \
	       > $(FUZZ_BUILD)/fuzz-$$t.log 2>&1; then \
	    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' $(FUZZ_BUILD)/fuzz-$$t.log; \
	  else \
	    tail -n 40 $(FUZZ_BUILD)/fuzz-$$t.log; \
	    echo "fuzz: $$t FAILED: input in $(FUZZ_BUILD)/artifacts/$$t/; keep it in sim/fuzz/regress/$$t/" >&2; \
	    failed="$$failed $$t"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failing targets:$$failed" >&2; exit 1; fi; \
	echo "fuzz: all targets ran $(FUZZ_RUNS) executions without a finding"

# Used by the sub-make above (BUILD=build-fuzz): sim/fuzz/fuzz_<t>.c + the archives it builds on.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/sim/fuzz/fuzz_%.o $(LIBS_sim/fuzz)
	@mkdir -p $(@D)
	$(QLD)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(ALL_LDLIBS)
.PRECIOUS: $(BUILD)/obj/sim/fuzz/fuzz_%.o
-include $(wildcard $(BUILD)/obj/sim/fuzz/*.d)
