#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failures never cost a build. Real faults, injected one at a time: a port
# that refuses, an address that never answers, a server that truncates its
# reply, a server that stalls while the client is interrupted, a compiler a
# server lacks, a name with a dead address, a daemon killed with -9 in the
# middle of a parallel build. After each: the compile succeeds (remotely
# elsewhere or here), objects are byte-identical to a local compile, only
# the failing address is backed off (never for a compile error), the time
# lost is bounded by the timeouts, and no temporary file remains. Last,
# eight parallel compiles full of warnings, remote and local, write into
# one pipe and one file without mixing their blocks.
. "$(dirname "$0")/lib.sh"
isolate "$@"
for d in /etc/distcc /etc/herdcc /usr/local/etc/herdcc; do
  if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done

LIVE=127.0.0.2:3632
start_herdccd 127.0.0.2 3632
mkdir -p "$T/src" "$T/bin"
cd "$T/src" || exit 1
printf 'int f(int x) { return x * 3; }\n' >x.c
printf 'int broken(void) { return nope; }\n' >bad.c
printf '#include "missing.h"\nint g;\n' >nocpp.c
export LC_ALL=C
gcc -c x.c -o ref.o
unset HERDCC_HOSTS DISTCC_HOSTS DISTCC_DIR DISTCC_BACKOFF_PERIOD
export HOME=$T/home HERDCC_VERBOSE=1 HERDCC_IO_TIMEOUT=30

# ---- helpers -----------------------------------------------------------------

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# cc STATE HOSTS ARGS...: one compile through herdcc, status in $rc, stderr
# in $T/err, wall time in $ms.
cc() {
  local state=$1 hosts=$2 start
  shift 2
  start=$(now_ms)
  rc=0
  HERDCC_DIR=$T/$state HERDCC_HOSTS=$hosts "$HERDCC_BIN" gcc "$@" 2>"$T/err" || rc=$?
  ms=$(($(now_ms) - start))
}
want_rc() { [ "$rc" -eq "$1" ] || { cat "$T/err" >&2; fail "exited $rc, wanted $1"; }; }
err_has() { grep -q -- "$1" "$T/err" || { cat "$T/err" >&2; fail "stderr lacks '$1'"; }; }
err_lacks() { ! grep -q -- "$1" "$T/err" || { cat "$T/err" >&2; fail "stderr has '$1'"; }; }
same_as_ref() { cmp -s "$1" ref.o || fail "$1 differs from the local compile"; }
backed_off() { [ -e "$T/$1/backoff/$2" ] || fail "$2 is not backed off in $1"; }
not_backed_off() { [ ! -e "$T/$1/backoff/$2" ] || fail "$2 is backed off in $1"; }
no_temps() {
  local left
  # (not in the daemons' result cache: a herdccd killed with -9 may leave
  # an entry half written there, under a temporary name the cache never
  # reads and removes when it scans the directory again)
  left=$(find "$T" -path "$CACHE_DIRECTORY" -prune -o -name '*.herdcc-*' -print 2>/dev/null)
  [ -z "$left" ] || fail "temporary files left: $left"
}

# A fake server: "truncate" reads a request and answers with a reply cut
# short; "stall" reads it and never answers; "blackhole" listens with a
# full accept queue, so connections are never answered at all.
cat >"$T/fake-server.py" <<'PY'
import socket, sys, time

mode, addr, port, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def read_exact(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf

def header(c, token):
    h = read_exact(c, 12)
    if h[:4] != token:
        raise ValueError(h)
    return int(h[4:], 16)

def read_request(c):
    header(c, b"DIST")
    for _ in range(header(c, b"ARGC")):
        read_exact(c, header(c, b"ARGV"))
    read_exact(c, header(c, b"DOTI"))

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
held = []
if mode == "blackhole":
    s.listen(0)
    held.append(socket.create_connection((addr, port)))  # fills the queue
    open(ready, "w").close()
    time.sleep(3600)
s.listen(16)
open(ready, "w").close()
while True:
    c, _ = s.accept()
    try:
        read_request(c)
    except (EOFError, ValueError, OSError):
        c.close()
        continue
    if mode == "truncate":
        c.sendall(b"DONE00000001STAT00000000SERR00000000SOUT00000000DOTO00001000")
        c.close()
    else:
        held.append(c)
        open(ready + ".request", "w").close()
PY
start_fake() {
  local mode=$1 addr=$2 port=$3
  python3 "$T/fake-server.py" "$mode" "$addr" "$port" "$T/ready-$addr-$port" &
  STARTED_PIDS+=($!)
  wait_for test -e "$T/ready-$addr-$port" || fail "fake $mode server did not start"
}

# ---- a port that refuses; backoff for the period, then use again -----------

say "a refused port: local fallback, the address backed off"
REFUSED=127.0.0.6:3634
HERDCC_BACKOFF_PERIOD=2 cc st-refused $REFUSED -c x.c -o refused.o
want_rc 0
err_has "failed to distribute x.c to $REFUSED, running locally instead"
same_as_ref refused.o
backed_off st-refused $REFUSED
head -1 "$T/st-refused/backoff/$REFUSED" | grep -Eq '^[0-9]+$' || fail "state file: no time"
no_temps

say "within the period the address is passed over, even once it answers"
start_herdccd 127.0.0.6 3634
HERDCC_BACKOFF_PERIOD=2 cc st-refused $REFUSED -c x.c -o refused2.o
want_rc 0
err_has "$REFUSED is backed off"
err_lacks "completed ok"
same_as_ref refused2.o

say "after the period it is used again, and its stale state goes"
sleep 2.1
HERDCC_BACKOFF_PERIOD=2 HERDCC_FALLBACK=0 cc st-refused $REFUSED -c x.c -o refused3.o
want_rc 0
err_has "x.c on $REFUSED completed ok"
same_as_ref refused3.o
not_backed_off st-refused $REFUSED
no_temps

say "an IPv6 address is backed off as [v6]:port"
if ip -6 addr show dev lo | grep -q '::1'; then
  cc st-v6 "[::1]:3639" -c x.c -o v6.o
  want_rc 0
  err_has "running locally instead"
  same_as_ref v6.o
  backed_off st-v6 "[::1]:3639"
else
  say "(no IPv6 on lo: skipped)"
fi

say "a failed host is retried elsewhere before the local fallback"
HERDCC_FALLBACK=0 cc st-retry "127.0.0.7:3635 $LIVE" -c x.c -o retry.o
want_rc 0
err_has "failed to distribute x.c to 127.0.0.7:3635, retrying on $LIVE"
err_has "x.c on $LIVE completed ok"
same_as_ref retry.o
backed_off st-retry 127.0.0.7:3635
not_backed_off st-retry $LIVE

say "with HERDCC_FALLBACK=0 and no server left, the failure's code"
cc st-nofb 127.0.0.7:3635 -c x.c -o nofb.o
want_rc 0
HERDCC_FALLBACK=0 HERDCC_BACKOFF_PERIOD=0 cc st-nofb0 127.0.0.7:3635 -c x.c -o nofb.o
want_rc 103
no_temps

# ---- an address that never answers ------------------------------------------

BLACKHOLE=127.0.0.4:3632
start_fake blackhole 127.0.0.4 3632
say "an address that never answers costs the connect timeout, once"
cc st-local "" -c x.c -o local.o
local_ms=$ms
HERDCC_CONNECT_TIMEOUT=500 cc st-black $BLACKHOLE -c x.c -o black.o
want_rc 0
err_has "running locally instead"
same_as_ref black.o
backed_off st-black $BLACKHOLE
say "first compile: ${ms} ms (a local compile: ${local_ms} ms, connect timeout 500 ms)"
[ "$ms" -ge 500 ] || fail "gave up before the connect timeout (${ms} ms)"
[ "$ms" -lt $((500 + local_ms + 1000)) ] || fail "lost more than the connect timeout (${ms} ms)"
HERDCC_CONNECT_TIMEOUT=500 cc st-black $BLACKHOLE -c x.c -o black2.o
want_rc 0
say "next compile, the address backed off: ${ms} ms"
[ "$ms" -lt $((local_ms + 400)) ] || fail "a backed-off address still cost ${ms} ms"

say "the same, with another server to retry on"
HERDCC_CONNECT_TIMEOUT=500 HERDCC_FALLBACK=0 cc st-black2 "$BLACKHOLE $LIVE" -c x.c -o black3.o
want_rc 0
err_has "x.c on $LIVE completed ok"
same_as_ref black3.o
say "retried elsewhere after ${ms} ms"
[ "$ms" -lt 2000 ] || fail "the retry took ${ms} ms"

say "a failed preprocessor ends the job without waiting for the network"
HERDCC_CONNECT_TIMEOUT=5000 HERDCC_BACKOFF_PERIOD=0 cc st-cpp $BLACKHOLE -c nocpp.c -o nocpp.o
want_rc 1
[ "$(grep -c "missing.h" "$T/err")" -ge 1 ] || fail "cpp's error not shown"
[ "$(grep -c "fatal error: missing.h" "$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "cpp's error not shown exactly once"; }
err_lacks "running locally"
say "cpp failed, the client ended after ${ms} ms (connect timeout 5000 ms)"
[ "$ms" -lt 2000 ] || fail "waited ${ms} ms for the network"
[ ! -e nocpp.o ] || fail "an object was left"
no_temps

# ---- a server that truncates its reply ---------------------------------------

TRUNC=127.0.0.8:3632
start_fake truncate 127.0.0.8 3632
say "a truncated reply: exit 108 without fallback, no object"
rm -f trunc.o
HERDCC_FALLBACK=0 cc st-trunc $TRUNC -MD -c x.c -o trunc.o
want_rc 108
err_has "server provided no answer"
if [ -e trunc.o ] || [ -e trunc.d ]; then fail "a truncated reply left an output"; fi
backed_off st-trunc $TRUNC
no_temps
say "a truncated reply falls back locally, or goes elsewhere"
HERDCC_BACKOFF_PERIOD=0 cc st-trunc2 $TRUNC -c x.c -o trunc2.o
want_rc 0
err_has "running locally instead"
same_as_ref trunc2.o
HERDCC_BACKOFF_PERIOD=0 HERDCC_FALLBACK=0 cc st-trunc3 "$TRUNC $LIVE" -c x.c -o trunc3.o
want_rc 0
err_has "retrying on $LIVE"
err_has "x.c on $LIVE completed ok"
same_as_ref trunc3.o
no_temps

# ---- SIGINT while the server stalls ------------------------------------------

STALL=127.0.0.9:3632
start_fake stall 127.0.0.9 3632
say "SIGINT mid-transfer: exit 130, no temporary file, no object"
HERDCC_DIR=$T/st-stall HERDCC_HOSTS=$STALL "$HERDCC_BIN" gcc -MD -c x.c -o sig.o 2>"$T/err" &
client=$!
wait_for test -e "$T/ready-127.0.0.9-3632.request" || fail "the stalling server got no request"
compgen -G '.sig.d.herdcc-*' >/dev/null || fail "no temporary .d file while the job ran"
kill -INT "$client"
rc=0
wait "$client" || rc=$?
want_rc 130
if [ -e sig.o ] || [ -e sig.d ]; then fail "an interrupted job left an output"; fi
not_backed_off st-stall $STALL
no_temps

say "HERDCC_JOB_TIMEOUT=2 bounds a remote attempt on a stalling server; then a local compile"
rm -f "$T/ready-127.0.0.9-3632.request"
t0=$(now_ms)
HERDCC_DIR=$T/st-jobto HERDCC_HOSTS=$STALL HERDCC_JOB_TIMEOUT=2 \
  "$HERDCC_BIN" gcc -c x.c -o jobto.o 2>"$T/err" || fail "the timed-out job did not fall back"
took=$(($(now_ms) - t0))
say "took $took ms"
[ "$took" -ge 1900 ] && [ "$took" -lt 6000 ] || fail "a 2 s job timeout took $took ms"
err_has "running locally instead"
same_as_ref jobto.o
no_temps

# ---- compile errors and compilers missing on a server ------------------------

say "a compile error never backs the server off"
cc st-error $LIVE -c bad.c -o bad.o
want_rc 1
[ "$(grep -c "nope.* undeclared" "$T/err")" -eq 1 ] || fail "the error was not shown once"
err_lacks "running locally"
[ -z "$(ls -A "$T/st-error/backoff" 2>/dev/null)" ] || fail "a compile error backed off: $(ls "$T/st-error/backoff")"

say "HERDCC_SKIP_LOCAL_RETRY=0 checks a remote compile error against a local compile"
HERDCC_SKIP_LOCAL_RETRY=0 cc st-error $LIVE -c bad.c -o bad.o
want_rc 1
err_has "compiling it here too"
[ "$(grep -c "nope.* undeclared" "$T/err")" -eq 2 ] || fail "the errors were not shown twice"

say "a compiler missing on a server backs off that address for that compiler only"
cat >"$T/bin/private-cc" <<'SH'
#!/bin/sh
exec gcc "$@"
SH
chmod +x "$T/bin/private-cc"
private() {
  rc=0
  HERDCC_DIR=$T/st-missing HERDCC_HOSTS=$LIVE "$HERDCC_BIN" "$T/bin/private-cc" "$@" 2>"$T/err" || rc=$?
}
private -c x.c -o priv.o
want_rc 0
err_has "failed to exec private-cc on $LIVE"
err_has "running locally instead"
same_as_ref priv.o
backed_off st-missing "$LIVE,private-cc"
not_backed_off st-missing "$LIVE"
private -c x.c -o priv2.o
want_rc 0
err_has "$LIVE is backed off"
same_as_ref priv2.o
HERDCC_FALLBACK=0 cc st-missing $LIVE -c x.c -o gcc-ok.o
want_rc 0
err_has "x.c on $LIVE completed ok"
no_temps

# ---- a name with two addresses, one of them dead -----------------------------

say "a name with a dead and a live address: jobs go to the live one"
printf '127.0.0.1 localhost\n127.0.0.5 hostx\n127.0.0.2 hostx\n' >"$T/hosts"
mount --bind "$T/hosts" /etc/hosts
getent ahosts hostx | awk '{print $1}' | uniq | tr '\n' ' ' | grep -q '^127.0.0.5 127.0.0.2 ' ||
  fail "hostx does not resolve to 127.0.0.5 then 127.0.0.2"
export HERDCC_LOG=$T/hostx.log
HERDCC_DIR=$T/st-hostx HERDCC_HOSTS=hostx:3632/4 HERDCC_FALLBACK=0 build_project "$T/hostx-out" "$HERDCC_BIN" gcc ||
  { cat "$HERDCC_LOG" >&2; fail "the build through hostx failed"; }
unset HERDCC_LOG
nsources=$(project_sources | wc -l)
remote=$(grep -c "on hostx:3632 completed ok" "$T/hostx.log" || true)
[ "$remote" -eq "$nsources" ] || fail "$remote of $nsources compiles ran on hostx"
backed_off st-hostx 127.0.0.5:3632
not_backed_off st-hostx 127.0.0.2:3632
say "all $remote compiles ran on hostx's live address; only 127.0.0.5:3632 is backed off"
build_project "$T/ref" gcc
same_objects "$T/hostx-out" "$T/ref"
no_temps

# ---- kill -9 a daemon in the middle of a parallel build ----------------------

say "kill -9 a daemon mid-build: the build completes, objects identical"
start_herdccd 127.0.0.10 3640
victim=${STARTED_PIDS[-1]}
start_herdccd 127.0.0.11 3641
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1"); do
    echo "$child"
    descendants "$child"
  done
}
compiling() { [ -n "$(for j in $(ps -o pid= --ppid "$victim"); do ps -o pid= --ppid "$j"; done)" ]; }
export HERDCC_LOG=$T/kill.log
(HERDCC_DIR=$T/st-kill HERDCC_HOSTS="127.0.0.10:3640/2 127.0.0.11:3641/2" build_project "$T/kill-out" "$HERDCC_BIN" gcc) &
build=$!
wait_for compiling || fail "no compile reached the victim"
# shellcheck disable=SC2046
kill -9 "$victim" $(descendants "$victim") 2>/dev/null || true
say "killed herdccd $victim and its jobs"
for _ in $(seq 1 1200); do kill -0 "$build" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$build" || rc=$?
unset HERDCC_LOG
[ "$rc" -eq 0 ] || { cat "$T/kill.log" >&2; fail "the build failed after the kill"; }
same_objects "$T/kill-out" "$T/ref"
failed=$(grep -c "failed to distribute" "$T/kill.log" || true)
[ "$failed" -ge 1 ] || fail "no job noticed the kill"
say "$failed distribution failures, all recovered: $(grep -c "completed ok" "$T/kill.log") remote, $(grep -c "running locally instead" "$T/kill.log") local"
backed_off st-kill 127.0.0.10:3640
not_backed_off st-kill 127.0.0.11:3641
no_temps

# ---- diagnostics of parallel compiles never mix -------------------------------

say "8 parallel compiles full of warnings, remote and local: no block mixed"
nwarn=150
for i in $(seq 1 8); do
  {
    echo "int f$i(void) {"
    for v in $(seq 1 $nwarn); do echo "  int unused_${i}_$v;"; done
    echo "  return 0;"
    echo "}"
  } >"w$i.c"
done
parallel_warnings() {
  local i pids=()
  for i in $(seq 1 8); do
    HERDCC_DIR=$T/st-diag HERDCC_HOSTS="localhost/4 $LIVE/4" HERDCC_LOG=$T/diag.log \
      "$HERDCC_BIN" gcc -Wall -c "w$i.c" -o "w$i.o" &
    pids+=($!)
  done
  wait "${pids[@]}"
}
check_blocks() {
  python3 - "$1" "$nwarn" <<'PY' || fail "blocks mixed in $1"
import re, sys
runs, counts = [], {}
for line in open(sys.argv[1], errors="replace").read().splitlines():
    m = re.match(r"(w\d)\.c:", line)
    if m:
        if not runs or runs[-1] != m.group(1):
            runs.append(m.group(1))
        if ": warning: unused variable" in line:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    elif not line.startswith(" "):
        sys.exit("a line from nowhere: %r" % line)
if len(runs) != 8 or len(set(runs)) != 8:
    sys.exit("%d blocks for 8 files: %s" % (len(runs), " ".join(runs)))
if sorted(counts.values()) != [int(sys.argv[2])] * 8:
    sys.exit("warning counts %s" % counts)
PY
}
parallel_warnings 2>&1 | cat >"$T/pipe.txt"
check_blocks "$T/pipe.txt"
parallel_warnings 2>"$T/file.txt"
check_blocks "$T/file.txt"
grep -q "on localhost" "$T/diag.log" || fail "no compile ran locally"
grep -q "on $LIVE completed ok" "$T/diag.log" || fail "no compile ran remotely"
say "$(wc -l <"$T/pipe.txt") lines through a pipe and $(wc -l <"$T/file.txt") into a file, 8 whole blocks each"
no_temps
say "PASS"
