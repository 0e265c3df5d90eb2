#!/usr/bin/env bash
# Installs the Debian packages openwfp needs, and only those that are missing.
# Safe to run again: it calls apt-get only when something is absent.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++ clang lld
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libpcap-dev pkg-config
  python3
  libhyperscan-dev tshark
)
# Optional groups, enabled by arguments: e.g. `scripts/deps.sh bench`.
for group in "$@"; do
  case "$group" in
    bench) packages+=(libdpdk-dev) ;;
    *) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
  esac
done

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
