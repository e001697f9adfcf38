#!/usr/bin/env bash
# Installs what logcatch needs (only what is missing) and builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
#   BUILD_DIR         build folder (default: build)
#   LOGCATCH_SANITIZE 1 = build with ASan+UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ make cmake pkg-config libcaf-dev libyaml-cpp-dev catch2 libcli11-dev
          libspdlog-dev libcpp-httplib-dev help2man)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir="${BUILD_DIR:-build}"
sanitize=OFF
[ "${LOGCATCH_SANITIZE:-0}" = "1" ] && sanitize=ON
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGCATCH_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
