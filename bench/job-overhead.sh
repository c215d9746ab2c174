#!/bin/bash
# Per-job wall time of one compile through a loopback daemon, herdcc ->
# herdccd against distcc -> distccd (Debian's distcc 3.4) in the same run,
# both protocols, and a plain local `gcc -c` for reference. Prints medians
# over RUNS runs (default 40) and the ratios.
#
#   bench/job-overhead.sh [BUILD_DIR]      (default: build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${RUNS:-40}

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
  --listen 127.0.0.1 --port 3632 2>"$T/herdccd.log" &
pids+=($!)
distccd --no-detach --daemon --log-stderr --log-level=error --listen 127.0.0.2 \
  --port 3632 --allow 127.0.0.0/8 2>"$T/distccd.log" &
pids+=($!)
sleep 0.5

cd "$T"
cat >hello.c <<'SRC'
#include <stdio.h>
int main(void) { puts("hello, world"); return 0; }
SRC
# A mid-size translation unit: the largest of herdcc's own sources with
# their headers and libc's.
cp "$top/src/common/args.c" mid.c
mkdir -p dd && export DISTCC_DIR=$T/dd DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0
midflags=(-O2 -D_GNU_SOURCE -I"$top/src/common")

# median_ms CMD...: run CMD $runs times (after one warm-up) and print the
# median wall time in milliseconds.
median_ms() {
  "$@" >/dev/null
  local i start end
  for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
  done | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f\n", a[int((NR + 1) / 2)] / 1000 }'
}

row() {
  local label=$1 src=$2
  shift 2
  local local_ms herd1 herd2 dist1 dist2
  local_ms=$(median_ms gcc -c "$src" -o out.o "$@")
  herd1=$(DISTCC_HOSTS=127.0.0.1:3632 median_ms "$build/src/client/herdcc" gcc -c "$src" -o out.o "$@")
  dist1=$(DISTCC_HOSTS=127.0.0.2:3632 median_ms distcc gcc -c "$src" -o out.o "$@")
  herd2=$(DISTCC_HOSTS=127.0.0.1:3632,lzo median_ms "$build/src/client/herdcc" gcc -c "$src" -o out.o "$@")
  dist2=$(DISTCC_HOSTS=127.0.0.2:3632,lzo median_ms distcc gcc -c "$src" -o out.o "$@")
  printf '%-8s %-6s %8s %8s %8s %10s %10s\n' "$label" v1 "$local_ms" "$herd1" "$dist1" \
    "$(echo "$herd1 $dist1" | awk '{printf "%.2f", $1/$2}')" \
    "$(echo "$herd1 $local_ms" | awk '{printf "%.2f", $1/$2}')"
  printf '%-8s %-6s %8s %8s %8s %10s %10s\n' "$label" v2-lzo "$local_ms" "$herd2" "$dist2" \
    "$(echo "$herd2 $dist2" | awk '{printf "%.2f", $1/$2}')" \
    "$(echo "$herd2 $local_ms" | awk '{printf "%.2f", $1/$2}')"
}

echo "median wall ms per compile over $runs runs, $(nproc) cores, $(date -u +%F)"
printf '%-8s %-6s %8s %8s %8s %10s %10s\n' job proto local herdcc distcc herd/dist herd/local
row hello hello.c -O2
row mid mid.c "${midflags[@]}"
