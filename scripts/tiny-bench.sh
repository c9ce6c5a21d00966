#!/bin/sh
# tiny-bench.sh: one tiny geokv-bench sweep (N = 4, every mode (the default), one
# repetition, --rtt-scale 0.05, --delay-scale 0.05) with a fault scenario,
# for `make asan` (the ASan/UBSan build: any report aborts it, exit != 0)
# and `make valgrind-bench` (memcheck: exit 99 on a definite leak or an
# error). Usage: scripts/tiny-bench.sh [wrapper...] -- path/to/geokv-bench
# Results go to a temporary directory that is removed afterwards.
set -u
wrapper=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do wrapper="$wrapper $1"; shift; done
[ "${1:-}" = "--" ] && shift
bin=${1:?usage: tiny-bench.sh [wrapper...] -- geokv-bench}
out=$(mktemp -d "${TMPDIR:-/tmp}/geokv-tiny-bench-XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT INT TERM
# timeouts are generous: under valgrind everything runs ~20x slower
$wrapper "$bin" run --n 4 --reps 1 --rtt-scale 0.05 --delay-scale 0.05 \
    --seed 3 --etcd-fsync off --timeout 300s --out "$out" \
    --fault 'kill:sin@0.2s,restart@1s;compact@0.4s;redeploy:agent2@0.3s>gcp-asia-east1;session-ttl:3s'
rc=$?
echo "tiny-bench: exit $rc"
exit $rc
