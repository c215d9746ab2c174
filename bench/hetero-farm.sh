#!/bin/bash
# Scheduling on a heterogeneous farm: four daemons on 127.0.0.11-14 whose
# "compiler" sleeps in proportion to the work a job declares, divided by the
# host's speed factor (then runs the real gcc on the tiny unit, so the
# object is real), so that the result does not depend on how busy the
# machine's cores are. JOBS units of varied size (fixed pseudo-random
# sizes), compiled CONC at a time (xargs -P) through herdcc -> herdccd and
# distcc -> distccd (Debian's distcc 3.4). Prints the makespan divided by
# the ideal lower bound: max(total work / total speed, longest job on the
# fastest host). Two host orders: fastest first (the order a list-order
# scheduler likes) and slowest first.
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
  PATH=$T/$addr/bin:/usr/bin:/bin "$build/src/daemon/herdccd" --no-detach --log-stderr \
    --log-level=error --listen "$addr" --port 3632 --jobs "$slots" 2>"$T/herdccd-$addr.log" &
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

# round CLIENT HOSTS: the makespan in ms of all units.
round() {
  local s e
  rm -f "$T/out"/*.o
  s=$(now_ns)
  (cd "$T/units" && ls | DISTCC_HOSTS=$2 DISTCC_FALLBACK=0 xargs -P "$conc" -I{} \
    "$1" gcc -O2 -c {} -o "$T/out/{}.o") || { echo "a compile failed" >&2; exit 1; }
  e=$(now_ns)
  [ "$(ls "$T/out" | wc -l)" -eq "$njobs" ] || { echo "objects missing" >&2; exit 1; }
  echo $(((e - s) / 1000000))
}

hostlist() { # PORT ORDER(fast|slow)
  local h addr slots out=()
  for h in "${farm[@]}"; do
    read -r addr _ slots <<<"$h"
    out+=("$addr:$1/$slots")
  done
  if [ "$2" = slow ]; then printf '%s\n' "${out[@]}" | tac | tr '\n' ' '
  else printf '%s ' "${out[@]}"; fi
}

echo "$njobs units, total work $total_work ms at speed 1, $conc at a time; farm (address speed slots):" \
  "$(printf '%s; ' "${farm[@]}")lower bound $lb ms"
echo "median makespan of $rounds rounds, $(nproc) cores, $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %10s %8s %10s %8s %14s   %s\n' "host order" "herdcc ms" "/bound" "distcc ms" "/bound" \
  "herdcc/distcc" "every round: herdcc; distcc"
for order in fast slow; do
  : >"$T/m.h"; : >"$T/m.d"
  for _ in $(seq 1 "$rounds"); do
    round "$herdcc" "$(hostlist 3632 "$order")" >>"$T/m.h"
    round distcc "$(hostlist 3633 "$order")" >>"$T/m.d"
  done
  h=$(median <"$T/m.h"); d=$(median <"$T/m.d")
  printf '%-12s %10s %8s %10s %8s %14s   %s; %s\n' "${order}est first" "$h" "$(ratio "$h" "$lb")" \
    "$d" "$(ratio "$d" "$lb")" "$(ratio "$h" "$d")" "$(tr '\n' ' ' <"$T/m.h")" "$(tr '\n' ' ' <"$T/m.d")"
  eval "sum_$order=\"$(ratio "$h" "$lb") vs $(ratio "$d" "$lb")\""
done
echo "summary: makespan/lower bound, herdcc vs distcc: fastest first $sum_fast, slowest first $sum_slow"
