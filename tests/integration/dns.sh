#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# +srv and plain host names through DNS, with a real dnsmasq on 127.0.0.1:53
# and /etc/resolv.conf pointing at it (bind-mounted in this test's own mount
# namespace): SRV and unicast DNS-SD find two herdccd and a build spreads
# over both; a DNS server that swallows queries, NXDOMAIN, SERVFAIL and a
# refused port are soft failures with one warning; a name with a dead and a
# live address backs off the dead one only; TTL expiry picks up new records.
. "$(dirname "$0")/lib.sh"
isolate "$@"

command -v dnsmasq >/dev/null || { echo "dnsmasq not installed: skipped"; exit 77; }
: "${HERDCC_RESOLVE:?HERDCC_RESOLVE must name the built herdcc-resolve}"

printf 'nameserver 127.0.0.1\nsearch farm.test\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf

export HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0
unset HERDCC_HOSTS DISTCC_HOSTS DISTCC_DIR

DNS_PID=
stop_dns() {
  if [ -n "$DNS_PID" ]; then kill "$DNS_PID" 2>/dev/null || true; wait "$DNS_PID" 2>/dev/null || true; fi
  DNS_PID=
}
# start_dns RECORD_OPTIONS...: dnsmasq authoritative for farm.test.
start_dns() {
  stop_dns
  dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --user=root \
    --no-resolv --no-hosts --no-poll --port=53 --listen-address=127.0.0.1 \
    --bind-interfaces --local=/farm.test/ --local-ttl=5 "$@" 2>>"$T/dnsmasq.log" &
  DNS_PID=$!
  STARTED_PIDS+=("$DNS_PID")
  wait_for dig +time=1 +tries=1 +short @127.0.0.1 SOA farm.test >/dev/null ||
    wait_for dig +time=1 +tries=1 @127.0.0.1 A hosta.farm.test >/dev/null ||
    fail "dnsmasq did not start"
}
# start_fake_dns MODE: a python3 server on 127.0.0.1:53 that swallows every
# query (MODE swallow) or answers SERVFAIL (MODE servfail).
start_fake_dns() {
  stop_dns
  python3 - "$1" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True:
    data, peer = s.recvfrom(4096)
    if sys.argv[1] == "servfail" and len(data) >= 12:
        s.sendto(data[:2] + b"\x81\x82" + data[4:6] + b"\0\0\0\0\0\0" + data[12:], peer)
PY
  DNS_PID=$!
  STARTED_PIDS+=("$DNS_PID")
  sleep 0.3
}

TXT='txtvers=1,cpus=2,jobs=2,distcc=3.4,protocols=1'
RECORDS=(
  --srv-host=_distcc._tcp.farm.test,hosta.farm.test,3632,0,5
  --srv-host=_distcc._tcp.farm.test,hostb.farm.test,3633,0,5
  --host-record=hosta.farm.test,127.0.0.2
  --host-record=hostb.farm.test,127.0.0.3
  --ptr-record=_distcc._tcp.farm.test,a._distcc._tcp.farm.test
  --ptr-record=_distcc._tcp.farm.test,b._distcc._tcp.farm.test
  --srv-host=a._distcc._tcp.farm.test,hosta.farm.test,3632
  --srv-host=b._distcc._tcp.farm.test,hostb.farm.test,3633
  "--txt-record=a._distcc._tcp.farm.test,${TXT//,/\",\"}"
  "--txt-record=b._distcc._tcp.farm.test,${TXT//,/\",\"}"
  --host-record=two.farm.test,127.0.0.5
  --host-record=two.farm.test,127.0.0.6
)
# dnsmasq takes TXT strings as a comma-separated list
RECORDS[8]=--txt-record=a._distcc._tcp.farm.test,$TXT
RECORDS[9]=--txt-record=b._distcc._tcp.farm.test,$TXT

start_herdccd 127.0.0.2 3632
start_herdccd 127.0.0.3 3633
start_herdccd 127.0.0.6 3634
start_dns "${RECORDS[@]}"
dig +short SRV _distcc._tcp.farm.test | sort >"$T/srv.txt"
[ "$(wc -l <"$T/srv.txt")" -eq 2 ] || fail "dnsmasq does not serve the SRV records"

now_ms() { date +%s%3N; }
cd "$T"
printf 'int f(void) { return 1; }\n' >x.c

say "+srv=farm.test finds both servers"
HERDCC_HOSTS=+srv=farm.test "$HERDCC_BIN" --show-hosts >"$T/show" 2>&1 || true
wait_for grep -q 127.0.0.3 "$HERDCC_DIR/dns/srv@farm.test" ||
  { cat "$T/show" "$HERDCC_DIR"/dns/* >&2; fail "no SRV cache"; }
HERDCC_HOSTS=+srv=farm.test "$HERDCC_BIN" --show-hosts >"$T/show"
grep -q '^127.0.0.2:3632/2 srv a ok' "$T/show" || { cat "$T/show"; fail "127.0.0.2 not found with its TXT"; }
grep -q '^127.0.0.3:3633/2 srv b ok' "$T/show" || { cat "$T/show"; fail "127.0.0.3 not found with its TXT"; }

say "plain +srv uses the search domain from /etc/resolv.conf"
HERDCC_HOSTS=+srv "$HERDCC_BIN" gcc -c x.c -o s.o
wait_for grep -q 127.0.0.3 "$HERDCC_DIR/dns/srv" || fail "+srv did not use the search domain"

say "a build over +srv=farm.test spreads over both servers"
build_project "$T/ref" gcc
n2=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
n3=$(grep -c ": exit 0," "$T/herdccd-3633.log" || true)
HERDCC_HOSTS=+srv=farm.test HERDCC_FALLBACK=0 build_project "$T/farm" "$HERDCC_BIN" gcc ||
  fail "the build over +srv failed"
same_objects "$T/farm" "$T/ref"
a=$(( $(grep -c ": exit 0," "$T/herdccd-3632.log") - n2 ))
b=$(( $(grep -c ": exit 0," "$T/herdccd-3633.log") - n3 ))
say "jobs: 127.0.0.2 $a, 127.0.0.3 $b"
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "the build did not spread over both servers"

say "latency with a warm cache against a static host list"
avg_ms() { # avg_ms N CMD...: the mean wall time of N runs
  local n=$1 t0 i; shift
  t0=$(now_ms)
  for i in $(seq 1 "$n"); do "$@" >/dev/null; done
  echo $(( ($(now_ms) - t0) * 1000 / n ))
}
for round in 1 2; do
  static=$(HERDCC_HOSTS=127.0.0.2:3632/2 avg_ms 20 "$HERDCC_BIN" gcc -c x.c -o l.o)
  warm=$(HERDCC_HOSTS=+srv=farm.test avg_ms 20 "$HERDCC_BIN" gcc -c x.c -o l.o)
done
say "FIGURE per compile: static list $((static / 1000)).$((static % 1000 / 100)) ms, +srv warm cache $((warm / 1000)).$((warm % 1000 / 100)) ms"

say "--ping lists every server, machine-parseable"
HERDCC_HOSTS="+srv=farm.test 127.0.0.9:3632 two.farm.test:3634" "$HERDCC_BIN" --ping >"$T/ping" ||
  { cat "$T/ping"; fail "--ping says no host answered"; }
cat "$T/ping"
grep -q '^127.0.0.2 3632 srv up [0-9.]* 1$' "$T/ping" || fail "--ping: 127.0.0.2"
grep -q '^127.0.0.3 3633 srv up ' "$T/ping" || fail "--ping: 127.0.0.3"
grep -q '^127.0.0.9 3632 list refused [0-9.]* 1$' "$T/ping" || fail "--ping: 127.0.0.9"
grep -q '^127.0.0.5 3634 list refused ' "$T/ping" || fail "--ping: 127.0.0.5"
grep -q '^127.0.0.6 3634 list up ' "$T/ping" || fail "--ping: 127.0.0.6"
HERDCC_HOSTS=127.0.0.9:3632 "$HERDCC_BIN" --ping >/dev/null && fail "--ping exits 0 with no server up"

say "a name with a dead and a live address: the dead one alone is backed off"
rm -rf "$HERDCC_DIR/backoff"
HERDCC_BACKOFF_PERIOD=60 HERDCC_HOSTS=two.farm.test:3634 HERDCC_FALLBACK=0 \
  "$HERDCC_BIN" gcc -c x.c -o two.o 2>"$T/err" || { cat "$T/err"; fail "compile on two.farm.test failed"; }
ls "$HERDCC_DIR/backoff" | grep -q '^127.0.0.5:3634' || fail "127.0.0.5 not backed off"
ls "$HERDCC_DIR/backoff" | grep -q '127.0.0.6' && fail "the live address was backed off"
HERDCC_BACKOFF_PERIOD=60 HERDCC_HOSTS=two.farm.test:3634 HERDCC_FALLBACK=0 HERDCC_VERBOSE=1 \
  "$HERDCC_BIN" gcc -c x.c -o two.o 2>"$T/err" || fail "second compile on two.farm.test failed"
grep -q "127.0.0.5:3634 is backed off" "$T/err" || fail "the dead address was tried again"
rm -rf "$HERDCC_DIR/backoff"

say "TTL expiry picks up a changed record set"
start_dns --srv-host=_distcc._tcp.farm.test,hostb.farm.test,3633,0,5 \
  --host-record=hostb.farm.test,127.0.0.3
sleep 6 # past the TTL (5 s)
HERDCC_HOSTS=+srv=farm.test "$HERDCC_BIN" gcc -c x.c -o t.o
refreshed() { ! grep -q 127.0.0.2 "$HERDCC_DIR/dns/srv@farm.test"; }
wait_for refreshed || fail "the new record set was not picked up"
grep -q 127.0.0.3 "$HERDCC_DIR/dns/srv@farm.test" || fail "127.0.0.3 lost"

# soft_failure NAME DOMAIN: three compiles with +srv=DOMAIN and a live
# static server; all succeed, one warning line in all.
soft_failure() {
  local name=$1 domain=$2 i
  rm -rf "$HERDCC_DIR/dns"
  : >"$T/err-$name"
  for i in 1 2 3; do
    HERDCC_HOSTS="+srv=$domain 127.0.0.2:3632" HERDCC_FALLBACK=0 \
      "$HERDCC_BIN" gcc -c x.c -o "sf.o" 2>>"$T/err-$name" || { cat "$T/err-$name"; fail "$name: compile failed"; }
    sleep 0.5
  done
  [ "$(grep -c "DNS lookup" "$T/err-$name")" -eq 1 ] || { cat "$T/err-$name"; fail "$name: not one warning"; }
  say "$name: $(cat "$T/err-$name")"
}
say "NXDOMAIN is a soft failure"
soft_failure nxdomain nothere.farm.test

say "a plain host name that does not resolve: one warning in three compiles, never ok"
rm -rf "$HERDCC_DIR/dns"
: >"$T/err-name"
for i in 1 2 3; do
  HERDCC_HOSTS="nothere.farm.test 127.0.0.2:3632" HERDCC_FALLBACK=0 \
    "$HERDCC_BIN" gcc -c x.c -o nm.o 2>>"$T/err-name" || { cat "$T/err-name"; fail "name: compile failed"; }
done
[ "$(wc -l <"$T/err-name")" -eq 1 ] && grep -q "DNS lookup of nothere.farm.test" "$T/err-name" ||
  { cat "$T/err-name"; fail "an unresolvable name: not one warning line"; }
HERDCC_HOSTS="nothere.farm.test 127.0.0.2:3632" "$HERDCC_BIN" --show-hosts >"$T/show-name"
grep -q "^nothere.farm.test:3632/4 list cannot resolve" "$T/show-name" ||
  { cat "$T/show-name"; fail "--show-hosts does not say the name cannot be resolved"; }
grep -q "^127.0.0.2:3632/4 list ok" "$T/show-name" || fail "--show-hosts lost the good host"
# (ssh entries are used by builds: ssh.sh checks their --show-hosts lines)

say "SERVFAIL is a soft failure"
start_fake_dns servfail
soft_failure servfail farm.test

say "a refused DNS port is a soft failure"
stop_dns
soft_failure refused farm.test

say "a DNS server that swallows queries costs one deadline, off the compile path"
start_fake_dns swallow
export HERDCC_DNS_TIMEOUT=400
rm -rf "$HERDCC_DIR/dns"
static=$(HERDCC_HOSTS=127.0.0.2:3632 avg_ms 5 "$HERDCC_BIN" gcc -c x.c -o d.o)
t0=$(now_ms)
HERDCC_HOSTS="+srv=farm.test 127.0.0.2:3632" HERDCC_FALLBACK=0 "$HERDCC_BIN" gcc -c x.c -o d.o 2>"$T/err-dead1"
cold=$(( $(now_ms) - t0 ))
t0=$(now_ms)
wait_for grep -q "error" "$HERDCC_DIR/dns/srv@farm.test" || fail "no negative cache"
resolved=$(( $(now_ms) - t0 + cold ))
later=$(HERDCC_HOSTS="+srv=farm.test 127.0.0.2:3632" avg_ms 5 "$HERDCC_BIN" gcc -c x.c -o d.o)
say "FIGURE dead DNS server (deadline 400 ms): static list $((static / 1000)) ms, first compile on a cold cache $cold ms, negative cache written after ~$resolved ms, later compiles $((later / 1000)) ms"
[ "$cold" -lt $(( static / 1000 + 400 + 300 )) ] || fail "the cold compile took $cold ms"
[ "$((later / 1000))" -lt $(( static / 1000 + 100 )) ] || fail "later compiles pay the dead server"
grep -q "no answer within 400 ms" "$HERDCC_DIR/dns/srv@farm.test" || fail "the negative cache does not say why"
say PASS
