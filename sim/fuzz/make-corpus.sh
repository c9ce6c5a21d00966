#!/usr/bin/env bash
# make-corpus.sh: (re)builds the seed corpora sim/fuzz/corpus/<target>/ from
# the recorded fixtures. Run from the repository root; the output is
# committed, so this runs only when fixtures change.
#   watch     watch streams recorded from etcd 3.4.23, with a header byte of
#             0 (no cut points) and a variant cut at three points
#   jdiff     unary responses, with the kind byte (0 range, 1 put, 2 delete, 3 txn)
#   prom      etcd's /metrics cut into pieces of 40 lines (small seeds fuzz faster)
#   topology  the shipped topologies and a minimal one
set -eu
out=sim/fuzz/corpus
data=sim/etcd/tests/data/etcd
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
split -l 40 -d -a 3 sim/etcd/tests/data/metrics-etcd-3.4.23.txt "$out/prom/metrics-"
grep -h -e '^# TYPE etcd_network_peer' -e '^etcd_network_peer' sim/etcd/tests/data/metrics-etcd-3.4.23-m1.txt \
  > "$out/prom/peer-m1"
cp sim/wan/topology/*.json "$out/topology/"
# a small valid topology: mutations of a 10 KB file are slow and mostly hit the first error
cat > "$out/topology/minimal.json" <<'JSON'
{"name":"min","intra_region_rtt_ms":0.5,
 "regions":[{"id":"r1","short":"R1","provider":"AWS","name":"One","vm_spec":"t2.micro"},
            {"id":"r2","short":"R2","provider":"GCP","name":"Two","vm_spec":"e2-micro"}],
 "rtt_ms":{"r1":{"r2":{"ms":74,"source":"C","date":"2025"},"r1":{"ms":1,"source":"C","date":"2025"}},
           "r2":{"r1":{"ms":74,"source":"C","date":"2025"}}},
 "etcd_members":[{"name":"a","region":"r1"},{"name":"b","region":"r2"},{"name":"c","region":"r2"}],
 "controller_region":"r1",
 "agent_placement":{"policy":"round-robin","regions":["r1","r2"]}}
JSON
echo "corpus: $(find "$out" -type f | wc -l) files in $out"
