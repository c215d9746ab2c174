# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
# A private mDNS world for a test: a D-Bus system bus and a real
# avahi-daemon inside the test's own network and mount namespaces (see
# lib.sh's isolate), answering on the interfaces named. Source after lib.sh.
# Nothing here reaches the machine's real network.
#
# start_avahi NAME IFACE
#   The one-host case: host name NAME, a bus and an avahi-daemon on IFACE
#   in this namespace, files under $T/avahi-NAME. Exports
#   DBUS_SYSTEM_BUS_ADDRESS; sets AVAHI_PID and AVAHI_BUS_PID.
#
# The building blocks below also serve a host living in other namespaces
# (hosts2.sh). RUN is a command that runs a program in the host's
# namespaces in the foreground (run_here, or hosts2.sh's on_b); SPAWN is a
# command `SPAWN LOG PROGRAM ARGS...` that starts a program there in the
# background, in a session of its own, output appended to LOG, records its
# PID in STARTED_PIDS and sets SPAWNED_PID (spawn_here, or spawn_b).
#
#   run_here PROG ARGS...          RUN for this namespace
#   spawn_here LOG PROG ARGS...    SPAWN for this namespace
#   avahi_prepare NAME IFACE RUN   host name, a tmpfs on /run/avahi-daemon,
#                                  bus.conf and avahi.conf in $T/avahi-NAME
#   avahi_bus NAME SPAWN           the bus; sets AVAHI_BUS_PID
#   avahi_daemon NAME SPAWN        avahi-daemon, waited for (bounded) until
#                                  it logs "Server startup complete";
#                                  sets AVAHI_PID. It is the two halves
#                                  avahi_daemon_spawn NAME SPAWN (sets
#                                  AVAHI_PID) and avahi_daemon_wait NAME,
#                                  to start several daemons at once.
#   pid_alive PID / pid_gone PID   PID exists and is not a zombie / not
#   stop_pid PID [SIGNAL]          SIGNAL (TERM) to PID, at most 5 s for it
#                                  to exit, then KILL; takes the PID out of
#                                  STARTED_PIDS and the shell's job table
#   avahi_bus_address NAME         prints unix:path=$T/avahi-NAME/bus
#   check_private_net RUN          fails if RUN's network namespace is the
#                                  one the test was started in (or that is
#                                  unknown: source avahi.sh before isolate)

# The network namespace the test was started in, recorded before isolate
# re-executes the script (the inner copy inherits it): nothing that
# multicasts may start there.
if [ -z "${HERDCC_TEST_ISOLATED:-}" ]; then
  HERDCC_OUTER_NETNS=$(readlink /proc/self/ns/net)
  export HERDCC_OUTER_NETNS
fi

run_here() { "$@"; }

spawn_here() {
  local log=$1
  shift
  setsid "$@" >>"$log" 2>&1 </dev/null &
  SPAWNED_PID=$!
  STARTED_PIDS+=("$SPAWNED_PID")
}

check_private_net() {
  local ns
  ns=$("$@" readlink /proc/self/ns/net)
  if [ -z "${HERDCC_OUTER_NETNS:-}" ] || [ -z "$ns" ] ||
    [ "$ns" = "$HERDCC_OUTER_NETNS" ]; then
    fail "refusing to start mDNS outside a namespace of the test's own" \
      "(source avahi.sh before calling isolate)"
  fi
}

avahi_bus_address() { printf 'unix:path=%s/avahi-%s/bus\n' "$T" "$1"; }

avahi_prepare() {
  local name=$1 iface=$2 d=$T/avahi-$1
  shift 2
  check_private_net "$@"
  mkdir -p "$d"
  "$@" hostname "$name"
  [ -d /run/avahi-daemon ] || mkdir -p /run/avahi-daemon
  "$@" mount -t tmpfs tmpfs /run/avahi-daemon
  cat >"$d/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
  cat >"$d/avahi.conf" <<CONF
[server]
host-name=$name
use-ipv6=no
allow-interfaces=$iface
[wide-area]
enable-wide-area=no
[publish]
publish-workstation=no
publish-hinfo=no
publish-aaaa-on-ipv4=no
CONF
}

avahi_bus() {
  local d=$T/avahi-$1
  "$2" "$d/bus.log" dbus-daemon --config-file="$d/bus.conf" --nofork --nopidfile
  AVAHI_BUS_PID=$SPAWNED_PID
  wait_for test -S "$d/bus" || { cat "$d/bus.log" >&2; fail "D-Bus for $1 did not start"; }
}

declare -A AVAHI_STARTS=()

avahi_daemon_spawn() {
  local d=$T/avahi-$1
  AVAHI_STARTS[$1]=$(grep -c "Server startup complete" "$d/avahi.log" 2>/dev/null || true)
  "$2" "$d/avahi.log" avahi-daemon --no-drop-root --no-chroot --no-rlimits \
    -f "$d/avahi.conf"
  AVAHI_PID=$SPAWNED_PID
}

avahi_daemon_wait() {
  local d=$T/avahi-$1
  # shellcheck disable=SC2016
  wait_for sh -c '[ "$(grep -c "Server startup complete" "$1")" -gt "$2" ]' \
    sh "$d/avahi.log" "${AVAHI_STARTS[$1]:-0}" ||
    { cat "$d/avahi.log" >&2; fail "avahi-daemon for $1 did not start"; }
}

avahi_daemon() {
  avahi_daemon_spawn "$1" "$2"
  avahi_daemon_wait "$1"
}

# pid_alive PID: PID exists and is not a zombie.
pid_alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

pid_gone() { ! pid_alive "$1"; }

stop_pid() {
  local pid=$1 sig=${2:-TERM} keep=() p
  # Out of the job table, bash does not report the death on stderr.
  disown "$pid" 2>/dev/null || true
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_for pid_gone "$pid" || true
  fi
  for p in "${STARTED_PIDS[@]}"; do
    [ "$p" = "$pid" ] || keep+=("$p")
  done
  STARTED_PIDS=(${keep[@]+"${keep[@]}"})
}

start_avahi() {
  local name=$1 iface=$2
  avahi_prepare "$name" "$iface" run_here
  avahi_bus "$name" spawn_here
  DBUS_SYSTEM_BUS_ADDRESS=$(avahi_bus_address "$name")
  export DBUS_SYSTEM_BUS_ADDRESS
  avahi_daemon "$name" spawn_here
}
