#!/usr/bin/env bash
# run-tests.sh TEST_BINARY...: run each test program, show its output, and
# end with one line "tests: N passed, N failed" (cmocka's per-test counts
# summed over all programs), after the slowest programs and the total time
# (the suite should stay under about 10 minutes). Exits non-zero when any
# test or program fails.
#
# Environment: TEST_TIMEOUT (seconds per program, default 300),
#              TEST_FILTER (only programs whose path contains it).
set -u
timeout_s=${TEST_TIMEOUT:-300}
passed=0 failed=0 broken=() times=()
suite_start=$(date +%s)
for t in "$@"; do
  case "$t" in *"${TEST_FILTER:-}"*) ;; *) continue ;; esac
  [ -x "$t" ] || { echo "run-tests: $t is not built" >&2; broken+=("$t"); continue; }
  echo "=== $t"
  start=$(date +%s)
  log=$(mktemp)
  # cmocka prints its summary on stdout; keep stderr visible too.
  timeout --kill-after=10 "$timeout_s" "$t" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  rm -f "$log"
  times+=("$(( $(date +%s) - start )) $t")
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 124 ] && echo "run-tests: $t timed out after ${timeout_s}s" >&2
    [ "$f" -eq 0 ] && failed=$((failed + 1))   # crashed or timed out outside a test
    broken+=("$t (exit $rc)")
  fi
done
if [ ${#broken[@]} -gt 0 ]; then
  echo "failing programs:"; printf '  %s\n' "${broken[@]}"
fi
if [ ${#times[@]} -gt 0 ]; then
  echo "slowest programs (s):"; printf '%s\n' "${times[@]}" | sort -rn | head -5 | sed 's/^/  /'
  echo "test time: $(( $(date +%s) - suite_start )) s"
fi
echo "tests: $passed passed, $failed failed"
[ ${#broken[@]} -eq 0 ] && [ "$failed" -eq 0 ]
