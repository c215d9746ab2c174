# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up of the benchmarks: source it with "$@" as the script's own
# arguments ([BUILD_DIR]). It re-runs the script in its own network, mount
# and PID namespaces (loopback only), and start_daemons starts herdccd on
# 127.0.0.1:3632 and Debian's distccd on 127.0.0.2:3632 with the options
# given to both. Sets top, build and T (a scratch directory, removed at
# exit), and exports DISTCC_DIR for the clients.
#
# A script that sets BENCH_TASKSTATS to a list of command names before
# sourcing this gets, in $TS_RECORDS, one line per exiting process of the
# benchmark with one of those names, written by bench/taskstats.c (started
# here, before the namespaces, since the kernel's taskstats interface lives
# in the initial network namespace): "pid ppid comm cpu_ns utime_us
# stime_us peak_rss_kb", in the order the processes exited.
#
# start_host_b: a second host for traffic that must be counted: a network
# namespace of its own (sharing the PID and mount namespaces) joined to
# this one by a veth pair, vA 10.213.0.1 here and vB 10.213.0.2 there.
# on_b CMD... runs CMD there; spawn_b LOG CMD... starts it in the
# background. wire_bytes prints the bytes vA has sent plus received.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)

if [ -z "${HERDCC_BENCH_ISOLATED:-}" ]; then
  export HERDCC_BENCH_ISOLATED=1
  if [ -n "${BENCH_TASKSTATS:-}" ]; then
    TS_DIR=$(mktemp -d /tmp/herdcc-bench-ts.XXXXXX)
    export TS_DIR TS_RECORDS=$TS_DIR/records
    gcc -O2 -o "$TS_DIR/taskstats" "$top/bench/taskstats.c"
    # --under $$: this process becomes unshare, the ancestor of the run.
    # shellcheck disable=SC2086
    "$TS_DIR/taskstats" --under $$ $BENCH_TASKSTATS >"$TS_RECORDS" 2>"$TS_DIR/err" &
    for _ in $(seq 1 50); do
      grep -q ready "$TS_DIR/err" 2>/dev/null && break
      sleep 0.1
    done
    grep -q ready "$TS_DIR/err" || { cat "$TS_DIR/err" >&2; exit 1; }
  fi
  exec unshare --net --mount --pid --fork --mount-proc --kill-child "$0" "$build"
fi
ip link set lo up
. "$top/tests/integration/private-cache.sh"
private_var_cache

T=$(mktemp -d /tmp/herdcc-bench.XXXXXX)
chmod 755 "$T"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$T" ${TS_DIR:+"$TS_DIR"}' EXIT
mkdir -p "$T/dd"
export DISTCC_DIR=$T/dd DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0

# A herdccd a bench starts keeps any result cache in $T.
export CACHE_DIRECTORY=$T/herdccd-cache

# start_daemons [OPTIONS...]: both servers, each with OPTIONS. herdccd
# runs without its result cache: these benches compare compiles with
# distccd's (bench/cache-build.sh measures the cache).
start_daemons() {
  "$build/src/daemon/herdccd" --no-detach --log-stderr --log-level=error \
    --listen 127.0.0.1 --port 3632 --no-cache "$@" 2>"$T/herdccd.log" &
  pids+=($!)
  distccd --no-detach --daemon --log-stderr --log-level=error --listen 127.0.0.2 \
    --port 3632 --allow 127.0.0.0/8 "$@" 2>"$T/distccd.log" &
  pids+=($!)
  sleep 0.5
}

# median: the middle value of the numbers on stdin, one a line.
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
now_ns() { date +%s%N; }

B_PID=
start_host_b() {
  # /sys/class/net shows the network namespace of whoever mounted /sys:
  # this one's, in this run's own mount namespace.
  mount -t sysfs sysfs /sys
  unshare --net sleep infinity &
  B_PID=$!
  pids+=("$B_PID")
  local i
  for i in $(seq 1 50); do
    [ "$(readlink /proc/$B_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.1
  done
  ip link add vA type veth peer name vB netns "$B_PID"
  ip addr add 10.213.0.1/24 dev vA
  ip link set vA up
  on_b ip addr add 10.213.0.2/24 dev vB
  on_b ip link set vB up
  on_b ip link set lo up
  # BENCH_RATE (e.g. 100mbit): the link shaped to that rate both ways, a
  # wire that is the bottleneck.
  if [ -n "${BENCH_RATE:-}" ]; then
    tc qdisc add dev vA root tbf rate "$BENCH_RATE" burst 64kb latency 50ms
    on_b tc qdisc add dev vB root tbf rate "$BENCH_RATE" burst 64kb latency 50ms
  fi
  for i in $(seq 1 50); do
    [ "$(cat /sys/class/net/vA/operstate)" = up ] && return 0
    sleep 0.1
  done
  echo "the link to host B is not up" >&2
  return 1
}
# port_open ADDR PORT / wait_port ADDR PORT: something listens (bounded).
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_port() {
  local i
  for i in $(seq 1 100); do
    port_open "$1" "$2" && return 0
    sleep 0.1
  done
  echo "nothing listens on $1:$2" >&2
  return 1
}
on_b() { nsenter -t "$B_PID" -n -- "$@"; }
spawn_b() {
  local log=$1
  shift
  nsenter -t "$B_PID" -n -- "$@" 2>"$log" &
  pids+=($!)
}
wire_bytes() {
  echo $(($(cat /sys/class/net/vA/statistics/tx_bytes) + $(cat /sys/class/net/vA/statistics/rx_bytes)))
}
