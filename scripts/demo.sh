#!/usr/bin/env bash
# README quick start, command 1: install, build, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/logcatch demo "$@"
