#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Discovery costs, herdcc against Debian's distcc 3.4 where distcc has the
# feature: compile latency with a warm and a cold discovery cache over mDNS
# (real avahi-daemons on two namespaced hosts, the integration tests'
# hosts2.sh) and over DNS (a real dnsmasq), the time from a new server's
# publication until a compile uses it, and the time lost to a DNS server
# that never answers. Medians over RUNS compiles (default 9) of a small
# unit; every compile is checked to have run where the line says.
#
#   bench/discovery.sh [BUILD_DIR]      (RUNS=9 by default)
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
export HERDCC_BIN=$build/src/client/herdcc HERDCCD_BIN=$build/src/daemon/herdccd \
  HERDCC_DISCOVER=$build/discovery/herdcc-discover HERDCC_RESOLVE=$build/discovery/herdcc-resolve \
  HERDCC_SOURCE_ROOT=$top
. "$top/tests/integration/lib.sh"
. "$top/tests/integration/avahi.sh"
. "$top/tests/integration/hosts2.sh"
for prog in distcc distccd avahi-daemon dbus-daemon nsenter dnsmasq python3; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 1; }
done
isolate "$build"
runs=${RUNS:-9}

start_hosts
export HERDCC_DIR=$T/hd DISTCC_DIR=$T/dd DISTCC_BACKOFF_PERIOD=0
mkdir -p "$HERDCC_DIR" "$DISTCC_DIR" "$T/w"
cd "$T/w"
printf 'int f(int x) { return x * 3 + 1; }\n' >x.c

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Our own processes running PROGRAM (this run has a PID namespace of its
# own, so every process seen is the bench's), killed by PID.
kill_ours() {
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [ "$exe" = "$1" ] && kill "${p#/proc/}" 2>/dev/null
  done
  return 0
}
# one CLIENT WHERE [ENV=VALUE...]: one compile's wall ms on stdout; fails
# unless the client's log says it ran on WHERE (an ERE: address:port or
# name:port).
one() {
  local client=$1 where=$2 s e
  shift 2
  rm -f "$T/one.log"
  s=$(now_ms)
  env "$@" HERDCC_LOG="$T/one.log" DISTCC_LOG="$T/one.log" HERDCC_VERBOSE=1 DISTCC_VERBOSE=1 \
    "$client" gcc -O2 -c x.c -o x.o 2>/dev/null || return 1
  e=$(now_ms)
  grep -Eq "on ($where).*completed ok" "$T/one.log" || return 1
  echo $((e - s))
}
# lat NAME PREP CLIENT WHERE ENV...: RUNS compiles, PREP run before each
# (untimed); appends "NAME median" to $T/figures.
lat() {
  local name=$1 prep=$2 client=$3 where=$4 i
  shift 4
  : >"$T/lat"
  for i in $(seq 0 "$runs"); do
    $prep
    one "$client" "$where" "$@" >>"$T/lat.tmp" ||
      { cat "$T/one.log" >&2; fail "$name: the compile did not run on $where"; }
    [ "$i" -eq 0 ] || tail -n 1 "$T/lat.tmp" >>"$T/lat" # run 0 warms up
  done
  rm -f "$T/lat.tmp"
  printf '%-44s %8s\n' "$name" "$(median <"$T/lat")" | tee -a "$T/figures"
}
nothing() { :; }
herdcc_cold_mdns() { kill_ours "$HERDCC_DISCOVER"; rm -rf "$HERDCC_DIR/zeroconf"; sleep 0.2; }
distcc_cold_mdns() { kill_ours /usr/bin/distcc; rm -rf "$DISTCC_DIR/zeroconf"; sleep 0.2; }
herdcc_cold_dns() { rm -rf "$HERDCC_DIR/dns"; }

echo "discovery costs, median ms per compile of $runs, $(nproc) cores, $(date -u +%F)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== mDNS: herdccd --zeroconf on host B, clients on host A"
spawn_b "$T/herdccd-b.log" "$HERDCCD_BIN" --no-detach --log-stderr --listen "$B_ADDR" \
  --allow "$HOSTS2_NET" --zeroconf
HB=$SPAWNED_PID
wait_for b_listens 3632 || fail "herdccd on B did not start"
time_until_ms 10000 seen_on_a _distcc._tcp '^distcc@hostb;' || fail "A does not see B"
B=$B_ADDR:3632
lat "herdcc static list" nothing "$HERDCC_BIN" "$B" HERDCC_HOSTS="$B"
lat "herdcc +zeroconf, warm cache" nothing "$HERDCC_BIN" "$B" HERDCC_HOSTS=+zeroconf
lat "herdcc +zeroconf, cold cache" herdcc_cold_mdns "$HERDCC_BIN" "$B" HERDCC_HOSTS=+zeroconf
lat "distcc static list" nothing distcc "$B" DISTCC_HOSTS="$B"
lat "distcc +zeroconf, warm cache" nothing distcc "$B" DISTCC_HOSTS=+zeroconf
lat "distcc +zeroconf, cold cache" distcc_cold_mdns distcc "$B" DISTCC_HOSTS=+zeroconf

# new_server CLIENT HOSTVAR PORT: start herdccd --zeroconf on B:PORT, the
# ms until a compile (one after another, local when no server is known)
# runs there.
new_server() {
  local client=$1 var=$2 port=$3 s
  s=$(now_ms)
  spawn_b "$T/herdccd-b$port.log" "$HERDCCD_BIN" --no-detach --log-stderr --listen "$B_ADDR" \
    --port "$port" --allow "$HOSTS2_NET" --zeroconf
  NEW_PID=$SPAWNED_PID
  time_until_ms 30000 one "$client" "$B_ADDR:$port" "$var=+zeroconf" HERDCC_FALLBACK=1 \
    DISTCC_FALLBACK=1 || fail "$client never used the new server on :$port"
  printf '%-44s %8s\n' "$(basename "$client"): new server used after" "$(($(now_ms) - s))" |
    tee -a "$T/figures"
}
# Warm caches that know no server: the one there was is stopped and gone.
stop_pid "$HB"
gone() { ! seen_on_a _distcc._tcp '^distcc@hostb;'; }
time_until_ms 10000 gone || fail "herdccd on B stays published"
for c in "$HERDCC_BIN" distcc; do
  env HERDCC_HOSTS=+zeroconf DISTCC_HOSTS=+zeroconf HERDCC_FALLBACK=1 DISTCC_FALLBACK=1 \
    "$c" gcc -c x.c -o x.o 2>/dev/null
done
sleep 2
new_server "$HERDCC_BIN" HERDCC_HOSTS 3634
stop_pid "$NEW_PID"
time_until_ms 10000 gone || fail "herdccd on B stays published"
sleep 2
new_server distcc DISTCC_HOSTS 3635
stop_pid "$NEW_PID"

echo "== DNS: dnsmasq on 127.0.0.1:53 (TTL 300 s), herdccd on 127.0.0.2"
printf 'nameserver 127.0.0.1\nsearch farm.test\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
start_herdccd 127.0.0.2 3632
dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --user=root --no-resolv \
  --no-hosts --no-poll --port=53 --listen-address=127.0.0.1 --bind-interfaces \
  --local=/farm.test/ --local-ttl=300 --srv-host=_distcc._tcp.farm.test,hosta.farm.test,3632,0,5 \
  --host-record=hosta.farm.test,127.0.0.2 2>"$T/dnsmasq.log" &
DNS_PID=$!
STARTED_PIDS+=("$DNS_PID")
wait_for dig +time=1 +tries=1 +short @127.0.0.1 A hosta.farm.test >/dev/null || fail "dnsmasq did not start"
D=127.0.0.2:3632
N="127.0.0.2:3632|hosta.farm.test:3632"
lat "herdcc static list" nothing "$HERDCC_BIN" "$D" HERDCC_HOSTS="$D"
lat "herdcc host name, warm cache" nothing "$HERDCC_BIN" "$N" HERDCC_HOSTS=hosta.farm.test:3632
lat "herdcc host name, cold cache" herdcc_cold_dns "$HERDCC_BIN" "$N" HERDCC_HOSTS=hosta.farm.test:3632
lat "herdcc +srv=farm.test, warm cache" nothing "$HERDCC_BIN" "$D" HERDCC_HOSTS=+srv=farm.test
lat "herdcc +srv=farm.test, cold cache" herdcc_cold_dns "$HERDCC_BIN" "$D" HERDCC_HOSTS=+srv=farm.test
lat "distcc static list" nothing distcc "$D" DISTCC_HOSTS="$D"
lat "distcc host name (resolved every compile)" nothing distcc "$N" DISTCC_HOSTS=hosta.farm.test:3632

echo "== a dead DNS server (reads queries, never answers); glibc's default resolver"
echo "   timeouts for distcc, herdcc's default DNS deadline; a second server by address"
kill "$DNS_PID"; wait "$DNS_PID" 2>/dev/null || true
python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True:
    s.recvfrom(4096)
' &
STARTED_PIDS+=($!)
sleep 0.3
start_herdccd 127.0.0.3 3632
unset DISTCC_BACKOFF_PERIOD # the default: a failed host is passed over for 60 s
rm -rf "$HERDCC_DIR/dns" "$HERDCC_DIR/backoff" "$DISTCC_DIR/lock" "$DISTCC_DIR/state"
# dead CLIENT HOSTS: the first compile and the median of the next 3.
dead() {
  local client=$1 hosts=$2 i first w
  for i in 0 1 2 3; do
    w=$(one "$client" "127.0.0.3:3632|hosta.farm.test:3632" HERDCC_HOSTS="$hosts" DISTCC_HOSTS="$hosts" \
      HERDCC_FALLBACK=1 DISTCC_FALLBACK=1 ||
      { s=$(now_ms); env HERDCC_HOSTS="$hosts" DISTCC_HOSTS="$hosts" "$client" gcc -O2 -c x.c -o x.o \
        2>/dev/null; echo "$(($(now_ms) - s))local"; })
    if [ "$i" -eq 0 ]; then first=$w; else echo "${w%local}" >>"$T/dead"; fi
  done
  echo "$first"
}
for c in "$HERDCC_BIN" distcc; do
  f=$(dead "$c" "hosta.farm.test:3632 127.0.0.3:3632")
  printf '%-44s %8s %s\n' "$(basename "$c"): dead DNS, first compile" "${f%local}" \
    "$([ "${f%local}" = "$f" ] || echo "(ran locally)")" | tee -a "$T/figures"
  printf '%-44s %8s\n' "$(basename "$c"): dead DNS, later compiles" "$(median <"$T/dead")" |
    tee -a "$T/figures"
done
: >"$T/dead"
f=$(dead "$HERDCC_BIN" "+srv=farm.test 127.0.0.3:3632")
printf '%-44s %8s\n' "herdcc +srv: dead DNS, first compile" "${f%local}" | tee -a "$T/figures"
printf '%-44s %8s\n' "herdcc +srv: dead DNS, later compiles" "$(median <"$T/dead")" | tee -a "$T/figures"
fig() { grep -F "$1" "$T/figures" | head -n 1 | awk '{ print $NF }'; }
echo "summary: cold mDNS cache herdcc $(fig "herdcc +zeroconf, cold") ms, distcc" \
  "$(fig "distcc +zeroconf, cold") ms; new server used after $(fig "herdcc: new server") /" \
  "$(fig "distcc: new server") ms; dead DNS first compile $(fig "herdcc: dead DNS, first") /" \
  "$(grep -F "distcc: dead DNS, first" "$T/figures" | awk '{ print $(NF) }') ms"
