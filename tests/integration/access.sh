#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Who may use herdccd: the private and local networks by default, the
# --allow networks (IPv4 and IPv6, and IPv4 clients on a dual-stack socket,
# which the kernel shows as ::ffff:a.b.c.d) otherwise; a client not on the
# list gets a reply that says so (STAT 113 << 8), before a byte of its
# request is read (a peer that sends nothing gets it too), and nothing
# runs for it.
# And where it listens: --listen on an IPv4 and an IPv6 address, both, and
# every address (one dual-stack socket) by default.
#
# Clients come from addresses added to this namespace's lo: 10.1.2.3,
# 192.168.7.7 and fd00::5 (private), 192.0.2.1 and 2001:db8::1 (the
# documentation networks: not private), 127.0.0.1 and ::1.
. "$(dirname "$0")/lib.sh"
isolate "$@"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
command -v "$PY" >/dev/null || { echo "python3 is not installed"; exit 77; }
WIRE=$HERDCC_SOURCE_ROOT/tests/integration/wire.py

if [ "$(sysctl -n net.ipv6.conf.lo.disable_ipv6)" != 0 ]; then
  sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
fi
ip -6 addr show dev lo | grep -q 'inet6 ::1/128' || fail "no ::1 on lo"
for a in 10.1.2.3 192.168.7.7 192.0.2.1; do ip addr add "$a/32" dev lo; done
for a in fd00::5 2001:db8::1; do ip -6 addr add "$a/128" dev lo nodad; done

cd "$T"
printf 'int answer(void) { return 42; }\n' >x.c
gcc -E x.c -o x.i
gcc -c x.i -o ref.o

# start PORT [OPTIONS...]: a herdccd (as root: it drops to nobody) with no
# --listen unless OPTIONS give one; waits until ADDR (WAIT_ADDR, default
# 127.0.0.1) accepts.
start() {
  local port=$1
  shift
  "$HERDCCD_BIN" --no-detach --log-stderr --verbose --port "$port" "$@" \
    2>"$T/herdccd-$port.log" &
  STARTED_PIDS+=($!)
  wait_for port_open "${WAIT_ADDR:-127.0.0.1}" "$port" ||
    fail "herdccd $* did not start: $(cat "$T/herdccd-$port.log")"
}

# job FROM TO PORT: one compile from source address FROM to TO:PORT; sets
# out (wire.py's report) and rc.
job() {
  rc=0
  out=$(timeout 30 "$PY" "$WIRE" --host "$2" --port "$3" --bind "$1" \
    compile --source x.i --object got.o -- gcc -c x.c -o x.o) || rc=$?
}

# allowed FROM TO PORT: the compile runs and gives the local object.
allowed() {
  rm -f got.o
  job "$@"
  [ "$rc" -eq 0 ] && grep -qx 'STAT 00000000' <<<"$out" && cmp -s got.o ref.o ||
    fail "from $1 to [$2]:$3: expected a compile, got ($rc) $out"
  printf '   %-12s -> %-10s port %s: allowed, object identical\n' "$1" "$2" "$3"
}

runs() { grep -c 'DEBUG: Running ' "$T/herdccd-$1.log" || true; }

# denied FROM TO PORT: the reply refuses it, naming the client as FROM
# ([FROM] for IPv6), and the log says so.
denied() {
  local shown=$1 before
  [[ $1 == *:* ]] && shown="[$1]"
  before=$(runs "$3")
  job "$@"
  local want="SERR herdccd: refused: access denied for $shown:"
  [ "$rc" -eq 0 ] && grep -qx 'STAT 00007100' <<<"$out" && grep -qF "$want" <<<"$out" &&
    grep -qx 'DOTO 0' <<<"$out" ||
    fail "from $1 to [$2]:$3: expected '$want', got ($rc) $out"
  grep -F "Job from $shown:" "$T/herdccd-$3.log" | grep -q 'refused: access denied' ||
    fail "from $1: the refusal is not logged"
  [ "$(runs "$3")" = "$before" ] || fail "a compiler ran for $1"
  printf '   %-12s -> %-10s port %s: %s\n' "$1" "$2" "$3" "$(sed -n 's/^SERR //p' <<<"$out")"
}

# unreachable FROM TO PORT: nothing listens there.
unreachable() {
  job "$@"
  [ "$rc" -eq 5 ] || fail "[$2]:$3 accepted a connection: ($rc) $out"
  printf '   %-12s -> %-10s port %s: connection refused\n' "$1" "$2" "$3"
}

say "defaults: every address (IPv6 and IPv4 on one socket), private networks allowed"
start 3632
grep -q 'Listening on :: port 3632' herdccd-3632.log || fail "not on ::: $(cat herdccd-3632.log)"
allowed 127.0.0.1 127.0.0.1 3632
allowed 10.1.2.3 10.1.2.3 3632
allowed 192.168.7.7 192.168.7.7 3632
allowed ::1 ::1 3632
allowed fd00::5 fd00::5 3632
denied 192.0.2.1 192.0.2.1 3632
denied 2001:db8::1 2001:db8::1 3632

say "a peer --allow leaves out is answered before it sends a byte"
# It sends nothing and still gets the refusal at once: the check comes
# before any byte of the request is read.
silent=$(timeout 10 "$PY" -c '
import socket, sys
s = socket.create_connection(("192.0.2.1", 3632), timeout=5,
                             source_address=("192.0.2.1", 0))
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data[:24].decode("ascii", "replace"))
') || fail "a silent denied peer got no reply"
[ "$silent" = "DONE00000001STAT00007100" ] ||
  fail "a silent denied peer got '$silent', not the refusal"
say "silent denied peer: $silent..."

say "--allow 192.0.2.0/24 --allow 2001:db8::/32: those networks only"
start 3633 --allow 192.0.2.0/24 --allow 2001:db8::/32
allowed 192.0.2.1 192.0.2.1 3633
allowed 2001:db8::1 2001:db8::1 3633
denied 127.0.0.1 127.0.0.1 3633
denied 10.1.2.3 10.1.2.3 3633
denied ::1 ::1 3633
denied fd00::5 fd00::5 3633

say "--allow 192.0.2.1 --allow-private: one host and the private networks"
start 3634 --allow 192.0.2.1 --allow-private
allowed 192.0.2.1 192.0.2.1 3634
allowed 10.1.2.3 10.1.2.3 3634
allowed ::1 ::1 3634
denied 2001:db8::1 2001:db8::1 3634

say "--allow ::ffff:192.0.2.0/120 (IPv4 written as mapped IPv6) allows those IPv4 clients"
start 3635 --allow ::ffff:192.0.2.0/120
allowed 192.0.2.1 192.0.2.1 3635
denied 127.0.0.1 127.0.0.1 3635

say "--allow 10.0.0.0/8 on an IPv4 socket (--listen 0.0.0.0)"
start 3636 --listen 0.0.0.0 --allow 10.0.0.0/8
allowed 10.1.2.3 10.1.2.3 3636
denied 192.0.2.1 192.0.2.1 3636
unreachable ::1 ::1 3636

say "--listen ::1: IPv6 loopback only"
WAIT_ADDR=::1 start 3637 --listen ::1
allowed ::1 ::1 3637
unreachable 127.0.0.1 127.0.0.1 3637
unreachable fd00::5 fd00::5 3637

say "--listen 127.0.0.2: that IPv4 address only"
WAIT_ADDR=127.0.0.2 start 3638 --listen 127.0.0.2
allowed 127.0.0.1 127.0.0.2 3638
unreachable 127.0.0.1 127.0.0.1 3638
unreachable ::1 ::1 3638

say "--listen [::1] --listen 127.0.0.2: both"
WAIT_ADDR=127.0.0.2 start 3639 --listen '[::1]' --listen 127.0.0.2
allowed ::1 ::1 3639
allowed 127.0.0.1 127.0.0.2 3639
unreachable 127.0.0.1 127.0.0.1 3639

say "--listen :: is IPv6 only"
WAIT_ADDR=::1 start 3640 --listen ::
allowed fd00::5 fd00::5 3640
unreachable 127.0.0.1 127.0.0.1 3640
say "PASS"
