# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests. Source it from a test script.
#
# Every test isolates itself: it re-executes under unshare with its own
# network namespace (only loopback, brought up here), mount, UTS and PID
# namespaces, so servers it starts are reachable from nowhere else, ports
# never collide between tests, and every process it started dies with it.

set -euo pipefail

: "${HERDCC_BIN:?HERDCC_BIN must name the built herdcc}"
: "${HERDCCD_BIN:?HERDCCD_BIN must name the built herdccd}"
: "${HERDCC_SOURCE_ROOT:?HERDCC_SOURCE_ROOT must name the source tree}"

isolate() {
  if [ -z "${HERDCC_TEST_ISOLATED:-}" ]; then
    export HERDCC_TEST_ISOLATED=1
    rmdir "$T" # the isolated run makes its own
    exec unshare --net --mount --uts --pid --fork --mount-proc --kill-child \
      bash "$0" "$@"
  fi
  ip link set lo up
  private_var_cache
}

. "$(dirname "${BASH_SOURCE[0]}")/private-cache.sh"

T=$(mktemp -d /tmp/herdcc-test.XXXXXX)
chmod 755 "$T"
# Every herdccd a test starts keeps its result cache in the test's own
# directory (herdccd's default, as systemd's CacheDirectory= gives it).
export CACHE_DIRECTORY="$T/herdccd-cache"
STARTED_PIDS=()

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if [ -n "${KEEP_T:-}" ]; then
    echo "kept $T"
  elif ! rm -rf "$T" 2>/dev/null; then
    # A detached helper may still be writing in $T: the test's result
    # stands whatever the clean-up meets.
    sleep 0.2
    rm -rf "$T" 2>/dev/null || true
  fi
}
trap cleanup EXIT

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# wait_for CMD...: retry for at most 10 s.
wait_for() {
  local i
  for i in $(seq 1 100); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# start_herdccd ADDR PORT [OPTIONS...]: a herdccd in the foreground of a
# background job, logging to $T/herdccd-PORT.log.
start_herdccd() {
  local addr=$1 port=$2
  shift 2
  "$HERDCCD_BIN" --no-detach --log-stderr --log-level=info --listen "$addr" \
    --port "$port" "$@" 2>>"$T/herdccd-$port.log" &
  STARTED_PIDS+=($!)
  wait_for port_open "$addr" "$port" || fail "herdccd on $addr:$port did not start"
}

# start_distccd ADDR PORT: Debian's distccd 3.4.
start_distccd() {
  local addr=$1 port=$2
  distccd --no-detach --daemon --log-stderr --listen "$addr" --port "$port" \
    --allow 127.0.0.0/8 --pid-file "$T/distccd-$port.pid" \
    2>"$T/distccd-$port.log" &
  STARTED_PIDS+=($!)
  wait_for port_open "$addr" "$port" || fail "distccd on $addr:$port did not start"
}

# The project built through the farm: herdcc's own C sources, a real
# multi-file code base with its own headers.
# A copy taken once per test, so that edits to the tree during a run cannot
# make the reference and the farm build differ.
project_sources() {
  if [ ! -d "$T/project" ]; then
    mkdir -p "$T/project"
    cp "$HERDCC_SOURCE_ROOT"/src/common/*.[ch] "$HERDCC_SOURCE_ROOT"/src/farm/*.[ch] \
      "$HERDCC_SOURCE_ROOT"/src/client/*.[ch] \
      "$HERDCC_SOURCE_ROOT"/discovery/*.[ch] \
      "$T/project/"
  fi
  ls "$T/project"/*.c
}

# herdcc builds use -g -gno-record-gcc-switches. With -g, gcc records its switches in the object (DW_AT_producer), and a
# distributed compile adds one (-fdirectives-only, which keeps the debug
# info's columns right): -gno-record-gcc-switches makes the objects
# comparable byte for byte. docs/herdcc.1 says the same to users.
# PROJECT_EXTRA_FLAGS adds more (word-split).
PROJECT_FLAGS=(-O2 -Wall -MD -D_GNU_SOURCE -I"$T/project" -I"$T/config")

make_project_config() {
  mkdir -p "$T/config"
  cat >"$T/config/config.h" <<'CFG'
#define HERDCC_VERSION "test"
#define HERDCC_GNU_TRIPLE "test"
#define HERDCC_MASQUERADE_DIR "/nonexistent"
#define HERDCC_SYSCONFDIR "/nonexistent"
#define HERDCC_LIBEXECDIR "/nonexistent"
#define HERDCC_BUILD_ROOT "/nonexistent"
CFG
}

# build_project OUTDIR CC...: compile every source, four at a time, with
# the command given (e.g. "$HERDCC_BIN gcc" or plain "gcc"). Every build
# runs in the same directory, $T/work, so that debug information (which
# records the directory) can be compared; the outputs are then moved to
# OUTDIR.
build_project() {
  local out=$1
  shift
  make_project_config
  rm -rf "$T/work" && mkdir -p "$T/work" "$out"
  local status=0
  (cd "$T/work" && project_sources | xargs -P 4 -I{} sh -c \
    'src={}; base=$(basename "$src" .c); exec "$@" -c "$src" -o "$base.o"' \
    sh "$@" "${PROJECT_FLAGS[@]}" ${PROJECT_EXTRA_FLAGS:-}) || status=$?
  mv "$T/work"/* "$out"/
  return "$status"
}

# same_objects DIR REFDIR: every object (and .d file) identical.
same_objects() {
  local dir=$1 ref=$2 n=0 f
  for f in "$ref"/*.o "$ref"/*.d; do
    cmp -s "$f" "$dir/$(basename "$f")" || fail "$(basename "$f") differs from the local compile"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || fail "no objects compared"
  say "$n outputs identical to the local compile"
}
