#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Daemon throughput: many tiny compiles at concurrency 8 against one
# daemon on loopback, herdcc -> herdccd against distcc -> distccd (Debian's
# distcc 3.4) in the same run. Prints jobs per second (median of ROUNDS
# rounds of JOBS compiles each, the two interleaved) and the ratio.
#
#   bench/throughput.sh [BUILD_DIR]      (JOBS=200 ROUNDS=3 by default)
. "$(dirname "$0")/lib.sh"
jobs=${JOBS:-200}
rounds=${ROUNDS:-3}
start_daemons --jobs 8

cd "$T"
printf 'int f(int x) { return x * 3 + 1; }\n' >tiny.c
mkdir -p out

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
