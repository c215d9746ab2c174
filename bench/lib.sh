# Shared set-up of the benchmarks: source it with "$@" as the script's own
# arguments ([BUILD_DIR]). It re-runs the script in its own network, mount
# and PID namespaces (loopback only), and start_daemons starts herdccd on
# 127.0.0.1:3632 and Debian's distccd on 127.0.0.2:3632 with the options
# given to both. Sets top, build and T (a scratch directory, removed at
# exit), and exports DISTCC_DIR for the clients.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)

if [ -z "${HERDCC_BENCH_ISOLATED:-}" ]; then
  export HERDCC_BENCH_ISOLATED=1
  exec unshare --net --mount --pid --fork --mount-proc --kill-child "$0" "$build"
fi
ip link set lo up

T=$(mktemp -d /tmp/herdcc-bench.XXXXXX)
chmod 755 "$T"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/dd"
export DISTCC_DIR=$T/dd DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0

# start_daemons [OPTIONS...]: both servers, each with OPTIONS.
start_daemons() {
  "$build/src/daemon/herdccd" --no-detach --log-stderr --log-level=error \
    --listen 127.0.0.1 --port 3632 "$@" 2>"$T/herdccd.log" &
  pids+=($!)
  distccd --no-detach --daemon --log-stderr --log-level=error --listen 127.0.0.2 \
    --port 3632 --allow 127.0.0.0/8 "$@" 2>"$T/distccd.log" &
  pids+=($!)
  sleep 0.5
}
