#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scheduling on a heterogeneous farm: four daemons on 127.0.0.11-14 whose
# "compiler" sleeps in proportion to the work a job declares, divided by the
# host's speed factor (then runs the real gcc on the tiny unit, so the
# object is real), so that the result does not depend on how busy the
# machine's cores are. JOBS units of varied size (fixed pseudo-random
# sizes), compiled CONC at a time (xargs -P) through herdcc -> herdccd and
# distcc -> distccd (Debian's distcc 3.4). Prints the makespan divided by
# the ideal lower bound: max(total work / total speed, longest job on the
# fastest host). Two host orders: fastest first (the order a list-order
# scheduler likes) and slowest first; and herdcc with HERDCC_HOSTS=+srv=
# bench.test, the four herdccd published by unicast DNS-SD (PTR, SRV, TXT
# with speed=) by a dnsmasq on 127.0.0.1:53, so that the client orders
# them itself, fastest job slot first (distcc has no such choice). The
# configurations are interleaved within each round.
#
#   bench/hetero-farm.sh [BUILD_DIR]      (JOBS=48 ROUNDS=3 CONC=10)
. "$(dirname "$0")/lib.sh"
njobs=${JOBS:-48}
rounds=${ROUNDS:-3}
conc=${CONC:-10}
herdcc=$build/src/client/herdcc
export HERDCC_DIR=$T/hd
mkdir -p "$HERDCC_DIR"

# address speed slots
farm=(
  "127.0.0.11 4 2"
  "127.0.0.12 2 2"
  "127.0.0.13 1 3"
  "127.0.0.14 0.5 3"
)

# One fake compiler per host, found first on that daemon's PATH (the
# daemons allow the name gcc through /usr/lib/distcc and look it up on
# PATH). It reads "bench_work_ms = N" from the preprocessed unit, sleeps
# N ms / speed, then runs the real gcc.
for h in "${farm[@]}"; do
  read -r addr speed slots <<<"$h"
  mkdir -p "$T/$addr/bin"
  cat >"$T/$addr/bin/gcc" <<FAKE
#!/bin/sh
# herdccd streams the unit on stdin ("-"), distccd names a .i file.
f=
for a; do case \$a in *.i) f=\$a ;; esac; done
if [ -z "\$f" ]; then
  f=\${TMPDIR:-/tmp}/bench-unit.\$\$.i
  cat >"\$f"
  n=\$#
  for a; do [ "\$a" = - ] && a=\$f; set -- "\$@" "\$a"; done
  shift "\$n"
fi
w=\$(sed -n 's/.*bench_work_ms = \([0-9]*\).*/\1/p' "\$f" | head -n 1)
[ -n "\$w" ] && sleep "\$(awk -v w="\$w" 'BEGIN { printf "%.3f", w / 1000 / $speed }')"
exec /usr/bin/gcc "\$@"
FAKE
  chmod 755 "$T/$addr/bin" "$T/$addr" "$T/$addr/bin/gcc"
  # Debian's distcc client sends gcc as x86_64-linux-gnu-gcc (its triple).
  ln -s gcc "$T/$addr/bin/$(gcc -dumpmachine)-gcc"
  # herdccd announces the host's speed as its TXT record does (the factor
  # x 1000 x slots): its own measurement would see one machine's cores.
  PATH=$T/$addr/bin:/usr/bin:/bin "$build/src/daemon/herdccd" --no-detach --log-stderr \
    --log-level=error --listen "$addr" --port 3632 --jobs "$slots" --no-cache \
    --speed "$(awk -v f="$speed" -v s="$slots" 'BEGIN { printf "%d", f * 1000 * s }')" \
    2>"$T/herdccd-$addr.log" &
  pids+=($!)
  PATH=$T/$addr/bin:/usr/bin:/bin distccd --no-detach --daemon --log-stderr --log-level=error \
    --listen "$addr" --port 3633 --allow 127.0.0.0/8 --jobs "$slots" 2>"$T/distccd-$addr.log" &
  pids+=($!)
done
for h in "${farm[@]}"; do
  read -r addr _ <<<"$h"
  wait_port "$addr" 3632
  wait_port "$addr" 3633
done

# Unicast DNS-SD for bench.test, as an administrator would describe the
# farm: per herdccd a PTR _distcc._tcp.bench.test -> fN._distcc._tcp, its
# SRV (fN.bench.test:3632) and TXT with the keys herdccd publishes (no
# compiler keys: an instance that names none is taken for any compiler)
# and speed = factor x 1000 x slots (speed is per host; herdcc divides it
# by jobs). dnsmasq answers records in the reverse of its configuration's
# order: listed fastest first, the PTRs come slowest first, and so does
# herdcc's cache, so the order herdcc uses is its own. A config file,
# since only there can a TXT string hold a comma.
printf 'nameserver 127.0.0.1\nsearch bench.test\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
herd_version=$("$herdcc" --version | awk 'NR == 1 { print $2 }')
: >"$T/dnsmasq.conf"
for h in "${farm[@]}"; do
  read -r addr speed slots <<<"$h"
  n=f${addr##*.}
  cat >>"$T/dnsmasq.conf" <<REC
ptr-record=_distcc._tcp.bench.test,$n._distcc._tcp.bench.test
srv-host=$n._distcc._tcp.bench.test,$n.bench.test,3632
host-record=$n.bench.test,$addr
txt-record=$n._distcc._tcp.bench.test,txtvers=1,jobs=$slots,herd=$herd_version,"protocols=1,2",speed=$(awk -v f="$speed" -v s="$slots" 'BEGIN { printf "%d", f * 1000 * s }')
REC
done
dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.conf" --pid-file= --user=root --no-resolv \
  --no-hosts --no-poll --port=53 --listen-address=127.0.0.1 --bind-interfaces \
  --local=/bench.test/ --local-ttl=300 2>"$T/dnsmasq.log" &
pids+=($!)
export HERDCC_RESOLVE=$build/discovery/herdcc-resolve
for _ in $(seq 1 50); do
  [ "$(dig +time=1 +tries=1 +short @127.0.0.1 PTR _distcc._tcp.bench.test | wc -l)" -eq ${#farm[@]} ] && break
  sleep 0.1
done
[ "$(dig +time=1 +tries=1 +short @127.0.0.1 PTR _distcc._tcp.bench.test | wc -l)" -eq ${#farm[@]} ] ||
  { cat "$T/dnsmasq.log" >&2; echo "dnsmasq does not serve the PTR records" >&2; exit 1; }

# The units: sizes from a fixed linear congruential sequence, skewed so a
# few are large (work at speed 1: 100 ms to ~3 s).
mkdir -p "$T/units" "$T/out"
awk -v n="$njobs" 'BEGIN { x = 12345
  for (i = 1; i <= n; i++) { x = (x * 1103515245 + 12345) % 2147483648
    u = x / 2147483648; printf "%d\n", 100 + 2900 * u * u * u } }' >"$T/sizes"
i=0
while read -r w; do
  i=$((i + 1))
  printf 'static const int bench_work_ms = %d;\nint unit%d(void) { return bench_work_ms; }\n' \
    "$w" "$i" >"$T/units/u$i.c"
done <"$T/sizes"

bound=$(awk -v farm="${farm[*]}" '
  BEGIN { n = split(farm, f, " "); for (i = 1; i <= n; i += 3) {
          cap += f[i + 1] * f[i + 2]; if (f[i + 1] > fast) fast = f[i + 1] } }
  { total += $1; if ($1 > big) big = $1 }
  END { a = total / cap; b = big / fast; printf "%.0f %.0f %.0f", (a > b ? a : b), total, a }' "$T/sizes")
read -r lb total_work _ <<<"$bound"

# The bound counts only the work that a host's speed shortens. Every job
# also holds its slot for a time no speed shortens (the fake compiler's
# shell, sed, awk and sleep, then gcc on the tiny unit): measured here,
# the median of 9 runs of the first host's compiler on a unit of no work,
# one at a time (10 at once on this machine's cores take longer). With
# it, the best schedule this script knows of: an offline one that knows
# every job and reorders the build, the largest job first on the slot
# where it ends first (near the bound without the fixed cost, see
# bench/farm-sim.sh). No host choice that takes the jobs in make's order
# can be expected to beat it.
printf 'static const int bench_work_ms = 0;\nint zero(void) { return 0; }\n' >"$T/zero.c"
gcc -E "$T/zero.c" -o "$T/zero.i"
for _ in $(seq 1 9); do
  s=$(now_ns)
  "$T/${farm[0]%% *}/bin/gcc" -O2 -c -x cpp-output - -o "$T/zero.o" <"$T/zero.i"
  echo $((($(now_ns) - s) / 1000))
done >"$T/fixed"
fixed_ms=$(median <"$T/fixed" | awk '{ printf "%.1f", $1 / 1000 }')
best=$(sort -rn "$T/sizes" | awk -v farm="${farm[*]}" -v o="$fixed_ms" '
  BEGIN { n = split(farm, f, " ")
          for (i = 1; i <= n; i += 3) for (k = 0; k < f[i + 2]; k++) v[++slots] = f[i + 1] }
  { b = 1; for (s = 2; s <= slots; s++) if (end[s] + $1 / v[s] < end[b] + $1 / v[b]) b = s
    end[b] += $1 / v[b] + o; if (end[b] > m) m = end[b] }
  END { printf "%.0f", m }')

# round CLIENT HOSTS: the makespan in ms of all units.
round() {
  local s e
  rm -f "$T/out"/*.o
  s=$(now_ns)
  (cd "$T/units" && ls | HERDCC_HOSTS=$2 DISTCC_HOSTS=$2 DISTCC_FALLBACK=0 xargs -P "$conc" -I{} \
    "$1" gcc -O2 -c {} -o "$T/out/{}.o") || { echo "a compile failed" >&2; exit 1; }
  e=$(now_ns)
  [ "$(ls "$T/out" | wc -l)" -eq "$njobs" ] || { echo "objects missing" >&2; exit 1; }
  echo $(((e - s) / 1000000))
}

# hostlist PORT ORDER(fast|slow|random) [OPTION]: the farm as a host list
# (OPTION: ",herd" for herdcc, which then asks the servers with the native
# extension); random is one fixed shuffle per round ($round_seed), the same
# for both clients.
# round_pair CLIENT HOSTS_A HOSTS_B: two clients building at once (each
# with its own state directory, as two machines have: they share no slot
# files), client A over HOSTS_A and B over HOSTS_B; prints "A_MS B_MS".
round_pair() {
  local s a b
  rm -rf "$T/outA" "$T/outB" && mkdir -p "$T/outA" "$T/outB" "$T/hdA" "$T/hdB" "$T/ddA" "$T/ddB"
  s=$(now_ns)
  ( (cd "$T/units" && ls | HERDCC_DIR=$T/hdA DISTCC_DIR=$T/ddA HERDCC_HOSTS=$2 DISTCC_HOSTS=$2 \
    DISTCC_FALLBACK=0 xargs -P "$conc" -I{} "$1" gcc -O2 -c {} -o "$T/outA/{}.o") &&
    echo $((($(now_ns) - s) / 1000000)) >"$T/pairA") &
  a=$!
  ( (cd "$T/units" && ls | HERDCC_DIR=$T/hdB DISTCC_DIR=$T/ddB HERDCC_HOSTS=$3 DISTCC_HOSTS=$3 \
    DISTCC_FALLBACK=0 xargs -P "$conc" -I{} "$1" gcc -O2 -c {} -o "$T/outB/{}.o") &&
    echo $((($(now_ns) - s) / 1000000)) >"$T/pairB") &
  b=$!
  wait "$a" && wait "$b" || { echo "a compile of a pair failed" >&2; exit 1; }
  [ "$(ls "$T/outA" | wc -l)" -eq "$njobs" ] && [ "$(ls "$T/outB" | wc -l)" -eq "$njobs" ] ||
    { echo "objects missing" >&2; exit 1; }
  echo "$(cat "$T/pairA") $(cat "$T/pairB")"
}

# The two halves of the farm for the two-client case: the fastest host
# (capacity 8) and the other three (capacity 8.5).
half() { # PORT 1|2 [OPTION]
  local h addr slots out=() i=0
  for h in "${farm[@]}"; do
    read -r addr _ slots <<<"$h"
    i=$((i + 1))
    if { [ "$2" = 1 ] && [ "$i" = 1 ]; } || { [ "$2" = 2 ] && [ "$i" != 1 ]; }; then
      out+=("$addr:$1/$slots${3:-}")
    fi
  done
  printf '%s ' "${out[@]}"
}

hostlist() {
  local h addr slots out=()
  for h in "${farm[@]}"; do
    read -r addr _ slots <<<"$h"
    out+=("$addr:$1/$slots${3:-}")
  done
  case $2 in
    slow) printf '%s\n' "${out[@]}" | tac | tr '\n' ' ' ;;
    random) printf '%s\n' "${out[@]}" |
      shuf --random-source=<(yes "$round_seed") | tr '\n' ' ' ;;
    *) printf '%s ' "${out[@]}" ;;
  esac
}
round_seed=0

# Warm the DNS cache (one throwaway compile starts herdcc-resolve), then
# check that compiles go where they end first: 7 compiles of a 3 s unit
# started 50 ms apart must leave the slowest host (listed first by the
# cache) unused: a slot of the fastest, even after a wait, ends sooner. (herdcc --show-hosts prints the cache's order, not
# the order a compile uses; it is printed below for the record.)
srv=+srv=bench.test
(cd "$T/units" && HERDCC_HOSTS=$srv HERDCC_FALLBACK=1 "$herdcc" gcc -O2 -c u1.c -o "$T/out/warm.o") ||
  true
for _ in $(seq 1 50); do
  [ "$(grep -c '^127\.0\.0\.1[1-4]\s' "$HERDCC_DIR/dns/srv@bench.test" 2>/dev/null)" -eq ${#farm[@]} ] && break
  sleep 0.1
done
HERDCC_HOSTS=$srv "$herdcc" --show-hosts >"$T/show" 2>&1 || true
mkdir -p "$T/probe"
printf 'static const int bench_work_ms = 3000;\nint probe(void) { return bench_work_ms; }\n' >"$T/probe/p.c"
probe=()
for k in 1 2 3 4 5 6 7; do
  (cd "$T/probe" && HERDCC_HOSTS=$srv HERDCC_VERBOSE=1 HERDCC_LOG="$T/probe/$k.log" \
    "$herdcc" gcc -O2 -c p.c -o "$k.o") &
  probe+=($!)
  sleep 0.05
done
wait "${probe[@]}" || { cat "$T/probe"/*.log >&2; echo "a probe compile over $srv failed" >&2; exit 1; }
used=$(cat "$T/probe"/*.log | sed -n 's/.* on \(127\.0\.0\.1[1-4]\):3632.*completed ok.*/\1/p' | sort | uniq -c |
  awk '{ printf "%s x%s ", $2, $1 }')
slowest=${farm[-1]%% *}
if [[ "$used" == *"$slowest "* ]]; then
  cat "$T/probe"/*.log "$T/show" "$HERDCC_DIR/dns/srv@bench.test" >&2
  echo "7 compiles over $srv ran on: $used; the slowest host $slowest should be unused" >&2
  exit 1
fi
rm -f "$T/out/warm.o"

echo "$njobs units, total work $total_work ms at speed 1, $conc at a time; farm (address speed slots):" \
  "$(printf '%s; ' "${farm[@]}")lower bound $lb ms"
echo "a job's fixed cost in its slot $fixed_ms ms; with it, the best offline schedule (every job known," \
  "the build reordered, largest first) $best ms = $(ratio "$best" "$lb") of the bound"
echo "median makespan of $rounds rounds, $(nproc) cores, $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "herdcc $srv: DNS cache order (and --show-hosts) $(awk '{ printf "%s ", $1 }' "$T/show")"
echo "  7 compiles of a 3 s unit started 50 ms apart ran on: $used(where each ends first)"
# Every round runs the seven configurations one after another.
for c in h.fast d.fast h.slow d.slow h.random d.random h.srv; do : >"$T/m.$c"; done
for r in $(seq 1 "$rounds"); do
  round_seed=$r
  for order in fast slow random; do
    round "$herdcc" "$(hostlist 3632 "$order" ,herd)" >>"$T/m.h.$order"
    round distcc "$(hostlist 3633 "$order")" >>"$T/m.d.$order"
  done
  round "$herdcc" "$srv" >>"$T/m.h.srv"
done
printf '%-17s %10s %7s %6s %10s %7s %6s %14s   %s\n' "host order" "herdcc ms" "/bound" "/best" \
  "distcc ms" "/bound" "/best" "herdcc/distcc" "every round: herdcc; distcc"
for order in fast slow random; do
  h=$(median <"$T/m.h.$order"); d=$(median <"$T/m.d.$order")
  eval "med_$order=$d"
  label="${order}est first"
  [ "$order" = random ] && label="random order"
  printf '%-17s %10s %7s %6s %10s %7s %6s %14s   %s; %s\n' "$label" "$h" "$(ratio "$h" "$lb")" \
    "$(ratio "$h" "$best")" "$d" "$(ratio "$d" "$lb")" "$(ratio "$d" "$best")" "$(ratio "$h" "$d")" \
    "$(tr '\n' ' ' <"$T/m.h.$order")" "$(tr '\n' ' ' <"$T/m.d.$order")"
  eval "sum_$order=\"$(ratio "$h" "$lb") vs $(ratio "$d" "$lb")\""
  eval "best_$order=\"$(ratio "$h" "$best") vs $(ratio "$d" "$best")\""
done
h=$(median <"$T/m.h.srv")
# shellcheck disable=SC2154 # med_fast, med_slow: set by the eval above
printf '%-17s %10s %7s %6s %10s %7s %6s %14s   %s\n' "DNS-SD, by speed" "$h" "$(ratio "$h" "$lb")" \
  "$(ratio "$h" "$best")" "-" "-" "-" "$(ratio "$h" "$med_fast") $(ratio "$h" "$med_slow")" \
  "$(tr '\n' ' ' <"$T/m.h.srv")"
echo "(DNS-SD line: herdcc/distcc against distcc fastest first, then slowest first)"

# Two clients at once over the whole farm, each against what it gets alone
# on half of it (A on the fastest host, B on the other three); the same
# for distcc (its slot files are per machine: each client its own).
if [ "${PAIRS:-1}" != 0 ]; then
  for c in hA hB hpA hpB dA dB dpA dpB; do : >"$T/p.$c"; done
  for r in $(seq 1 "$rounds"); do
    round_pair "$herdcc" "$(half 3632 1 ,herd)" "$(half 3632 2 ,herd)" >"$T/pp"
    read -r a b <"$T/pp"; echo "$a" >>"$T/p.hA"; echo "$b" >>"$T/p.hB"
    round_pair distcc "$(half 3633 1)" "$(half 3633 2)" >"$T/pp"
    read -r a b <"$T/pp"; echo "$a" >>"$T/p.dA"; echo "$b" >>"$T/p.dB"
    round_seed=$r
    round_pair "$herdcc" "$(hostlist 3632 random ,herd)" "$(hostlist 3632 random ,herd)" >"$T/pp"
    read -r a b <"$T/pp"; echo "$a" >>"$T/p.hpA"; echo "$b" >>"$T/p.hpB"
    round_pair distcc "$(hostlist 3633 random)" "$(hostlist 3633 random)" >"$T/pp"
    read -r a b <"$T/pp"; echo "$a" >>"$T/p.dpA"; echo "$b" >>"$T/p.dpB"
  done
  echo "two clients at once ($njobs units each, $conc at a time each), medians in ms:"
  printf '%-8s %-7s %14s %14s %9s\n' client builder "alone on half" "both, farm" "ratio"
  for x in A B; do
    for t in h d; do
      alone=$(median <"$T/p.$t$x"); both=$(median <"$T/p.${t}p$x")
      name=herdcc; [ "$t" = d ] && name=distcc
      printf '%-8s %-7s %14s %14s %9s\n' "$x" "$name" "$alone" "$both" "$(ratio "$both" "$alone")"
      eval "pair_$t$x=$(ratio "$both" "$alone")"
    done
  done
  # shellcheck disable=SC2154 # pair_*: set by the eval above
  echo "summary: two clients, both/alone-on-half: herdcc A $pair_hA B $pair_hB; distcc A $pair_dA B $pair_dB"
fi
# shellcheck disable=SC2154 # sum_random: set by the eval above
echo "summary: makespan/lower bound, herdcc vs distcc: fastest first $sum_fast, slowest first $sum_slow," \
  "random $sum_random;" \
  "herdcc $srv ordered by speed $(ratio "$h" "$lb")"
# shellcheck disable=SC2154 # best_*: set by the eval above
echo "summary: makespan/best offline schedule with the fixed cost, herdcc vs distcc: fastest first" \
  "$best_fast, slowest first $best_slow, random $best_random; herdcc $srv $(ratio "$h" "$best")"
