#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdccd --stats against distccd 3.4 --stats and real compiles: the plain
# text has distcc's dcc_* keys in distcc's order; its counters and the JSON
# form's move with real jobs (ok, a compile error, a refused argument, a
# malformed request, a busy reply, a --job-lifetime timeout, a client that
# hangs up); a slow compile is listed while it runs (client address,
# source, phase "compile") and a request queued behind it as "waiting"; a
# peer that connects and sends nothing still gets the text; --allow that
# excludes the client gives 403; many idle stats connections do not stop
# jobs; with --zeroconf the TXT record carries stats=PORT (real
# avahi-daemon). Everything runs inside namespaces of its own (lib.sh).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/avahi.sh"

for prog in distcc distccd python3; do
  command -v "$prog" >/dev/null || { echo "SKIP: $prog is not installed"; exit 77; }
done

isolate "$@"

export LC_ALL=C
unset HERDCC_HOSTS DISTCC_HOSTS TMPDIR
export HOME=$T/home DISTCC_DIR=$T/distcc HERDCC_DIR=$T/herdcc
export DISTCC_FALLBACK=0 HERDCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0
mkdir -p "$HOME" "$DISTCC_DIR" "$HERDCC_DIR" "$T/src" "$T/bin"

A=127.0.0.1 # herdccd A: 1 slot, 1 waiting request at most
PORT_A=3632 STATS_A=3633
D_PORT=4632 D_STATS=4633 # distccd

# ---- helpers -----------------------------------------------------------------

# stats.py MODE HOST PORT [ARG]: talk to a stats port.
#   text      send nothing, print what comes (distcc's scrapers do this)
#   json      GET /json: check the status line and type, print the body
#   get EXPR  GET /json, print the Python expression EXPR of the document d
#   raw REQ   send REQ, print the whole reply
#   hold N    open N connections that send nothing; keep them 30 s
cat >"$T/stats.py" <<'PY'
import json, socket, sys, time
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
arg = sys.argv[4] if len(sys.argv) > 4 else None
if mode == "hold":
    socks = [socket.create_connection((host, port), timeout=5)
             for _ in range(int(arg))]
    print("holding", flush=True)
    time.sleep(30)
    sys.exit(0)
s = socket.create_connection((host, port), timeout=10)
if mode in ("json", "get"):
    s.sendall(b"GET /json HTTP/1.0\r\nUser-Agent: stats.sh\r\n\r\n")
elif mode == "raw":
    s.sendall(arg.encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
if mode in ("text", "raw"):
    sys.stdout.write(data.decode())
    sys.exit(0)
head, _, body = data.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
if not lines[0].startswith("HTTP/1.0 200 ") or \
        "Content-Type: application/json" not in lines:
    sys.exit("bad reply: " + head.decode())
d = json.loads(body)
if mode == "json":
    sys.stdout.write(body.decode())
else:
    print(eval(arg))
PY
stats() { python3 "$T/stats.py" "$@"; }
count() { stats get "$A" "$STATS_A" "d['results']['$1']"; }
dcc_value() { stats text "$A" "$STATS_A" | awk -v k="$1" '$1 == k {print $2}'; }

# wait_value EXPECTED CMD...: until CMD prints EXPECTED (bounded).
wait_value() {
  local want=$1 i
  shift
  for i in $(seq 1 100); do
    [[ $("$@" 2>/dev/null) == "$want" ]] && return 0
    sleep 0.1
  done
  return 1
}

# expect_counts NAME=N...: each result kind's counter, after the base.
declare -A BASE
snapshot_base() {
  local k
  for k in ok compile_error refused timeout client_gone busy protocol other; do
    BASE[$k]=$(count "$k")
  done
}
expect_count() {
  local kind=$1 delta=$2 want
  want=$((BASE[$kind] + delta))
  wait_value "$want" count "$kind" ||
    fail "results.$kind is $(count "$kind"), expected $want"
}

# A compiler that takes its time, and one that takes too long; both
# preprocess at once (the stock client runs them with -E first).
cat >"$T/bin/slowcc" <<'EOF'
#!/bin/sh
case " $* " in *" -E "*) ;; *) sleep 3 ;; esac
exec gcc "$@"
EOF
cat >"$T/bin/sleepycc" <<'EOF'
#!/bin/sh
case " $* " in *" -E "*) ;; *) sleep 20 ;; esac
exec gcc "$@"
EOF
chmod 755 "$T/bin/slowcc" "$T/bin/sleepycc"
printf 'slowcc %s\nsleepycc %s\n' "$T/bin/slowcc" "$T/bin/sleepycc" >"$T/compilers"
export PATH=$T/bin:$PATH

printf 'int ok(void) { return 1; }\n' >"$T/src/x.c"
printf 'int bad(void) { return undeclared; }\n' >"$T/src/bad.c"

# The stock client: dcc ARGS... in $T/src; sets rc.
dcc() {
  rc=0
  (cd "$T/src" && DISTCC_HOSTS=$A:$PORT_A timeout 60 distcc "$@") \
    >"$T/dcc.out" 2>"$T/dcc.err" || rc=$?
}
hcc() {
  rc=0
  (cd "$T/src" && HERDCC_HOSTS=$A:$PORT_A timeout 60 "$HERDCC_BIN" "$@") \
    >"$T/hcc.out" 2>"$T/hcc.err" || rc=$?
}

# ---- servers -----------------------------------------------------------------

start_avahi testhost lo
start_herdccd "$A" "$PORT_A" --stats --stats-port "$STATS_A" --jobs 1 \
  --max-pending 1 --compilers "$T/compilers" --job-lifetime 6 --zeroconf
wait_for port_open "$A" "$STATS_A" || fail "no stats port on $A:$STATS_A"
distccd --no-detach --daemon --log-stderr --listen "$A" --port "$D_PORT" \
  --stats --stats-port "$D_STATS" --allow 127.0.0.0/8 \
  --pid-file "$T/distccd.pid" 2>"$T/distccd.log" &
STARTED_PIDS+=($!)
wait_for port_open "$A" "$D_STATS" || fail "distccd --stats did not start"

# ---- the text form against distccd's -------------------------------------------

say "the plain text: distcc's header, body and dcc_* keys in distcc's order"
stats text "$A" "$STATS_A" >"$T/herd.txt"
stats text "$A" "$D_STATS" >"$T/distcc.txt"
grep -o '^dcc_[A-Za-z0-9_]*' "$T/herd.txt" >"$T/herd.keys"
grep -o '^dcc_[A-Za-z0-9_]*' "$T/distcc.txt" >"$T/distcc.keys"
[[ $(wc -l <"$T/distcc.keys") -ge 20 ]] || fail "distccd gave $(cat "$T/distcc.txt")"
diff "$T/distcc.keys" "$T/herd.keys" ||
  fail "dcc_* keys differ from distccd's (< distccd, > herdccd)"
# Everything but the values and argv's program name, line by line.
sed -e 's/^\(dcc_[A-Za-z0-9_]*\) .*/\1/' -e 's,^argv /.*,argv,' "$T/herd.txt" >"$T/herd.shape"
sed -e 's/^\(dcc_[A-Za-z0-9_]*\) .*/\1/' -e 's,^argv /.*,argv,' "$T/distcc.txt" >"$T/distcc.shape"
cmp -s "$T/distcc.shape" "$T/herd.shape" ||
  fail "the text differs in shape from distccd's: $(diff "$T/distcc.shape" "$T/herd.shape")"
head -c 16 "$T/herd.txt" | grep -q '^HTTP/1.0 200 OK' || fail "status line"
grep -qx 'argv /herdccd' "$T/herd.txt" || fail "no 'argv /herdccd' line"
grep -qx 'dcc_max_kids 1' "$T/herd.txt" || fail "dcc_max_kids is not --jobs"
grep -qE '^dcc_free_space [0-9]+ MB$' "$T/herd.txt" || fail "dcc_free_space"
grep -qE '^dcc_load1 [0-9]+\.[0-9]{2}$' "$T/herd.txt" || fail "dcc_load1"
say "$(wc -l <"$T/herd.keys") keys, same order and shape as distccd 3.4"

say "a peer that connects and sends nothing gets the text, soon"
start_ms=$(date +%s%3N)
stats text "$A" "$STATS_A" | grep -qx '</distccstats>' || fail "no text for a silent peer"
took=$(($(date +%s%3N) - start_ms))
((took < 2000)) || fail "the text took $took ms"
say "answered in $took ms, python3's start included (the grace is 100 ms)"
stats raw "$A" "$STATS_A" $'GET / HTTP/1.0\r\n\r\n' | grep -qx '<distccstats>' ||
  fail "GET / did not get the text"
stats raw "$A" "$STATS_A" $'GET /jsonx HTTP/1.0\r\n\r\n' | grep -qx '<distccstats>' ||
  fail "GET /jsonx did not get the text"

# ---- the JSON form -------------------------------------------------------------

say "the JSON form: configuration"
stats json "$A" "$STATS_A" >"$T/doc.json"
[[ $(stats get "$A" "$STATS_A" "d['config']['port'], d['config']['stats_port'], d['config']['jobs'], d['config']['zeroconf'], d['config']['codecs'], d['config']['allow']") == \
  "(3632, 3633, 1, True, ['lzo'], ['private'])" ]] ||
  fail "config: $(cat "$T/doc.json")"
[[ $(stats get "$A" "$STATS_A" "d['format'], d['uptime_s'] >= 0, d['cpus'] >= 1, len(d['load'])") == "(1, True, True, 3)" ]] ||
  fail "document: $(cat "$T/doc.json")"

# ---- counters move with real jobs ----------------------------------------------

snapshot_base
accept0=$(dcc_value dcc_tcp_accept)

say "a good compile (herdcc), a compile error (herdcc), a refused argument (distcc)"
hcc gcc -c x.c -o x.o
[[ $rc -eq 0 ]] || fail "herdcc gcc -c x.c: exit $rc: $(cat "$T/hcc.err")"
expect_count ok 1
hcc gcc -c bad.c -o bad.o
[[ $rc -ne 0 ]] || fail "bad.c compiled"
# Without -g the expanded text goes first and, since the compiler spoke,
# the source text after it: two compiles, two errors (herdcc(1)).
expect_count compile_error 2
# (-B names other programs for the compiler: the local preprocessor does
# not mind, the server refuses.)
dcc gcc -B"$T/nowhere/" -c x.c -o evil.o
[[ $rc -ne 0 ]] && grep -q 'herdccd: refused' "$T/dcc.err" ||
  fail "-B was not refused: exit $rc $(cat "$T/dcc.err")"
expect_count refused 1
[[ $(stats get "$A" "$STATS_A" "d['jobs_done'] == sum(d['results'].values())") == True ]] ||
  fail "jobs_done is not the sum of the results"
[[ $(stats get "$A" "$STATS_A" "d['bytes_in'] > 0 and d['bytes_out'] > 0") == True ]] ||
  fail "no bytes counted: $(stats json "$A" "$STATS_A")"

say "a malformed request is a protocol rejection"
exec 3<>"/dev/tcp/$A/$PORT_A"
printf 'HELO00000001' >&3
exec 3>&-
expect_count protocol 1

say "the text agrees: accepts, ok, errors, rejections, longest job"
[[ $(dcc_value dcc_compile_ok) == $(count ok) ]] || fail "dcc_compile_ok"
[[ $(dcc_value dcc_compile_error) == $(count compile_error) ]] || fail "dcc_compile_error"
[[ $(dcc_value dcc_rej_bad_req) == $(($(count refused) + $(count protocol))) ]] ||
  fail "dcc_rej_bad_req is not refused + protocol"
(($(dcc_value dcc_tcp_accept) >= accept0 + 4)) || fail "dcc_tcp_accept did not move"
[[ $(dcc_value dcc_longest_job) != none ]] || fail "no longest job"
(($(dcc_value dcc_longest_job_time_msecs) > 0)) || fail "no longest job time"
(($(dcc_value dcc_num_compiles1) >= 2)) || fail "dcc_num_compiles1"
(($(dcc_value dcc_max_RSS) > 0)) || fail "dcc_max_RSS"

# ---- what runs now ---------------------------------------------------------------

say "a slow compile is listed while it runs; one behind it waits; a third is busy"
(cd "$T/src" && DISTCC_HOSTS=$A:$PORT_A exec timeout 60 distcc slowcc -c x.c -o slow1.o) \
  >"$T/slow1.out" 2>&1 &
slow1=$!
running() {
  stats get "$A" "$STATS_A" \
    "[(j['phase'], j['source'], j['compiler'], j['client'].startswith('127.0.0.1:'), j['size'] > 0) for j in d['jobs']]"
}
wait_value "[('compile', 'x.c', 'slowcc', True, True)]" running ||
  fail "the slow job is not listed: $(stats json "$A" "$STATS_A")"
[[ $(stats get "$A" "$STATS_A" "d['running']") == 1 ]] || fail "running is not 1"
(cd "$T/src" && DISTCC_HOSTS=$A:$PORT_A exec timeout 60 distcc slowcc -c x.c -o slow2.o) \
  >"$T/slow2.out" 2>&1 &
slow2=$!
phases() { stats get "$A" "$STATS_A" "sorted(j['phase'] for j in d['jobs'])"; }
wait_value "['compile', 'waiting']" phases ||
  fail "no waiting job: $(stats json "$A" "$STATS_A")"
# The turned-away client reads the busy reply (the daemon drains what it
# still sends instead of resetting the connection).
hcc gcc -c x.c -o busy.o
[[ $rc -ne 0 ]] || fail "the third job was not turned away"
grep -q 'herdccd: busy' "$T/hcc.err" || fail "no busy reply seen: $(cat "$T/hcc.err")"
(($(count busy) >= BASE[busy] + 1)) || fail "busy did not move: $(cat "$T/hcc.err")"
[[ $(dcc_value dcc_rej_overload) == $(count busy) ]] || fail "dcc_rej_overload"
wait "$slow1" || fail "slow1 failed: $(cat "$T/slow1.out")"
wait "$slow2" || fail "slow2 failed: $(cat "$T/slow2.out")"
expect_count ok 3
wait_value "[]" running || fail "jobs still listed after they ended"

say "--job-lifetime 6 kills a compile: a timeout"
dcc sleepycc -c x.c -o sleepy.o
[[ $rc -ne 0 ]] || fail "sleepycc finished"
expect_count timeout 1
[[ $(dcc_value dcc_compile_timeout) == $(count timeout) ]] || fail "dcc_compile_timeout"

say "a client that hangs up mid-compile: client_gone"
(cd "$T/src" && DISTCC_HOSTS=$A:$PORT_A exec distcc sleepycc -c x.c -o gone.o) \
  >/dev/null 2>&1 &
gone=$!
wait_value "[('compile', 'x.c', 'sleepycc', True, True)]" running ||
  fail "the job to abandon is not listed"
kill "$gone"
wait "$gone" 2>/dev/null || true
expect_count client_gone 1
[[ $(dcc_value dcc_cli_disconnect) == $(count client_gone) ]] || fail "dcc_cli_disconnect"

# ---- idle stats connections ------------------------------------------------------

say "50 idle stats connections do not stop jobs, nor a new stats request"
stats hold "$A" "$STATS_A" 50 >"$T/hold.out" &
holder=$!
STARTED_PIDS+=("$holder")
wait_value holding cat "$T/hold.out" || fail "could not open 50 connections"
start_ms=$(date +%s%3N)
hcc gcc -c x.c -o x2.o
[[ $rc -eq 0 ]] || fail "a compile failed beside idle stats connections: $(cat "$T/hcc.err")"
took=$(($(date +%s%3N) - start_ms))
stats get "$A" "$STATS_A" "d['results']['ok']" >/dev/null || fail "stats request failed"
kill "$holder"
say "compile took $took ms beside them"

# ---- access ------------------------------------------------------------------------

say "--allow that excludes the client: 403 with the reason, logged"
start_herdccd 127.0.0.2 3642 --stats --stats-port 3643 --allow 10.0.0.0/8
wait_for port_open 127.0.0.2 3643 || fail "no stats port on 127.0.0.2"
stats raw 127.0.0.2 3643 $'GET /json HTTP/1.0\r\n\r\n' >"$T/403.txt"
head -1 "$T/403.txt" | grep -q '^HTTP/1.0 403 Forbidden' || fail "not 403: $(cat "$T/403.txt")"
grep -q 'access denied for 127.0.0.1' "$T/403.txt" || fail "no reason: $(cat "$T/403.txt")"
stats text 127.0.0.2 3643 | grep -q 'dcc_' && fail "the text was given to a refused peer"
wait_for grep -q 'Stats request from 127.0.0.1:[0-9]*: refused' "$T/herdccd-3642.log" ||
  fail "the refusal is not logged"

# ---- zeroconf ------------------------------------------------------------------------

say "the TXT record carries stats=$STATS_A"
has_txt() { avahi-browse -rpt _distcc._tcp 2>/dev/null | grep '^=' | grep -q "\"stats=$STATS_A\""; }
wait_for has_txt || fail "no stats=$STATS_A in: $(avahi-browse -rpt _distcc._tcp)"

say "PASS"
