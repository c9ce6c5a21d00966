#!/usr/bin/env bash
# etcd-rig.sh: build build/bin/etcd-rig if needed and run it with the given
# arguments. It starts a real etcd (default: 3 members) on 127.0.0.1 with
# free ports and a temporary directory, prints the endpoints (JSON, then
# shell exports), and stops everything on Ctrl-C or when `-- COMMAND` exits.
#
#   scripts/etcd-rig.sh                 3 members until Ctrl-C
#   scripts/etcd-rig.sh -n 1            a single member
#   scripts/etcd-rig.sh -- etcdctl endpoint status -w table
#   scripts/etcd-rig.sh --help          all options (those of build/bin/etcd-rig)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin/etcd-rig"
if ! make -C "$root" --no-print-directory -q build/bin/etcd-rig 2>/dev/null; then
  make -C "$root" --no-print-directory build/bin/etcd-rig >&2
fi
exec "$bin" "$@"
