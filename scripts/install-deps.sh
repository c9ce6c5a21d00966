#!/usr/bin/env bash
# install-deps.sh: make sure everything geokv-bench needs to build, test and
# run is on this Debian machine, and install what is missing with apt-get.
#
#   scripts/install-deps.sh           install what is missing (root or sudo)
#   scripts/install-deps.sh --check   exit 0 when nothing is missing, 1 otherwise
#   scripts/install-deps.sh --list    print the missing Debian packages
#
# It never reinstalls what is present, so calling it from make is cheap.
# When it cannot install (no root, no sudo), it prints the exact command and
# exits non-zero.
set -u

# package : probe. A probe is either "bin:NAME" (a command on PATH) or
# "pc:NAME" (a pkg-config module) or "deb" (ask dpkg).
PACKAGES=(
  "gcc:bin:cc"
  "make:bin:make"
  "pkg-config:bin:pkg-config"
  "etcd-server:bin:etcd"
  "etcd-client:bin:etcdctl"
  "libcurl4-openssl-dev:pc:libcurl"
  "libjansson-dev:pc:jansson"
  "libgsl-dev:pc:gsl"
  "libcmocka-dev:pc:cmocka"
  "gnuplot-nox:bin:gnuplot"
  "memcached:bin:memcached"
  "libmemcached-dev:pc:libmemcached"
  "libmicrohttpd-dev:pc:libmicrohttpd"
  "libssl-dev:pc:libcrypto"
  "openssl:bin:openssl"
  "openmpi-bin:bin:mpirun"
  "libopenmpi-dev:bin:mpicc"
)

missing() {
  local entry pkg kind name out=()
  for entry in "${PACKAGES[@]}"; do
    pkg=${entry%%:*}; kind=${entry#*:}; name=${kind#*:}; kind=${kind%%:*}
    case $kind in
      bin) command -v "$name" >/dev/null 2>&1 && continue ;;
      pc)  command -v pkg-config >/dev/null 2>&1 &&
             pkg-config --exists "$name" 2>/dev/null && continue ;;
    esac
    out+=("$pkg")
  done
  echo "${out[@]:-}"
}

main() {
  local want
  want=$(missing)
  case "${1:-}" in
    --check) [ -z "$want" ]; return ;;
    --list)  echo "$want"; return 0 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; return 0 ;;
    "") ;;
    *) echo "install-deps.sh: unknown option '$1' (try --help)" >&2; return 2 ;;
  esac
  [ -z "$want" ] && return 0

  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $want"
  local run
  if [ "$(id -u)" = 0 ]; then
    run=(bash -c "$cmd")
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo bash -c "$cmd")
  else
    echo "install-deps.sh: missing packages: $want" >&2
    echo "install-deps.sh: not root and no password-less sudo; run this as root:" >&2
    echo "  $cmd" >&2
    return 1
  fi
  echo "install-deps.sh: installing $want" >&2
  if ! "${run[@]}" >&2; then
    echo "install-deps.sh: apt-get failed; run by hand:  $cmd" >&2
    return 1
  fi
  want=$(missing)
  if [ -n "$want" ]; then
    echo "install-deps.sh: still missing after install: $want" >&2
    return 1
  fi
  echo "install-deps.sh: all dependencies present" >&2
}

main "$@"
