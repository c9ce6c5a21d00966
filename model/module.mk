# model/module.mk: fits, plots and the report from a results directory.
#   make fit          fit results/latest (or RUN=results/<run-id>), write $(RUN)/fit/
#   make plots        draw $(RUN)/plots/*.png and *.svg with gnuplot
#   make report       write $(RUN)/report.md (after fit and plots)
#   make fit-patent   least squares on the patent's FIG. 7/8 numbers beside its FIG. 9/10 models
# None of these runs a benchmark.
RUN ?= results/latest
MODEL_BIN := $(BUILD)/bin/geokv-model

.PHONY: fit plots report fit-patent
EXTRA_TARGETS += fit plots report fit-patent

fit: $(MODEL_BIN)
	$(Q)$(MODEL_BIN) fit --run $(RUN)

plots: $(MODEL_BIN)
	$(Q)$(MODEL_BIN) plots --run $(RUN)

report: $(MODEL_BIN) plots
	$(Q)$(MODEL_BIN) report --run $(RUN)

fit-patent: $(MODEL_BIN)
	$(Q)$(MODEL_BIN) fit-patent --ref results/reference
