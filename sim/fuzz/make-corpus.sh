#!/usr/bin/env bash
# make-corpus.sh: (re)builds the seed corpora sim/fuzz/corpus/<target>/ from
# the recorded fixtures. Run from the repository root; the output is
# committed, so this runs only when fixtures change.
#   watch     watch streams recorded from etcd 3.4.23, with a header byte of
#             0 (no cut points) and a variant cut at three points
#   jdiff     unary responses, with the kind byte (0 range, 1 put, 2 delete, 3 txn)
#   prom      etcd's /metrics cut into pieces of 40 lines (small seeds fuzz faster)
#   topology  the shipped topologies and a minimal one
#   http      raw responses recorded from etcd (header byte 1: libcurl differential on; 7 cut bytes)
#             and synthetic ones (1xx first, length by close, chunked with extensions and trailers)
#   fault     the grammar's examples, one per kind
#   opts      argv of run (byte 0 = 0), calibrate (1) and factors (2), arguments split at NUL
set -eu
out=sim/fuzz/corpus
data=sim/etcd/tests/data/etcd
rm -rf "$out"
mkdir -p "$out"/watch "$out"/jdiff "$out"/prom "$out"/topology "$out"/http "$out"/fault "$out"/opts
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
http() { { printf '\001\040\100\140\200\240\300\340'; printf "$2"; } > "$out/http/$1"; }
for f in "$data"/http_*.raw; do
  { printf '\001\040\100\140\200\240\300\340'; cat "$f"; } > "$out/http/$(basename "$f" .raw)"
done
http length-200 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
http length-0 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'
http continue-then-200 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
http close-delimited 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end'
http chunked-ext-trailer 'HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4;x=1\r\nbusy\r\nA\r\n0123456789\r\n0\r\nGrpc-Status: 14\r\n\r\n'
http no-content 'HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n'
http keepalive-extra 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n'
fault() { printf '%s' "$2" > "$out/fault/$1"; }
fault kill 'kill:sin@5s,restart@15s'
fault partition 'partition:a-sel@250ms,heal@1.5m'
fault spike 'spike:aws-us-east-1>a-sel+200ms@3s,clear@8s'
fault redeploy 'redeploy:agent3@4s>gcp-asia-east1; compact@6s'
fault redeploy-after 'redeploy:agent0>aws-us-east-1@2'
fault freeze 'freeze-holder:10s@1s;freeze-holder@2s;session-ttl:5s'
opts() { k=$1; n=$2; shift 2; { printf "\\$k"; printf '%s\0' "$@" | head -c -1; } > "$out/opts/$n"; }
opts 000 run-all --n 10,20 --modes after,before --reps 2 --seed 11 --rtt-scale 0.5 --delay-scale=2 --start gap:2s \
  --timeout 10m --fault 'kill:sin@5s,restart@15s' --profile patent-2022 --profile-set c_line_us=55 --end ips
opts 000 run-resume --resume results/x --dry-run --no-wan --wan-spin off --etcd-fsync off --spec-cache on
opts 001 calibrate --n 10,30 --reps 1 --seed 7 --c0 20 --c1 80 --c-bounds 5,400 --iterations 1 --timeout 90s
opts 002 factors --n 20,40 --factors region,lock --reps 2 --seed 3 --timeout 5m --etcd-fsync off --dry-run
echo "corpus: $(find "$out" -type f | wc -l) files in $out"
