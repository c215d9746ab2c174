#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The farm simulation (bench/farm-sim.c) built from the client's own host
# choice, src/client/select.c (the same file the client compiles), and run
# on three farms: hetero-farm.sh's (4 servers of speeds 4, 2, 1, 0.5 with
# 2, 2, 3, 3 slots, one client compiling 10 at a time), the same with
# uniformly distributed job sizes (a workload it was not tuned on), and a
# large one: 1,000 servers (speeds 0.5 to 4, 2 to 8 slots) and 100
# clients of 50 compiles at a time, 40,000 jobs. Each over several seeds;
# prints makespan / lower bound for the invitation and for "first free
# slot", and the host choice's cost per job. Then the what-ifs on the
# two small farms (bench/farm-sim.c): sizes known, as the client's history
# gives them for a job built before; more compiles at a time than slots;
# waiting rooms that invite the largest job first; waiting rooms that say
# the work ahead (version 6's HWRK); a copy of a running job on a slot
# left idle (not in herdcc: whether the end of a build is what is lost).
# Then a yardstick: the same rule with perfect knowledge and no
# foresight, every job placed at once where it ends first. Last, what
# foresight would give (a plan made knowing the whole build, searched,
# then kept) and what a job's fixed cost in its slot (time no speed
# shortens, FARM_SIM_FIXED_MS) does to herdcc's rule, the plan and the
# offline schedule, against the bound that leaves that cost out.
#
#   bench/farm-sim.sh            (SEEDS="12345 7 99 5 1234")
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/herdcc-sim.XXXXXX)
trap 'rm -rf "$T"' EXIT
gcc -O2 -Wall -c -o "$T/select.o" "$top/src/client/select.c" -I"$top/src/client"
ar rcs "$T/libselect.a" "$T/select.o"
gcc -O2 -Wall -o "$T/farm-sim" "$top/bench/farm-sim.c" -I"$top/src/client" -L"$T" -lselect -lm
for scenario in bench bench-uniform large; do
  for seed in ${SEEDS:-12345 7 99 5 1234}; do
    "$T/farm-sim" "$scenario" "$seed"
  done
done | tee "$T/out"
echo "medians of makespan/bound over the seeds:"
for scenario in bench bench-uniform large; do
  for policy in invitation "first free"; do
    awk -v s="$scenario:" -v p="$policy" '$1 == s { on = 1; next } /^[a-z-]+:/ { on = 0 }
      on && index($0, p) { print $(NF - 6) }' "$T/out" | sort -n |
      awk -v s="$scenario" -v p="$policy" '{ v[NR] = $1 } END {
        printf "  %-14s %-11s %s\n", s, p, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
  done
done
echo "what-ifs, medians of makespan/bound over the seeds:"
for whatif in "FARM_SIM_SIZES=1" "FARM_SIM_SIZES=1 FARM_SIM_CONC=48" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_CONC=20" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_CONC=48" \
  "FARM_SIM_SIZES=1 FARM_SIM_AHEAD=1" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_AHEAD=1" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_AHEAD=1 FARM_SIM_CONC=20" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_AHEAD=1 FARM_SIM_CONC=48" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_AHEAD=1 FARM_SIM_HEDGE=1" \
  "FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_AHEAD=1 FARM_SIM_HEDGE=1 FARM_SIM_CONC=48"; do
  for scenario in bench bench-uniform; do
    for seed in ${SEEDS:-12345 7 99 5 1234}; do
      # shellcheck disable=SC2086 # the what-if is words of assignments
      env $whatif "$T/farm-sim" "$scenario" "$seed" | awk '/invitation/ { print $(NF - 6) }'
    done | sort -n | awk -v s="$scenario" -v w="$whatif" '{ v[NR] = $1 } END {
      printf "  %-14s %-75s %s\n", s, w, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
  done
done
echo "yardstick: every size and slot end known, the jobs in the build's order, each placed"
echo "at once where it ends first (no waiting room, no foresight), medians of makespan/bound:"
for conc in 10 20 48; do
  for scenario in bench bench-uniform; do
    for seed in ${SEEDS:-12345 7 99 5 1234}; do
      FARM_SIM_CONC=$conc "$T/farm-sim" "$scenario" "$seed" | awk '/clairvoyant/ { print $8 }'
    done | sort -n | awk -v s="$scenario" -v c="$conc" '{ v[NR] = $1 } END {
      printf "  %-14s %2d at a time %s\n", s, c, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
  done
done
echo "foresight and a job's fixed cost in its slot (FARM_SIM_FIXED_MS), 10 and 20 at a time,"
echo "medians of makespan/bound (the bound without the fixed cost): offline schedule (knows and"
echo "reorders the build), foresight plan (knows the build, keeps make's order), herdcc's rule"
echo "(sizes known, rooms biggest first, the work ahead):"
rule="FARM_SIM_SIZES=1 FARM_SIM_LARGEST_FIRST=1 FARM_SIM_AHEAD=1"
for conc in 10 20; do
  for fixed in 0 15 30 60; do
    for scenario in bench bench-uniform; do
      for seed in ${SEEDS:-12345 7 99 5 1234}; do
        # shellcheck disable=SC2086 # the rule is words of assignments
        env $rule FARM_SIM_CONC=$conc FARM_SIM_FIXED_MS=$fixed "$T/farm-sim" "$scenario" "$seed" |
          awk '/offline/ { o = $7 } /foresight/ { f = $7 } /invitation/ { i = $7 }
            END { print o, f, i }'
      done | awk -v s="$scenario" -v c="$conc" -v x="$fixed" '
        function med(a, n,  i, j, t) {
          for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
          return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { o[NR] = $1; f[NR] = $2; i[NR] = $3 }
        END { printf "  %-14s %2d at a time, fixed %2d ms: offline %s  foresight %s  herdcc %s\n",
              s, c, x, med(o, NR), med(f, NR), med(i, NR) }'
    done
  done
done
