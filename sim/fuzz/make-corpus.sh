#!/usr/bin/env bash
# make-corpus.sh: (re)builds the seed corpora sim/fuzz/corpus/<target>/ from
# the recorded fixtures. Run from the repository root; the output is
# committed, so this runs only when fixtures change.
#   watch     watch streams recorded from etcd 3.4.23, with a header byte of
#             0 (no cut points) and a variant cut at three points
#   jdiff     unary responses, with the kind byte (0 range, 1 put, 2 delete, 3 txn)
#   prom      etcd's /metrics cut into pieces of 40 lines (small seeds fuzz faster)
#   topology  the shipped topologies
set -eu
out=sim/fuzz/corpus
data=sim/tests/data/etcd
rm -rf "$out"
mkdir -p "$out"/watch "$out"/jdiff "$out"/prom "$out"/topology
for f in "$data"/watch_*.txt; do
  b=$(basename "$f" .txt)
  { printf '\000'; cat "$f"; } > "$out/watch/$b"
  { printf '\003\000\021\000\200\001\001'; cat "$f"; } > "$out/watch/$b-cut3"
done
kind() {
  case "$1" in
    range_*|err_*) printf '\000' ;;
    put_*) printf '\001' ;;
    delete_*) printf '\002' ;;
    txn_*) printf '\003' ;;
  esac
}
for f in "$data"/range_*.json "$data"/put_*.json "$data"/delete_*.json "$data"/txn_*.json "$data"/err_*.json; do
  b=$(basename "$f" .json)
  { kind "$b"; cat "$f"; } > "$out/jdiff/$b"
done
split -l 40 -d -a 3 sim/tests/data/metrics-etcd-3.4.23.txt "$out/prom/metrics-"
grep -h -e '^# TYPE etcd_network_peer' -e '^etcd_network_peer' sim/tests/data/metrics-etcd-3.4.23-m1.txt \
  > "$out/prom/peer-m1"
cp sim/topology/*.json "$out/topology/"
echo "corpus: $(find "$out" -type f | wc -l) files in $out"
