# sim/cookie: the second scenario (cookie-pinned cache placement, JP 6492123 B2).
# HMAC for the placement cookie comes from OpenSSL's libcrypto (libssl-dev),
# which the top Makefile's PKGS list links.

COOKIE_BENCH_ARGS ?=
EXTRA_TARGETS += bench-cookie
.PHONY: bench-cookie
bench-cookie: $(BUILD)/bin/geokv-cookie
	$(Q)$(BUILD)/bin/geokv-cookie bench $(COOKIE_BENCH_ARGS)
