#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdcc-top and herdcc-monitor say the same thing about the same server:
# both show the farm library's server model. One farm, in the host list:
# a healthy herdccd --stats, one whose --allow leaves this machine out
# (its stats port answers 403), one that was killed (its ports closed) and
# one whose host is gone (an address on a link where nothing ever
# answers). `herdcc-top --once` and the GTK monitor's --self-test listing
# (under Xvfb) must show every server in the same state with the same
# reason, and those states must be the right ones. Skipped (77) only in a
# build without the monitor.
. "$(dirname "$0")/lib.sh"
if [ -z "${HERDCC_MONITOR_BIN:-}" ]; then
  echo "herdcc-monitor is not built (-Dmonitor=disabled)"
  exit 77
fi
for prog in dbus-run-session Xvfb xwininfo ip; do # iproute2
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
: "${HERDCC_TOP_BIN:?HERDCC_TOP_BIN must name the built herdcc-top}"
isolate "$@"

export HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0
mkdir -p "$HERDCC_DIR"

say "a healthy, a refusing, a killed server and a host that is gone"
start_herdccd 127.0.0.2 3632 --stats --allow 127.0.0.0/8
start_herdccd 127.0.0.3 3632 --stats --allow 10.99.0.0/16
start_herdccd 127.0.0.4 3632 --stats --allow 127.0.0.0/8
KILLED=${STARTED_PIDS[-1]}
wait_for port_open 127.0.0.4 3633 || fail "the third herdccd has no stats port"
kill -KILL "$KILLED"
wait_for bash -c '! (exec 3<>/dev/tcp/127.0.0.4/3633)' || fail "the killed herdccd still listens"
# A link where nobody answers: connects to 10.77.0.2 wait on ARP (past
# both monitors' deadlines) before they fail.
ip link add gone0 type veth peer name gone1
ip addr add 10.77.0.1/24 dev gone0
ip link set gone0 up
ip link set gone1 up
export HERDCC_HOSTS="127.0.0.2:3632/2 127.0.0.3:3632/2 127.0.0.4:3632/2 10.77.0.2:3632/2"
SERVERS="127.0.0.2 127.0.0.3 127.0.0.4 10.77.0.2"

say "an X server (Xvfb) of our own"
mkdir -p /tmp/.X11-unix
mount -t tmpfs tmpfs /tmp/.X11-unix
Xvfb -displayfd 3 -nolisten tcp -screen 0 1024x768x24 3>"$T/display" \
  2>"$T/xvfb.log" &
STARTED_PIDS+=($!)
wait_for test -s "$T/display" || { cat "$T/xvfb.log"; fail "Xvfb did not start"; }
export DISPLAY=:$(cat "$T/display")
wait_for xwininfo -root >/dev/null || fail "Xvfb does not answer"

say "herdcc-monitor, with its self-test listing"
LISTING=$T/monitor.txt
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 NO_AT_BRIDGE=1 \
  G_DEBUG=fatal-criticals GDK_BACKEND=x11 LC_ALL=C.UTF-8 LANGUAGE= \
  dbus-run-session -- sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/monitor.pid" \
  "$HERDCC_MONITOR_BIN" --self-test="$LISTING" >"$T/monitor.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for test -s "$T/monitor.pid" || fail "the monitor did not start"
STARTED_PIDS+=("$(cat "$T/monitor.pid")")

# A refusal names the connection it refused (our source port): the same
# reason with another port is the same thing said.
same_port() { sed -E 's/(127\.0\.0\.1):[0-9]+/\1:PORT/g'; }
# gtk_state NAME: the State column of NAME's row in the listing.
gtk_state() {
  awk -F'\t' -v n="$1" '$1 == "server" && $2 == n { print $5 }' "$LISTING" 2>/dev/null | same_port
}
# Every server asked (no longer "unknown") at least once.
all_asked() {
  local n st
  for n in $SERVERS; do
    st=$(gtk_state "$n")
    [ -n "$st" ] && [ "${st%%:*}" != unknown ] || return 1
  done
}
for i in $(seq 1 300); do all_asked && break; sleep 0.1; done
all_asked || { cat "$LISTING" "$T/monitor.log" || true; fail "the monitor never asked every server"; }

say "herdcc-top --once"
LC_ALL=C.UTF-8 timeout 20 "$HERDCC_TOP_BIN" --once >"$T/top" 2>"$T/top.err" ||
  { cat "$T/top" "$T/top.err"; fail "herdcc-top --once failed"; }
cat "$T/top"
# top_state NAME: the STATE column (the last, after seven without blanks).
top_state() {
  awk -v n="$1" '$2 == n' "$T/top" | sed -E 's/^ *([^ ]+ +){7}//' | same_port
}

say "both say the same of every server"
declare -A want=(
  [127.0.0.2]='^ok$'
  [127.0.0.3]='^refused: .*access denied'
  [127.0.0.4]='^no stats: stats port 3633: connection refused$'
  [10.77.0.2]='^unreachable: stats port 3633: no answer in time$'
)
# The monitor asks every 2 s: a state it shows may be one round older
# than top's; they must meet within a few rounds.
for n in $SERVERS; do
  t=$(top_state "$n")
  [[ $t =~ ${want[$n]} ]] || fail "herdcc-top says of $n: '$t'"
  for i in $(seq 1 100); do [ "$(gtk_state "$n")" = "$t" ] && break; sleep 0.1; done
  g=$(gtk_state "$n")
  [ "$g" = "$t" ] || fail "of $n herdcc-top says '$t', herdcc-monitor '$g'"
  say "$n: $t"
done

kill -TERM "$(cat "$T/monitor.pid")"
! grep -E "(CRITICAL|WARNING|ERROR|Sanitizer|runtime error)" "$T/monitor.log" ||
  fail "the monitor complained"
say "PASS"
