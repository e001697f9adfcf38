#!/usr/bin/env bash
# Installs what logcatch needs (only what is missing) and builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
#   BUILD_DIR         build folder (default: build)
#   LOGCATCH_SANITIZE 1 = build with ASan+UBSan
# --bench-peers also unpacks rsyslog and syslog-ng into BUILD_DIR/bench-peers/
# for `logcatch-bench --compare` (their packages conflict, so neither is
# installed as the system's log daemon; only their libraries are).
set -euo pipefail
cd "$(dirname "$0")/.."
bench_peers=0
for arg in "$@"; do
  case "$arg" in
    --bench-peers) bench_peers=1 ;;
    *) echo "setup: unknown option $arg (known: --bench-peers)" >&2; exit 2 ;;
  esac
done

packages=(g++ make cmake pkg-config libcaf-dev libyaml-cpp-dev catch2 libcli11-dev
          libspdlog-dev libcpp-httplib-dev zlib1g-dev help2man dpkg-dev systemd logrotate
          libpq-dev postgresql clickhouse-server clickhouse-client)
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
  # The tests run private ClickHouse servers on free ports; the system service
  # the package enables (ports 8123/9000, ~80 MB) is not needed by them: when
  # this run installed it, it is stopped and disabled again.
  if [[ " ${missing[*]} " == *" clickhouse-server "* ]] && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now clickhouse-server >/dev/null 2>&1 || true
  fi
fi

build_dir="${BUILD_DIR:-build}"

if ((bench_peers)); then
  peers_dir="$build_dir/bench-peers"
  mkdir -p "$peers_dir/debs"
  for peer in rsyslog syslog-ng-core; do
    name="${peer%-core}"
    binary=rsyslogd; [ "$name" = syslog-ng ] && binary=syslog-ng
    [ -x "$peers_dir/$name/usr/sbin/$binary" ] && continue
    # The peer's shared libraries, installed the usual way (no conflicts there).
    libs=$(apt-cache depends "$peer" | awk '/ Depends: (lib|zlib)/ {print $2}' | sort -u)
    need=()
    for l in $libs; do
      dpkg-query -W -f='${Status}' "$l" 2>/dev/null | grep -q "install ok installed" || need+=("$l")
    done
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if ((${#need[@]})); then
      echo "setup: installing ${need[*]} for $name" >&2
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    echo "setup: unpacking $peer into $peers_dir/$name" >&2
    (cd "$peers_dir/debs" && rm -f "$peer"_*.deb && apt-get download -qq -o APT::Sandbox::User=root "$peer")
    rm -rf "$peers_dir/$name"
    dpkg-deb -x "$peers_dir/debs/$peer"_*.deb "$peers_dir/$name"
  done
fi
sanitize=OFF
[ "${LOGCATCH_SANITIZE:-0}" = "1" ] && sanitize=ON
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGCATCH_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
