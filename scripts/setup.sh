#!/usr/bin/env bash
# Installs the Debian packages rocesim needs, only those missing. Quiet when all are present.
set -euo pipefail
packages=(build-essential cmake libboost-graph-dev libeigen3-dev nlohmann-json3-dev libcli11-dev
          doctest-dev zlib1g-dev python3 python3-matplotlib libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
