#!/bin/bash
# Daemon throughput: many tiny compiles at concurrency 8 against one
# daemon on loopback, herdcc -> herdccd against distcc -> distccd (Debian's
# distcc 3.4) in the same run. Prints jobs per second (median of ROUNDS
# rounds of JOBS compiles each, the two interleaved) and the ratio.
#
#   bench/throughput.sh [BUILD_DIR]      (JOBS=200 ROUNDS=3 by default)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
jobs=${JOBS:-200}
rounds=${ROUNDS:-3}

if [ -z "${HERDCC_BENCH_ISOLATED:-}" ]; then
  export HERDCC_BENCH_ISOLATED=1
  exec unshare --net --mount --pid --fork --mount-proc --kill-child "$0" "$build"
fi
ip link set lo up

T=$(mktemp -d /tmp/herdcc-bench.XXXXXX)
chmod 755 "$T"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$T"' EXIT

"$build/src/daemon/herdccd" --no-detach --log-stderr --log-level=error \
  --listen 127.0.0.1 --port 3632 --jobs 8 2>"$T/herdccd.log" &
pids+=($!)
distccd --no-detach --daemon --log-stderr --log-level=error --listen 127.0.0.2 \
  --port 3632 --jobs 8 --allow 127.0.0.0/8 2>"$T/distccd.log" &
pids+=($!)
sleep 0.5

cd "$T"
printf 'int f(int x) { return x * 3 + 1; }\n' >tiny.c
mkdir -p dd out && export DISTCC_DIR=$T/dd DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0

# round CLIENT HOSTS: jobs per second for $jobs compiles, 8 at a time.
round() {
  local start end
  start=$(date +%s%N)
  seq 1 "$jobs" | DISTCC_HOSTS=$2 xargs -P 8 -I{} "$1" gcc -O2 -c tiny.c -o out/{}.o
  end=$(date +%s%N)
  awk -v n="$jobs" -v ns=$((end - start)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >herd.txt; : >dist.txt
for _ in $(seq 1 "$rounds"); do
  round "$build/src/client/herdcc" 127.0.0.1:3632/8 >>herd.txt; echo >>herd.txt
  round distcc 127.0.0.2:3632/8 >>dist.txt; echo >>dist.txt
done
h=$(median <herd.txt); d=$(median <dist.txt)
echo "jobs per second at concurrency 8, $jobs tiny compiles, median of $rounds rounds, $(nproc) cores, $(date -u +%F)"
printf '%-18s %8s\n' herdcc-herdccd "$h" distcc-distccd "$d"
echo "herdcc/distcc throughput: $(awk -v a="$h" -v b="$d" 'BEGIN { printf "%.2f", a / b }')"
