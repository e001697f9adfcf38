#!/usr/bin/env bash
# README quick start, command 2: install, build, run the whole test suite.
# LOGCATCH_SANITIZE=1 runs it under ASan+UBSan (in build-sanitize/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${LOGCATCH_SANITIZE:-0}" = "1" ]; then
  export BUILD_DIR="${BUILD_DIR:-build-sanitize}"
fi
scripts/setup.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 600
