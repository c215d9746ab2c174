#!/bin/bash
# Per-job wall time of one compile through a loopback daemon, herdcc ->
# herdccd against distcc -> distccd (Debian's distcc 3.4) in the same run,
# both protocols, and a plain local `gcc -c` for reference. Prints medians
# over RUNS runs (default 40) and the ratios.
#
#   bench/job-overhead.sh [BUILD_DIR]      (default: build)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-40}
start_daemons

cd "$T"
cat >hello.c <<'SRC'
#include <stdio.h>
int main(void) { puts("hello, world"); return 0; }
SRC
# A mid-size translation unit: the largest of herdcc's own sources with
# their headers and libc's.
cp "$top/src/common/args.c" mid.c
midflags=(-O2 -D_GNU_SOURCE -I"$top/src/common")

# time_ms CMD...: one run's wall time in microseconds.
time_us() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}

median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# row LABEL SRC FLAGS...: the five ways of compiling SRC, interleaved run by
# run so that a drift in the machine's speed touches all of them alike.
row() {
  local label=$1 src=$2
  shift 2
  local herdcc=$build/src/client/herdcc i
  : >"$T/t.local"; : >"$T/t.h1"; : >"$T/t.d1"; : >"$T/t.h2"; : >"$T/t.d2"
  for i in $(seq 0 "$runs"); do
    local l h1 d1 h2 d2
    l=$(time_us gcc -c "$src" -o out.o "$@")
    h1=$(DISTCC_HOSTS=127.0.0.1:3632 time_us "$herdcc" gcc -c "$src" -o out.o "$@")
    d1=$(DISTCC_HOSTS=127.0.0.2:3632 time_us distcc gcc -c "$src" -o out.o "$@")
    h2=$(DISTCC_HOSTS=127.0.0.1:3632,lzo time_us "$herdcc" gcc -c "$src" -o out.o "$@")
    d2=$(DISTCC_HOSTS=127.0.0.2:3632,lzo time_us distcc gcc -c "$src" -o out.o "$@")
    [ "$i" -eq 0 ] && continue # warm-up
    echo "$l" >>"$T/t.local"; echo "$h1" >>"$T/t.h1"; echo "$d1" >>"$T/t.d1"
    echo "$h2" >>"$T/t.h2"; echo "$d2" >>"$T/t.d2"
  done
  local lm h1m d1m h2m d2m
  lm=$(median <"$T/t.local"); h1m=$(median <"$T/t.h1"); d1m=$(median <"$T/t.d1")
  h2m=$(median <"$T/t.h2"); d2m=$(median <"$T/t.d2")
  printf '%-8s %-6s %8s %8s %8s %10s %10s\n' "$label" v1 "$lm" "$h1m" "$d1m" \
    "$(ratio "$h1m" "$d1m")" "$(ratio "$h1m" "$lm")"
  printf '%-8s %-6s %8s %8s %8s %10s %10s\n' "$label" v2-lzo "$lm" "$h2m" "$d2m" \
    "$(ratio "$h2m" "$d2m")" "$(ratio "$h2m" "$lm")"
}

echo "median wall ms per compile over $runs interleaved runs, $(nproc) cores, $(date -u +%F)"
printf '%-8s %-6s %8s %8s %8s %10s %10s\n' job proto local herdcc distcc herd/dist herd/local
row hello hello.c -O2
row mid mid.c "${midflags[@]}"
