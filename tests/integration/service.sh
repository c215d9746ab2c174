#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdccd as a system service: `systemd-analyze verify` accepts the units
# (offline: systemd need not be PID 1; it checks the syntax, the keys, the
# commands and the dependencies, not a real start); readiness through
# $NOTIFY_SOCKET (READY=1 once the port accepts, MAINPID, STOPPING=1); a
# socket passed as systemd passes it (LISTEN_FDS) serves jobs; the log file
# is reopened on SIGHUP after logrotate's rename, also once root is
# dropped; the service script turns /etc/default/herdccd into options.
. "$(dirname "$0")/lib.sh"
: "${HERDCC_BUILD_DIR:?HERDCC_BUILD_DIR must name the build directory}"
isolate "$@"
HARNESS=$HERDCC_SOURCE_ROOT/tests/integration/sdharness.py
UNITS=$HERDCC_BUILD_DIR/data/systemd
# configure_file() keeps no mode: the installed script is 0755.
install -m 755 "$UNITS/herdccd-service" "$T/herdccd-service"
SCRIPT=$T/herdccd-service
mkdir -p "$T/src" "$T/state"
cd "$T/src"
printf 'int twice(int x) { return 2 * x; }\n' >x.c
gcc -c x.c -o ref.o
export DISTCC_DIR=$T/state DISTCC_BACKOFF_PERIOD=0 DISTCC_FALLBACK=0
unset HERDCC_HOSTS DISTCC_HOSTS HERDCC_LOG DISTCC_LOG

compile_on() { # ADDR:PORT OUT
  DISTCC_HOSTS=$1 DISTCC_VERBOSE=1 "$HERDCC_BIN" gcc -c x.c -o "$2" 2>"$T/err" ||
    { cat "$T/err"; fail "compile on $1 failed"; }
  grep -q "on $1 completed ok" "$T/err" || { cat "$T/err"; fail "not compiled on $1"; }
  cmp "$2" ref.o || fail "object from $1 differs"
}

if command -v systemd-analyze >/dev/null; then
  say "systemd-analyze verify accepts herdccd.service and herdccd.socket (offline)"
  mkdir "$T/units"
  # The installed unit names the installed script; here the build's.
  sed "s|^ExecStart=.*|ExecStart=$SCRIPT|" "$UNITS/herdccd.service" >"$T/units/herdccd.service"
  cp "$HERDCC_SOURCE_ROOT/data/systemd/herdccd.socket" "$T/units/"
  (cd "$T/units" && systemd-analyze verify --man=no herdccd.service herdccd.socket) \
    >"$T/verify.log" 2>&1 || { cat "$T/verify.log"; fail "systemd-analyze verify failed"; }
  [ ! -s "$T/verify.log" ] || { cat "$T/verify.log"; fail "systemd-analyze verify warned"; }
  grep -q '^Type=notify' "$T/units/herdccd.service" || fail "the unit is not Type=notify"
  ! grep -Eq '^(RestrictNamespaces=yes|ProtectKernelTunables|ProcSubset|ProtectProc)' \
    "$T/units/herdccd.service" || fail "the unit forbids what the job sandbox needs"
else
  say "systemd-analyze is not installed: the units are not verified"
fi

say "sd_notify: READY=1 with MAINPID once the port accepts, STOPPING=1 on SIGTERM"
for sock in "$T/notify" "@herdcc-test-notify-$$"; do
  python3 "$HARNESS" notify "$sock" 127.0.0.2 3700 -- "$HERDCCD_BIN" --no-detach --daemon \
    --log-stderr --listen 127.0.0.2 --port 3700 >"$T/notify.out" 2>"$T/notify.err" ||
    { cat "$T/notify.out" "$T/notify.err"; fail "sd_notify exchange failed ($sock)"; }
  grep -q '^datagram: READY=1 | MAINPID=' "$T/notify.out" || fail "no READY=1 datagram"
done
say "no NOTIFY_SOCKET: nothing sent, nothing breaks; a bad one is a warning"
NOTIFY_SOCKET=relative/path "$HERDCCD_BIN" --no-detach --log-stderr --listen 127.0.0.2 \
  --port 3701 --lifetime 2 2>"$T/bad-notify.log" || fail "a bad NOTIFY_SOCKET stopped herdccd"
grep -q "Failed to notify the service manager" "$T/bad-notify.log" || fail "no warning"

say "socket activation: a socket passed in LISTEN_FDS serves jobs"
# --port names a port nothing binds: the passed socket is the one served.
python3 "$HARNESS" listen 127.0.0.3 3702 -- "$HERDCCD_BIN" --no-detach --daemon \
  --log-stderr --log-level=info --port 3799 >"$T/listen.out" 2>"$T/listen.log" &
STARTED_PIDS+=($!)
wait_for port_open 127.0.0.3 3702 || fail "no listener"
wait_for grep -q "Ready:" "$T/listen.log" || { cat "$T/listen.log"; fail "not ready"; }
grep -q "Serving 1 socket(s) passed by the service manager" "$T/listen.log" ||
  { cat "$T/listen.log"; fail "the passed socket was not used"; }
! port_open 127.0.0.3 3799 || fail "herdccd bound its own port as well"
compile_on 127.0.0.3:3702 activated.o
say "stock distcc compiles through the passed socket too"
if command -v distcc >/dev/null; then
  (DISTCC_HOSTS=127.0.0.3:3702 distcc gcc -c x.c -o stock.o) || fail "distcc failed"
  cmp stock.o ref.o || fail "distcc's object differs"
fi

say "SIGHUP reopens the log file after a rename (logrotate's create), as the job user"
# As installed: started as root, herdccd runs as the job user, who owns
# the log directory (tmpfiles.d), so it can create the new file.
job_user=herdccd
id "$job_user" >/dev/null 2>&1 || job_user=nobody
start_hup() { # DIR PORT
  "$HERDCCD_BIN" --no-detach --log-file "$1/herdccd.log" --log-level=info \
    --listen 127.0.0.4 --port "$2" --user "$job_user" &
  pid=$!
  STARTED_PIDS+=($pid)
  wait_for port_open 127.0.0.4 "$2" || fail "herdccd on port $2 did not start"
}
mkdir -m 750 "$T/log"
chown "$job_user" "$T/log"
log=$T/log/herdccd.log
start_hup "$T/log" 3703
compile_on 127.0.0.4:3703 before.o
mv "$log" "$log.1"
kill -HUP "$pid"
wait_for test -e "$log" || { cat "$log.1"; fail "no new log file after SIGHUP"; }
compile_on 127.0.0.4:3703 after.o
wait_for grep -q "SIGHUP: log file reopened" "$log" || { cat "$log" "$log.1"; fail "no reopen line"; }
wait_for grep -q "Job from .*exit 0" "$log" || { cat "$log"; fail "the job after SIGHUP is not in the new file"; }
grep -q "Ready:" "$log.1" || fail "the old lines are not in the renamed file"
! grep -q "SIGHUP" "$log.1" || fail "lines after SIGHUP went to the renamed file"
[ "$(stat -c %U "$log")" = "$job_user" ] || fail "the new log file is not the job user's"
kill "$pid"
wait "$pid" || true
say "a log directory the job user cannot write: a warning, and the old file goes on"
mkdir "$T/log-root"
start_hup "$T/log-root" 3704
mv "$T/log-root/herdccd.log" "$T/log-root/herdccd.log.1"
kill -HUP "$pid"
wait_for grep -q "Failed to reopen the log file" "$T/log-root/herdccd.log.1" ||
  fail "no warning about the failed reopen"
compile_on 127.0.0.4:3704 denied.o
wait_for grep -q "Job from .*exit 0" "$T/log-root/herdccd.log.1" || fail "logging stopped"
kill -0 "$pid" || fail "herdccd stopped on SIGHUP"
kill "$pid"
wait "$pid" || true

say "the service script: /etc/default/herdccd's settings become options"
LISTEN="127.0.0.5 127.0.0.6" PORT=3705 ALLOW="127.0.0.0/8" JOBS=2 NICE=3 STATS=yes \
  STATS_PORT=3706 LOG_FILE=$T/service.log LOG_LEVEL=info OPTIONS="--max-pending 50" \
  ZEROCONF=no HERDCCD=$HERDCCD_BIN "$SCRIPT" &
pid=$!
STARTED_PIDS+=($pid)
wait_for port_open 127.0.0.6 3705 || { cat "$T/service.log"; fail "service script: no listener"; }
port_open 127.0.0.5 3705 || fail "service script: not on the first LISTEN address"
wait_for port_open 127.0.0.5 3706 || fail "service script: no stats port"
[ "$(cat /proc/$pid/comm)" = herdccd ] || fail "the script did not exec herdccd"
tr '\0' ' ' </proc/$pid/cmdline | grep -q -- "--no-detach --daemon .*--jobs 2 --nice 3 .*--max-pending 50" ||
  fail "options: $(tr '\0' ' ' </proc/$pid/cmdline)"
compile_on 127.0.0.6:3705 script.o
kill "$pid"
say "PASS"
