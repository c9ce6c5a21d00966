# sim/cookie: the second scenario (cookie-pinned cache placement, JP 6492123 B2).
# HMAC for the placement cookie comes from OpenSSL's libcrypto (libssl-dev,
# already present as a libcurl dependency on Debian); linked here so the top
# Makefile's PKGS list stays as it is.
ALL_LDLIBS += $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

COOKIE_BENCH_ARGS ?=
EXTRA_TARGETS += bench-cookie
.PHONY: bench-cookie
bench-cookie: $(BUILD)/bin/geokv-cookie
	$(Q)$(BUILD)/bin/geokv-cookie bench $(COOKIE_BENCH_ARGS)
