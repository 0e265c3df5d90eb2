#!/usr/bin/env bash
# Installs the Debian packages openwfp needs, and only those that are missing.
# Safe to run again: it calls apt-get only when something is absent.
#
#   scripts/deps.sh            what the build and the tests need (CI)
#   scripts/deps.sh --peers    also the peers the benchmarks measure beside
#                              openwfp: libdpdk-dev, for rte_acl in
#                              `openwfp-bench classify --peer rte_acl` (large;
#                              reconfigure CMake afterwards to build the peer)
#   OPENWFP_PEERS=1 scripts/deps.sh   the same as --peers
#
# `bench` is an older spelling of `--peers`.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++ clang lld
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libpcap-dev pkg-config
  python3
  libhyperscan-dev tshark
  libsqlite3-dev
  libnetfilter-queue-dev libmnl-dev iptables iproute2 libbpf-dev
)
peer_packages=(libdpdk-dev)
peers="${OPENWFP_PEERS:-0}"
for arg in "$@"; do
  case "$arg" in
    --peers | bench) peers=1 ;;
    *) echo "deps.sh: unknown argument '$arg' (known: --peers)" >&2; exit 2 ;;
  esac
done
if [ "$peers" = 1 ]; then packages+=("${peer_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
