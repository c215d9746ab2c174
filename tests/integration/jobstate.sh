#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Client job state files (herdcc.1, "JOB STATE FILES"): a compile through a
# real herdccd whose compiler is slow shows as a live job in phase
# "compile" on that host; its file goes when the client ends, normally or
# on SIGINT, SIGTERM or SIGHUP; a local compile shows as "local"; a jobs
# directory shared (sticky, world-writable) by root and nobody shows both
# users' jobs, each file owned by its user, and what one user leaves there
# to fool the other (a FIFO, a forged name) is not a job and hangs
# nothing; a client killed by SIGKILL leaves a file that is not counted as
# live and that the next scan of a user allowed to remove it cleans.
#
# The jobs are read with jobstate-list, a test tool that prints what
# jobstate_scan() (the monitors' reader) finds, and with herdcc-top --once.
. "$(dirname "$0")/lib.sh"
isolate "$@"
: "${HERDCC_JOBSTATE_LIST:?HERDCC_JOBSTATE_LIST must name the built jobstate-list}"
LIST=$HERDCC_JOBSTATE_LIST
for d in /etc/distcc /etc/herdcc /usr/local/etc/herdcc; do
  if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done

mkdir -p "$T/bin" "$T/server" "$T/src" "$T/state" "$T/home" "$T/nobody"
chown nobody "$T/nobody"
# slowcc is gcc on the client (the preprocessor); on the server it sleeps
# first, so that the job stays in phase "compile" long enough to be seen.
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/bin/slowcc"
printf '#!/bin/sh\nsleep 4\nexec gcc "$@"\n' >"$T/server/slowcc"
printf '#!/bin/sh\nsleep 3\nexec gcc "$@"\n' >"$T/bin/slowlocal"
chmod 755 "$T/bin/slowcc" "$T/server/slowcc" "$T/bin/slowlocal"
printf 'slowcc %s\n' "$T/server/slowcc" >"$T/compilers"
# --no-cache: every compile here must run the slow compiler, not a result
# the first one left.
start_herdccd 127.0.0.1 3632 --compilers "$T/compilers" --jobs 8 --no-cache
FARM=127.0.0.1:3632

cd "$T/src"
printf 'int main(void) { return 0; }\n' >x.c
cp x.c "$T/nobody/x.c"
unset HERDCC_HOSTS DISTCC_HOSTS DISTCC_DIR HERDCC_JOBS_DIR HERDCC_VERBOSE
export HOME=$T/home HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0
export PATH=$T/bin:$PATH
JOBS=$T/state/jobs

# has_job REGEX [LIST ARGS...]: a live job's line matches.
has_job() {
  local re=$1
  shift
  "$LIST" "$@" | grep -Eq -- "$re"
}
no_files() { [ -z "$(ls -A "$1")" ] || fail "left in $1: $(ls -A "$1")"; }

say "a remote compile is a job in phase compile on its host, gone when it ends"
HERDCC_HOSTS=$FARM/1 "$HERDCC_BIN" slowcc -c x.c -o x.o 2>"$T/err" &
client=$!
wait_for has_job "^0 $client compile $FARM 0 x.c\$" ||
  { "$LIST" >&2; fail "no job of pid $client in phase compile on $FARM"; }
say "seen: $("$LIST")"

say "a second compile for the host's one slot waits in phase wait-slot"
HERDCC_HOSTS=$FARM/1 "$HERDCC_BIN" slowcc -c x.c -o w.o 2>/dev/null &
waiter=$!
wait_for has_job "^0 $waiter wait-slot - -1 x.c\$" ||
  { "$LIST" >&2; fail "no job of pid $waiter in phase wait-slot"; }
kill -INT "$waiter"
wait "$waiter" || true
if [ -x "${HERDCC_TOP_BIN:-}" ]; then
  HERDCC_HOSTS=$FARM "$HERDCC_TOP_BIN" --once >"$T/top" 2>&1 || true
  grep -Eq "^ *$client +compile +$FARM " "$T/top" ||
    { cat "$T/top" >&2; fail "herdcc-top --once does not list job $client"; }
  say "herdcc-top --once lists it too"
  # the connection (TCP, the port, protocol 1's bodies as they are) and
  # the client's throughput while it sent the source; nothing received yet
  grep -Eq "^ *$client +compile +$FARM +0 +[0-9]+s +tcp:3632/none +[0-9.]+[KMG]?/s +- +x\.c$" "$T/top" ||
    { cat "$T/top" >&2; fail "herdcc-top does not show job $client's connection and send rate"; }
  say "its link and send rate: $(grep -E "^ *$client " "$T/top" | awk '{ print $6, $7 }')"
fi
wait "$client" || fail "the compile failed: $(cat "$T/err")"
[ -s x.o ] || fail "no object"
no_files "$JOBS"

for sig in INT TERM HUP; do
  say "SIG$sig during the remote compile: the client ends and its file goes"
  HERDCC_HOSTS=$FARM "$HERDCC_BIN" slowcc -c x.c -o s.o 2>"$T/err" &
  client=$!
  wait_for has_job "^0 $client compile " || fail "no job of pid $client"
  # as if the signal came while a phase change was half done
  : >"$JOBS/.job-0-$client.tmp"
  kill "-$sig" "$client"
  rc=0
  wait "$client" || rc=$?
  want=$((128 + $(kill -l "$sig")))
  [ "$rc" -eq "$want" ] || fail "exit $rc after SIG$sig, wanted $want"
  no_files "$JOBS"
  [ ! -e s.o ] || fail "an object after SIG$sig"
done

say "a local compile is a job in phase local on localhost"
HERDCC_HOSTS=localhost "$HERDCC_BIN" slowlocal -c x.c -o l.o 2>"$T/err" &
client=$!
wait_for has_job "^0 $client local localhost 0 x.c\$" ||
  { "$LIST" >&2; fail "no local job of pid $client"; }
wait "$client" || fail "the local compile failed: $(cat "$T/err")"
no_files "$JOBS"

say "SIGTERM during a local compile: the file goes"
HERDCC_HOSTS=localhost "$HERDCC_BIN" slowlocal -c x.c -o l.o 2>"$T/err" &
client=$!
wait_for has_job "^0 $client local " || fail "no local job of pid $client"
kill -TERM "$client"
rc=0
wait "$client" || rc=$?
[ "$rc" -eq 143 ] || fail "exit $rc after SIGTERM"
no_files "$JOBS"

say "what is not a compile (a link, run in place of herdcc) is no job"
gcc -c x.c -o link.o
HERDCC_HOSTS=$FARM "$HERDCC_BIN" slowlocal link.o -o prog 2>"$T/err" &
client=$!
sleep 1 # slowlocal sleeps 3 s before it links
[ -z "$(ls -A "$JOBS")" ] || fail "a link has a job file: $(ls -A "$JOBS")"
wait "$client" || fail "the link failed: $(cat "$T/err")"
[ -x prog ] || fail "the link did not run"

say "HERDCC_JOBS_DIR shared by root and nobody (sticky, world-writable)"
SHARED=$T/shared
mkdir -m 1777 "$SHARED"
export HERDCC_JOBS_DIR=$SHARED
HERDCC_HOSTS=$FARM/4 "$HERDCC_BIN" slowcc -c x.c -o r.o 2>"$T/err-root" &
root_client=$!
(cd "$T/nobody" && HOME=$T/nobody HERDCC_DIR=$T/nobody/state \
  HERDCC_HOSTS=$FARM/4 exec setpriv --reuid=nobody --regid=nogroup \
  --clear-groups "$HERDCC_BIN" slowcc -c x.c -o n.o) 2>"$T/err-nobody" &
nobody_client=$!
nobody_uid=$(id -u nobody)
both() {
  has_job "^0 $root_client compile $FARM " "$@" &&
    has_job "^$nobody_uid $nobody_client compile $FARM " "$@"
}
wait_for both || { "$LIST" >&2; fail "not both jobs seen"; }
say "root sees: $("$LIST" | tr '\n' ';')"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody "$LIST" --keep "$SHARED" | grep -Eq "^0 $root_client compile " ||
  fail "nobody does not see root's job"
[ "$(stat -c '%U %a' "$SHARED/job-0-$root_client")" = "root 644" ] ||
  fail "root's file: $(stat -c '%U %a' "$SHARED/job-0-$root_client")"
[ "$(stat -c '%U %a' "$SHARED/job-$nobody_uid-$nobody_client")" = "nobody 644" ] ||
  fail "nobody's file: $(stat -c '%U %a' "$SHARED/job-$nobody_uid-$nobody_client")"

say "what nobody leaves there to fool root is not a job, and hangs nothing"
as_nobody mkfifo "$SHARED/job-$nobody_uid-1"
# its own valid file under root's uid: the name and the owner disagree
as_nobody cp "$SHARED/job-$nobody_uid-$nobody_client" "$SHARED/job-0-$nobody_client"
# a link to root's file under nobody's name for root's pid
as_nobody ln -s "$SHARED/job-0-$root_client" "$SHARED/job-$nobody_uid-$root_client"
timeout 10 "$LIST" >"$T/seen" || fail "the scan failed or hung"
[ "$(wc -l <"$T/seen")" -eq 2 ] || { cat "$T/seen" >&2; fail "not exactly the two jobs"; }
wait "$root_client" || fail "root's compile failed: $(cat "$T/err-root")"
wait "$nobody_client" || fail "nobody's compile failed: $(cat "$T/err-nobody")"
[ -e "$SHARED/job-0-$root_client" ] && fail "root's file left"
[ -e "$SHARED/job-$nobody_uid-$nobody_client" ] && fail "nobody's file left"
rm -f "$SHARED"/*

say "a client killed by SIGKILL: its file is stale, not a job; a scan cleans it"
HERDCC_HOSTS=$FARM "$HERDCC_BIN" slowcc -c x.c -o k.o 2>/dev/null &
client=$!
wait_for has_job "^0 $client compile " || fail "no job of pid $client"
kill -KILL "$client"
wait "$client" || true
[ -e "$SHARED/job-0-$client" ] || fail "SIGKILL left no file (nothing to test)"
[ -z "$("$LIST" --keep)" ] || fail "a dead client counted as live: $("$LIST" --keep)"
as_nobody "$LIST" "$SHARED" >/dev/null || fail "nobody's scan failed"
[ -e "$SHARED/job-0-$client" ] || fail "nobody removed root's file in a sticky directory"
"$LIST" >/dev/null
[ -e "$SHARED/job-0-$client" ] && fail "root's scan left the stale file"
[ -e "$SHARED/.job-0-$client.tmp" ] && fail "root's scan left the stale spare file"
say "PASS"
