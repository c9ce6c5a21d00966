# geokv-bench build.  `make` builds everything, `make test` runs every test,
# `make asan` runs the unit tests under AddressSanitizer + UBSan.
#
# Layout conventions (so a new file needs no Makefile edit):
#   <dir>/*.c              library code, compiled into build/lib/libgeokv-<dir>.a
#   <dir>/*_main.c         a program: sim/wan/geokv_wan_main.c -> build/bin/geokv-wan
#   <dir>/tests/test_*.c   a unit test (pure logic, cmocka), run by `make test` and `make asan`
#   <dir>/tests/itest_*.c  an integration test (starts real servers), run by `make test`
#   <dir>/module.mk        optional extra targets of a module (bench-*, plots, ...)
# where <dir> is one of SRC_DIRS.

# Subsystems, lowest layer first. Each is one archive; LAYERS_<dir> below is
# both its link line and the list of folders its files may include from
# (sim/util/tests/test_layering checks every #include against it).
SRC_DIRS := sim/util sim/fault sim/etcd sim/wan sim/rig sim/cb sim/cookie model bench
# Folders with tests but no archive of their own.
TEST_DIRS := $(SRC_DIRS) sim/fuzz
BUILD    ?= build
CC       ?= cc
V        ?= 0

PKGS := libcurl jansson gsl cmocka libmemcached libmicrohttpd libcrypto

ifeq ($(V),0)
Q  := @
QCC = @printf '  CC      %s\n' $<;
QLD = @printf '  LD      %s\n' $@;
QAR = @printf '  AR      %s\n' $@;
else
Q  :=
endif

# Dependencies are checked (and installed when missing) once, by building
# build/config.mk; make then re-reads itself with the pkg-config flags.
NO_DEPS_GOALS := clean help
ifeq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
else
-include $(BUILD)/config.mk
endif

$(BUILD)/config.mk: scripts/install-deps.sh Makefile
	@mkdir -p $(@D)
	@scripts/install-deps.sh --check || scripts/install-deps.sh
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; } > $@.tmp && mv $@.tmp $@

WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter
ifneq ($(CI),)
WARN    += -Werror
endif
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -pthread -I. $(WARN) $(CFLAGS) $(SAN) $(PKG_CFLAGS) -MMD -MP
ALL_LDLIBS  = $(PKG_LIBS) -lm -pthread
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

ALL_C      := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
MAIN_C     := $(filter %_main.c,$(ALL_C))
LIB_C      := $(filter-out %_main.c,$(ALL_C))
UNIT_C     := $(foreach d,$(TEST_DIRS),$(wildcard $(d)/tests/test_*.c))
ITEST_C    := $(foreach d,$(TEST_DIRS),$(wildcard $(d)/tests/itest_*.c))
TESTLIB_C  := $(foreach d,$(TEST_DIRS),$(wildcard $(d)/tests/testlib_*.c))

empty :=
space := $(empty) $(empty)
comma := ,
obj        = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
prog_name  = $(subst _,-,$(patsubst %_main,%,$(basename $(notdir $(1)))))
dir_of     = $(patsubst %/,%,$(dir $(patsubst %/tests/,%/,$(dir $(1)))x))

# One archive per source directory, so a module's tests and programs need
# only the modules they use. LAYERS_<dir> lists, in link order, the folders
# a folder builds on (itself first); nothing else may be included or linked.
lib_of     = $(BUILD)/lib/libgeokv-$(subst /,-,$(1)).a
LAYERS_sim/util   := sim/util
LAYERS_sim/fault  := sim/fault sim/util
LAYERS_sim/etcd   := sim/etcd sim/util
LAYERS_sim/wan    := sim/wan sim/util
LAYERS_sim/rig    := sim/rig sim/wan sim/etcd sim/util
LAYERS_sim/cb     := sim/cb sim/rig sim/wan sim/etcd sim/fault sim/util
LAYERS_sim/cookie := sim/cookie sim/util
LAYERS_sim/fuzz   := sim/fuzz bench sim/cb sim/rig sim/wan sim/etcd sim/fault sim/util
LAYERS_model      := model sim/util
LAYERS_bench      := bench sim/cb sim/rig sim/wan sim/etcd sim/fault sim/util
$(foreach d,$(TEST_DIRS),$(eval LIBS_$(d) := $(foreach l,$(filter $(SRC_DIRS),$(LAYERS_$(d))),$(call lib_of,$(l)))))
# "dir=dep,dep;..." for the include-graph test.
export GEOKV_LAYERS := $(subst $(space),,$(foreach d,$(TEST_DIRS),$(d)=$(subst $(space),$(comma),$(strip $(LAYERS_$(d))));))
ARCHIVES   := $(foreach d,$(SRC_DIRS),$(call lib_of,$(d)))

TESTLIB    := $(BUILD)/lib/libgeokv-test.a
PROGRAMS   := $(foreach m,$(MAIN_C),$(BUILD)/bin/$(call prog_name,$(m)))
UNIT_BINS  := $(patsubst %.c,$(BUILD)/%,$(UNIT_C))
ITEST_BINS := $(patsubst %.c,$(BUILD)/%,$(ITEST_C))

.PHONY: all test unit itest asan clean help
.DEFAULT_GOAL := all

all: $(PROGRAMS) $(UNIT_BINS) $(ITEST_BINS)

help:
	@sed -n '1,12p' Makefile | sed 's/^# \{0,1\}//'
	@echo "targets: all test unit itest asan valgrind-bench clean $(EXTRA_TARGETS)"

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) -c $< -o $@

define archive_rule
$(call lib_of,$(1)): $(call obj,$(filter-out %_main.c,$(wildcard $(1)/*.c)))
	@mkdir -p $$(@D)
	$$(QAR)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(SRC_DIRS),$(eval $(call archive_rule,$(d))))

$(TESTLIB): $(call obj,$(TESTLIB_C))
	@mkdir -p $(@D)
	$(QAR)rm -f $@ && ar rcs $@ $^

define program_rule
$(BUILD)/bin/$(call prog_name,$(1)): $(call obj,$(1)) $(LIBS_$(call dir_of,$(1)))
	@mkdir -p $$(@D)
	$$(QLD)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(ALL_LDLIBS)
endef
$(foreach m,$(MAIN_C),$(eval $(call program_rule,$(m))))

define test_rule
$(patsubst %.c,$(BUILD)/%,$(1)): $(call obj,$(1)) $(TESTLIB) $(LIBS_$(call dir_of,$(1)))
	@mkdir -p $$(@D)
	$$(QLD)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(ALL_LDLIBS)
endef
$(foreach t,$(UNIT_C) $(ITEST_C),$(eval $(call test_rule,$(t))))

# Tests find programs and scripts relative to the repository root.
export GEOKV_ROOT := $(CURDIR)
export GEOKV_BIN  := $(CURDIR)/$(BUILD)/bin

test: all
	$(Q)scripts/run-tests.sh $(UNIT_BINS) $(ITEST_BINS)

unit: $(UNIT_BINS)
	$(Q)scripts/run-tests.sh $(UNIT_BINS)

itest: all
	$(Q)scripts/run-tests.sh $(ITEST_BINS)

# Separate build tree so sanitized and plain objects never mix.
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" unit \
	  build-asan/bin/geokv-bench
	$(Q)scripts/tiny-bench.sh -- build-asan/bin/geokv-bench

# Not in CI (slow): memcheck of a tiny faulted bench, fails on a definite leak.
.PHONY: valgrind-bench
valgrind-bench: $(BUILD)/bin/geokv-bench
	$(Q)scripts/tiny-bench.sh valgrind --leak-check=full --errors-for-leak-kinds=definite \
	  --error-exitcode=99 --track-fds=no -- $(BUILD)/bin/geokv-bench

clean:
	rm -rf build build-asan

-include $(wildcard $(addsuffix /module.mk,$(TEST_DIRS)))
-include $(patsubst %.o,%.d,$(call obj,$(ALL_C) $(UNIT_C) $(ITEST_C) $(TESTLIB_C)))
