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
# bench/mpi (geokv-bench-mpi: runs spread over MPI ranks) builds only where
# Open MPI's mpicc is found, so the rest never needs MPI; MPICC= turns it off.
MPICC ?= $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
SRC_DIRS += bench/mpi
endif
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
NO_DEPS_GOALS := clean help uninstall
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
LAYERS_bench/mpi  := bench/mpi bench sim/cb sim/rig sim/wan sim/etcd sim/fault sim/util
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
	@echo "targets: all test unit itest asan valgrind-bench clean install uninstall $(EXTRA_TARGETS)"
	@echo "install: make install [PREFIX=/usr/local] [DESTDIR=]; make uninstall (same variables)"

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) -c $< -o $@

define archive_rule
$(call lib_of,$(1)): $(call obj,$(filter-out %_main.c,$(wildcard $(1)/*.c)))
	@mkdir -p $$(@D)
	$$(QAR)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(SRC_DIRS),$(eval $(call archive_rule,$(d))))

# The version stamp (sim/util/util_version.h): the VERSION file and `git
# describe --always --dirty`, checked on every make but rewritten only when
# they change, so a new commit or a newly dirty tree recompiles this one file
# and relinks, and nothing else is rebuilt.
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
STAMP_C   := $(BUILD)/gen/util_version_stamp.c
STAMP_O   := $(BUILD)/obj/gen/util_version_stamp.o
.PHONY: FORCE
FORCE:
$(STAMP_C): FORCE
	@mkdir -p $(@D)
	@git_desc=$$(git -C "$(CURDIR)" describe --always --dirty 2>/dev/null || echo unknown); \
	 printf '#include "sim/util/util_version.h"\nconst char util_version_project[] = "%s";\nconst char util_version_git[] = "%s";\n' \
	   "$(VERSION)" "$$git_desc" > $@.tmp; \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(STAMP_O): $(STAMP_C) $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) -c $< -o $@
$(call lib_of,sim/util): $(STAMP_O)

$(TESTLIB): $(call obj,$(TESTLIB_C))
	@mkdir -p $(@D)
	$(QAR)rm -f $@ && ar rcs $@ $^

define program_rule
$(BUILD)/bin/$(call prog_name,$(1)): $(call obj,$(1)) $(LIBS_$(call dir_of,$(1)))
	@mkdir -p $$(@D)
	$$(QLD)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(ALL_LDLIBS)
endef
$(foreach m,$(MAIN_C),$(eval $(call program_rule,$(m))))

# Only bench/mpi's objects, program and tests go through mpicc (private: not
# the prerequisites from other folders).
$(BUILD)/obj/bench/mpi/%.o: private CC := $(MPICC)
$(BUILD)/bin/geokv-bench-mpi: private CC := $(MPICC)
$(BUILD)/bin/cb-scale-mpi: private CC := $(MPICC)
$(BUILD)/bench/mpi/tests/%: private CC := $(MPICC)

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

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs in bin/; the
# files they read at their tree paths under share/geokv-bench/ (where
# sim/util/util_data.h finds them from the program's own directory); every
# program's and command's --help as share/doc/geokv-bench/<name>.txt. Text,
# not man pages: it is --help's own output, so it cannot drift, and it
# needs no help2man or roff.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/geokv-bench
DOCDIR  := $(PREFIX)/share/doc/geokv-bench
DATA_FILES := $(wildcard sim/wan/topology/*.json sim/cb/profiles/*.json scripts/*.gp results/reference/*)
# "program command" pairs whose --help gets its own page.
HELP_COMMANDS := geokv-bench:run geokv-bench:calibrate geokv-bench:factors geokv-bench:schema \
  $(foreach c,fit predict compare fit-patent plots report calibrate calibrate-report factors,geokv-model:$(c))

$(BUILD)/doc/.stamp: $(PROGRAMS)
	@mkdir -p $(@D)
	$(Q)for p in $(PROGRAMS); do "$$p" --help > $(@D)/$$(basename $$p).txt || exit 1; done; \
	for pc in $(HELP_COMMANDS); do p=$${pc%%:*}; c=$${pc#*:}; \
	  $(BUILD)/bin/$$p $$c --help > $(@D)/$$p-$$c.txt || exit 1; done; touch $@

.PHONY: install uninstall
install: $(PROGRAMS) $(BUILD)/doc/.stamp
	$(Q)install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(DOCDIR)"
	$(Q)install -m 755 $(PROGRAMS) "$(DESTDIR)$(BINDIR)/"
	$(Q)for f in $(DATA_FILES); do install -D -m 644 "$$f" "$(DESTDIR)$(DATADIR)/$$f" || exit 1; done
	$(Q)install -m 644 $(BUILD)/doc/*.txt README.md "$(DESTDIR)$(DOCDIR)/"
	@echo "installed in $(DESTDIR)$(PREFIX): bin/, share/geokv-bench/, share/doc/geokv-bench/"

uninstall:
	$(Q)rm -f $(foreach p,$(PROGRAMS),"$(DESTDIR)$(BINDIR)/$(notdir $(p))")
	$(Q)rm -rf "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(DOCDIR)"

-include $(wildcard $(addsuffix /module.mk,$(TEST_DIRS)))
-include $(patsubst %.o,%.d,$(call obj,$(ALL_C) $(UNIT_C) $(ITEST_C) $(TESTLIB_C)))
