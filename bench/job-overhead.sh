#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-job overhead of one compile through a loopback daemon, herdcc ->
# herdccd against distcc -> distccd (Debian's distcc 3.4) in the same run,
# both protocols, and a plain local `gcc -c` for reference. Prints medians
# over RUNS runs (default 40) and the ratios: the wall time of the whole
# compile, then the client's own CPU time and peak memory (the client
# process alone: not the preprocessor it runs, not the compiler).
#
#   bench/job-overhead.sh [BUILD_DIR]      (default: build)
#
# The client's CPU and memory come from the kernel's per-process exit
# records (taskstats, see bench/taskstats.c): the scheduler's exact
# on-CPU time of the client process and its peak resident set. wait4()'s
# rusage cannot give these: it adds the children the client waited for
# (the preprocessor) to the times and takes their maximum RSS.
BENCH_TASKSTATS="herdcc distcc"
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
herdcc=$build/src/client/herdcc

# time_us FILE CMD...: appends one run's wall time in microseconds to FILE.
# Runs CMD from this shell (no subshell), so that its parent is alive when
# taskstats looks at its ancestry.
time_us() {
  local file=$1 start end
  shift
  start=$(now_ns)
  "$@" >/dev/null
  end=$(now_ns)
  echo $(((end - start) / 1000)) >>"$file"
}

ms() { awk '{ printf "%.2f", $1 / 1000 }'; }

# The client records taken so far, in order, and a bounded wait for them.
nrecords() { wc -l <"$TS_RECORDS"; }
await_records() {
  local want=$1 i
  for i in $(seq 1 100); do
    [ "$(nrecords)" -ge "$want" ] && break
    sleep 0.05
  done
  [ "$(nrecords)" -eq "$want" ] ||
    { echo "expected $want client records, got $(nrecords)" >&2; exit 1; }
}

# row LABEL SRC FLAGS...: the five ways of compiling SRC, interleaved run by
# run so that a drift in the machine's speed touches all of them alike.
# Every client run leaves exactly one record, in order: h1 d1 h2 d2.
row() {
  local label=$1 src=$2
  shift 2
  local i k w first
  for w in local h1 d1 h2 d2; do : >"$T/t.$w"; done
  first=$(nrecords)
  for i in $(seq 0 "$runs"); do
    time_us "$T/t.local" gcc -c "$src" -o out.o "$@"
    DISTCC_HOSTS=127.0.0.1:3632 time_us "$T/t.h1" "$herdcc" gcc -c "$src" -o out.o "$@"
    DISTCC_HOSTS=127.0.0.2:3632 time_us "$T/t.d1" distcc gcc -c "$src" -o out.o "$@"
    DISTCC_HOSTS=127.0.0.1:3632,lzo time_us "$T/t.h2" "$herdcc" gcc -c "$src" -o out.o "$@"
    DISTCC_HOSTS=127.0.0.2:3632,lzo time_us "$T/t.d2" distcc gcc -c "$src" -o out.o "$@"
  done
  await_records $((first + 4 * (runs + 1)))
  # Drop the warm-up run (the first line of each) and split the records.
  for w in local h1 d1 h2 d2; do sed -i 1d "$T/t.$w"; done
  tail -n +$((first + 1)) "$TS_RECORDS" | awk -v dir="$T" '
    NR > 4 { k = (NR - 1) % 4; name = k == 0 ? "h1" : k == 1 ? "d1" : k == 2 ? "h2" : "d2"
             want = k % 2 == 0 ? "herdcc" : "distcc"
             if ($3 != want) { print "record " NR " is " $3 ", not " want > "/dev/stderr"; exit 1 }
             print $4 / 1e6 > dir "/c." name; print $7 > dir "/m." name }'
  local lm p h d
  lm=$(ms <<<"$(median <"$T/t.local")")
  for p in 1 2; do
    h=$(median <"$T/t.h$p" | ms); d=$(median <"$T/t.d$p" | ms)
    local hc dc hm dm
    hc=$(median <"$T/c.h$p"); dc=$(median <"$T/c.d$p")
    hm=$(median <"$T/m.h$p"); dm=$(median <"$T/m.d$p")
    printf '%-6s %-6s | %7s %7s %7s %6s %6s | %6.2f %6.2f %5s | %5s %5s %5s\n' \
      "$label" "$([ "$p" = 1 ] && echo v1 || echo v2-lzo)" "$lm" "$h" "$d" \
      "$(ratio "$h" "$d")" "$(ratio "$h" "$lm")" "$hc" "$dc" "$(ratio "$hc" "$dc")" \
      "$hm" "$dm" "$(ratio "$hm" "$dm")"
    summary+=" $label/$([ "$p" = 1 ] && echo v1 || echo lzo) $(ratio "$h" "$d")/$(ratio "$hc" "$dc")/$(ratio "$hm" "$dm")"
  done
}
summary=

echo "medians over $runs interleaved runs, $(nproc) cores, $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wall: ms per compile; client cpu: ms on CPU of the client process alone; client rss: peak KiB"
printf '%-6s %-6s | %7s %7s %7s %6s %6s | %6s %6s %5s | %5s %5s %5s\n' job proto \
  local herdcc distcc h/d h/loc "cpu h" "cpu d" h/d "rss h" "rss d" h/d
row hello hello.c -O2
row mid mid.c "${midflags[@]}"
echo "summary: herdcc/distcc wall/client cpu/client rss:$summary"
