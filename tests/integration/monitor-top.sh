#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdcc-top against a real farm: two herdccd --zeroconf --stats servers (on
# host A and host B of hosts2.sh, each with its own avahi-daemon) and a
# build of slow compiles running through them with HERDCC_HOSTS=+zeroconf.
# `herdcc-top --once` lists both servers (source mdns, address, slots, ok),
# this machine's jobs with their phase and host, and each server's current
# jobs from its stats endpoint; a server without --stats is "no stats", one
# whose --allow leaves this machine out "refused"; a
# black-holed address and a stats port that never answers are
# "unreachable" and the snapshot stays bounded in time; a stopped server
# is shown unreachable, then leaves the list once its service is
# withdrawn. The live mode draws in place and gives the terminal back on
# SIGINT.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/avahi.sh"
. "$(dirname "$0")/hosts2.sh"
for prog in avahi-daemon dbus-daemon nsenter python3 script; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
: "${HERDCC_TOP_BIN:?HERDCC_TOP_BIN must name the built herdcc-top}"
: "${HERDCC_DISCOVER:?HERDCC_DISCOVER must name the built herdcc-discover}"
isolate "$@"

start_hosts
export HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0 HERDCC_FALLBACK=0 \
  HERDCC_HOSTS=+zeroconf
mkdir -p "$HERDCC_DIR" "$T/src"

say "herdccd --zeroconf --stats on A (2 slots) and on B (3 slots)"
# A test connection would count in the servers' results: start_slow_farm
# asks the kernel whether they listen.
start_slow_farm 8
time_until_ms 10000 seen_on_a _distcc._tcp '^distcc@hostb;.*"stats=3633"' ||
  fail "A does not see B's service with its stats port"
time_until_ms 10000 seen_on_a _distcc._tcp '^distcc@hosta;.*"stats=3633"' ||
  fail "A does not see its own service with its stats port"

# A server without --stats, in the static list, and a static address where
# nothing answers at all (no host has it: connects hang) and one whose
# stats port accepts and never says a word.
start_herdccd 127.0.0.5 3632 --allow 127.0.0.0/8
# and one with --stats whose --allow leaves this machine out
start_herdccd 127.0.0.7 3632 --stats --allow 10.99.0.0/16
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.6", 3633)); s.listen(64)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)   # accepted, never answered
' &
STARTED_PIDS+=($!)
wait_for port_open 127.0.0.6 3633 || fail "the silent stats listener did not start"
TOP_HOSTS="+zeroconf 127.0.0.5:3632/1 10.213.0.77:3632/1 127.0.0.6:3632/1 127.0.0.7:3632/1"

# top_once OUT: one snapshot with the full host list, its time in TOP_MS.
top_once() {
  local start
  start=$(now_ms)
  HERDCC_HOSTS=$TOP_HOSTS timeout 20 "$HERDCC_TOP_BIN" --once >"$1" 2>"$1.err" ||
    { cat "$1" "$1.err"; fail "herdcc-top --once failed"; }
  TOP_MS=$(($(now_ms) - start))
}
# server_line OUT NAME: NAME's line of the servers table.
server_line() { awk -v n="$2" '$2 == n' "$1"; }

# The client's discovery cache holds both servers before the build: a
# compile that found a cold cache holding A alone would wait there.
both_cached() {
  [ "$("$HERDCC_BIN" --show-hosts 2>/dev/null | grep -c '^10\.213\.0\.[12]:3632')" -eq 2 ]
}
time_until_ms 20000 both_cached ||
  { "$HERDCC_BIN" --show-hosts; fail "the discovery cache lacks A or B"; }

say "a build of six slow compiles through +zeroconf"
for i in 1 2 3 4 5 6; do
  printf 'int f%d(int x) { return x * %d; }\n' "$i" "$i" >"$T/src/unit$i.c"
done
(cd "$T/src" && for i in 1 2 3 4 5 6; do
  HERDCC_LOG=$T/build-$i.log "$HERDCC_BIN" slowcc -O2 -c "unit$i.c" -o "unit$i.o" &
done; wait) &
BUILD_PID=$!
STARTED_PIDS+=("$BUILD_PID")

# server_jobs OUT HOST: the rows of this client's jobs in the table of
# distcc@HOST's current jobs.
server_jobs() {
  sed -n "/^JOBS ON distcc@$2 /,/^\$/p" "$1" |
    grep -cE "^$A_ADDR:[0-9]+ +(waiting|receive|compile|send) +[0-9.]+[KMG]? +[0-9]+s +[0-9]+ +([0-9.]+[KMG]?/s|-) +unit[1-6]\.c$" || true
}
# Both servers compiling and every job visible: the snapshot to check.
busy() {
  top_once "$T/top"
  [ "$(grep -cE '^ *[0-9]+ +compile +10\.213\.0\.[12]:3632 ' "$T/top")" -ge 4 ] &&
    [ "$(server_jobs "$T/top" hosta)" -ge 1 ] &&
    [ "$(server_jobs "$T/top" hostb)" -ge 1 ]
}
time_until_ms 15000 busy ||
  { cat "$T/top" "$T/top.err" "$HERDCC_DIR/zeroconf/hosts" "$T"/build-*.log; ls -l "$HERDCC_DIR/jobs" || true
    fail "herdcc-top never showed both servers compiling"; }
cat "$T/top"

say "the servers table"
line_a=$(server_line "$T/top" distcc@hosta)
line_b=$(server_line "$T/top" distcc@hostb)
[[ $line_a =~ ^mdns\ +distcc@hosta\ +$A_ADDR:3632\ +[1-2]/2\ +[0-9.]+\ +[0-9]+\ +[0-9]+\ +ok$ ]] ||
  fail "A's line: '$line_a'"
[[ $line_b =~ ^mdns\ +distcc@hostb\ +$B_ADDR:3632\ +[1-3]/3\ +[0-9.]+\ +[0-9]+\ +[0-9]+\ +ok$ ]] ||
  fail "B's line: '$line_b'"
say "A: $line_a"
say "B: $line_b"
line=$(server_line "$T/top" 127.0.0.5)
[[ $line =~ ^static\ +127\.0\.0\.5\ +127\.0\.0\.5:3632\ +-/1\ .*\ no\ stats ]] ||
  fail "the server without --stats: '$line'"
line=$(server_line "$T/top" 10.213.0.77)
[[ $line =~ \ unreachable: ]] || fail "the black-holed address: '$line'"
line=$(server_line "$T/top" 127.0.0.6)
[[ $line =~ \ unreachable:\ stats\ port\ 3633:\ no\ answer ]] ||
  fail "the silent stats port: '$line'"
line=$(server_line "$T/top" 127.0.0.7)
[[ $line =~ \ refused:\ .*access\ denied ]] || fail "the server whose --allow leaves us out: '$line'"
say "no stats, refused, black hole and silent port shown as such; the snapshot took $TOP_MS ms"

say "herdcc --stats runs herdcc-top --once (found on PATH from the build tree)"
PATH=$(dirname "$HERDCC_TOP_BIN"):$PATH HERDCC_HOSTS=$TOP_HOSTS timeout 20 \
  "$HERDCC_BIN" --stats >"$T/stats" 2>"$T/stats.err" ||
  { cat "$T/stats" "$T/stats.err"; fail "herdcc --stats failed"; }
[[ $(server_line "$T/stats" distcc@hosta) =~ \ ok$ ]] &&
  [[ $(server_line "$T/stats" distcc@hostb) =~ \ ok$ ]] ||
  { cat "$T/stats"; fail "herdcc --stats does not show both servers"; }
PATH=/nonexistent "$HERDCC_BIN" --stats 2>"$T/stats.err" && fail "--stats without herdcc-top"
[ $? -eq 110 ] && grep -q "failed to exec herdcc-top" "$T/stats.err" ||
  fail "--stats without herdcc-top: $(cat "$T/stats.err")"
[ "$TOP_MS" -lt 5000 ] || fail "--once took $TOP_MS ms with unreachable servers"

say "the local jobs: phase, host, connection and send rate"
grep -qE "^LOCAL JOBS$" "$T/top" || fail "no local jobs table"
# ... with the connection and the client's send rate ("-" while its digest
# offer waits for the server's answer, before any source is sent), and
# nothing received yet
link='tcp:3632/(none|lzo|zlib) +([0-9.]+[KMG]?/s|-) +-'
n_a=$(grep -cE "^ *[0-9]+ +compile +$A_ADDR:3632 +[0-9-]+ +[0-9]+s +$link +unit[1-6]\.c$" "$T/top" || true)
n_b=$(grep -cE "^ *[0-9]+ +compile +$B_ADDR:3632 +[0-9-]+ +[0-9]+s +$link +unit[1-6]\.c$" "$T/top" || true)
[ "$n_a" -ge 1 ] && [ "$n_b" -ge 1 ] || fail "local jobs on A: $n_a, on B: $n_b"
# A job that has sent its source shows the rate it sent at (one may not
# have, in the snapshot above: its digest offer still waiting).
send_rate_shown() {
  top_once "$T/top-rate"
  grep -qE "^ *[0-9]+ +compile +10\.213\.0\.[12]:3632 +[0-9-]+ +[0-9]+s +tcp:3632/[a-z]+ +[0-9.]+[KMG]?/s " "$T/top-rate"
}
time_until_ms 15000 send_rate_shown || { cat "$T/top-rate"; fail "no job with a send rate"; }
[ "$n_a" -le 2 ] && [ "$n_b" -le 3 ] || fail "more local jobs than slots: A $n_a, B $n_b"
say "local jobs compiling: $n_a on A, $n_b on B"

say "each server's current jobs, from its stats endpoint"
for host in hosta hostb; do
  n=$(server_jobs "$T/top" $host)
  [ "$n" -ge 1 ] || fail "no job of A's client on $host"
  say "$host runs $n of this client's jobs: $(sed -n "/^JOBS ON distcc@$host /p" "$T/top")"
done

say "each server's details: uptime, configuration, results by kind, throughput, cache"
for host in hosta hostb; do
  details=$(sed -n "/^DETAILS OF distcc@$host\$/,/^\$/p" "$T/top")
  grep -qE "^  up [0-9]+[smhd].*, port 3632, stats port 3633, [23] slots, [0-9]+ cpus, lzo, mdns$" <<<"$details" &&
    grep -qE "^  jobs done [0-9]+: ok [0-9]+ compile_error [0-9]+ refused [0-9]+ timeout [0-9]+ client_gone [0-9]+ busy [0-9]+ protocol [0-9]+ other [0-9]+$" <<<"$details" &&
    grep -qE "^  received [0-9.]+[KMG]? at ([0-9.]+[KMG]?/s|-), sent [0-9.]+[KMG]? at ([0-9.]+[KMG]?/s|-), [0-9.]+ jobs/min" <<<"$details" &&
    grep -qE "^  accepted [0-9]+" <<<"$details" &&
    grep -qE "^  result cache [0-9.]+[KMG]? of [0-9.]+[KMG]?, [0-9]+ entries: [0-9]+ hits \([0-9]+%\), [0-9]+ misses, [0-9]+ stored, 0 evicted$" <<<"$details" ||
    { cat "$T/top"; fail "the details of $host are not all there"; }
  sed 's/^/   /' <<<"$details"
done

say "a hostile status server: A's document with terminal controls in its strings"
cat >"$T/hostile.py" <<'PY'
import json, socket, sys
src, addr = sys.argv[1], sys.argv[2]
c = socket.create_connection((src, 3633), timeout=5)
c.sendall(b"GET /json HTTP/1.0\r\n\r\n")
data = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    data += b
doc = json.loads(data.split(b"\r\n\r\n", 1)[1])
assert doc["jobs"], "no jobs to tamper with"
for j in doc["jobs"]:
    j["source"] = "\u001b[2J\u001b]0;owned\u0007\u009b31m" + j["source"]
    j["client"] = "\u009b2J" + j["client"][:40]
body = json.dumps(doc).encode()  # ASCII: every control as a \u escape
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 3633))
s.listen(8)
while True:
    k, _ = s.accept()
    k.recv(4096)
    k.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
    k.close()
PY
python3 "$T/hostile.py" "$A_ADDR" 127.0.0.8 2>"$T/hostile.log" &
STARTED_PIDS+=($!)
wait_for port_open 127.0.0.8 3633 || { cat "$T/hostile.log"; fail "the hostile server did not start"; }
TOP_HOSTS="$TOP_HOSTS 127.0.0.8:3632/1"
top_once "$T/top-hostile"
sed -n '/^JOBS ON 127.0.0.8 /,/^$/p' "$T/top-hostile"
grep -q '^JOBS ON 127.0.0.8 127.0.0.8:3632: [1-9]' "$T/top-hostile" ||
  { cat "$T/top-hostile"; fail "the hostile server's jobs are not shown"; }
grep -qF '?[2J?]0;owned??31munit' "$T/top-hostile" ||
  fail "the hostile source names are not shown defused"
if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$T/top-hostile"; then
  fail "herdcc-top --once wrote control characters: $(cat -v "$T/top-hostile" | grep -F '^[')"
fi
say "controls from the server shown as '?', none written"

say "the live mode draws in place and gives the terminal back on SIGINT"
HERDCC_HOSTS=$TOP_HOSTS COLUMNS=100 LINES=30 timeout 20 script -qfec \
  "stty cols 100 rows 30; exec $HERDCC_TOP_BIN --delay 0.5" "$T/live.raw" \
  </dev/null >/dev/null 2>&1 &
LIVE=$!
STARTED_PIDS+=("$LIVE")
live_drawn() { [ "$(grep -c 'SERVERS' "$T/live.raw" 2>/dev/null)" -ge 2 ]; }
wait_for live_drawn || { cat -v "$T/live.raw"; fail "no two frames drawn"; }
# timeout -> script -> herdcc-top (the shell execs it)
script_pid=$(pgrep -P "$LIVE")
top_pid=$(pgrep -P "$script_pid")
[ "$(cat "/proc/$top_pid/comm")" = herdcc-top ] || fail "no herdcc-top under script"
kill -INT "$top_pid"
wait_for pid_gone "$top_pid" || fail "herdcc-top did not stop on SIGINT"
wait_for pid_gone "$LIVE" || fail "script did not end after herdcc-top"
grep -q $'\e\\[?1049h' "$T/live.raw" || fail "no alternate screen"
grep -q $'\e\\[H' "$T/live.raw" || fail "frames not drawn from the home position"
# the last two control sequences written: cursor shown, main screen back
last=$(grep -ao $'\e\\[[?0-9;]*[a-zA-Z]' "$T/live.raw" | tail -n 2 | cat -v | tr '\n' ' ')
[ "$last" = '^[[?25h ^[[?1049l ' ] ||
  { tail -c 300 "$T/live.raw" | cat -v; fail "the terminal was not restored: $last"; }
say "two frames or more, terminal restored"

say "server B stops: herdcc-top shows it unreachable or drops it"
kill "$HERDCCD_B"
b_gone() {
  top_once "$T/top-after"
  line=$(server_line "$T/top-after" distcc@hostb)
  [ -z "$line" ] || [[ $line =~ \ unreachable ]]
}
time_until_ms 15000 b_gone || { cat "$T/top-after"; fail "B still shown: '$line'"; }
if [ -z "$line" ]; then
  say "B left the list $ELAPSED_MS ms after it stopped"
else
  say "B shown unreachable after $ELAPSED_MS ms: $line"
fi
# SIGTERM: herdccd withdraws its service, and the discovery cache drops it
b_dropped() {
  top_once "$T/top-after"
  [ -z "$(server_line "$T/top-after" distcc@hostb)" ]
}
time_until_ms 15000 b_dropped || { cat "$T/top-after"; fail "withdrawn B still listed"; }
say "withdrawn B left the list $ELAPSED_MS ms later"
line_a=$(server_line "$T/top-after" distcc@hosta)
[[ $line_a =~ \ ok$ ]] || fail "A after B stopped: '$line_a'"

# The build's clients and the detached discovery refresher would still be
# writing in $T while the cleanup removes it: stop them first (every
# process in this PID namespace is the test's).
kill "$BUILD_PID" 2>/dev/null || true
ours=()
for exe in /proc/[0-9]*/exe; do
  case "$(readlink "$exe" 2>/dev/null)" in
    "$HERDCC_BIN" | "$HERDCC_DISCOVER") p=${exe#/proc/}; ours+=("${p%/exe}") ;;
  esac
done
for p in ${ours[@]+"${ours[@]}"}; do
  kill "$p" 2>/dev/null || true
done
for p in ${ours[@]+"${ours[@]}"}; do
  wait_for pid_gone "$p" || fail "process $p did not stop"
done
say "stopped ${#ours[@]} clients and refreshers still running"
say "PASS"
