# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
# Two hosts on one private link, for the zeroconf tests. Source after
# lib.sh and avahi.sh; call isolate before anything below.
#
# Host A is the test's own namespaces (lib.sh's isolate: network, mount,
# UTS, PID). Host B is a nested network + mount + UTS namespace held open by
# an agent process (`sleep infinity`). B shares A's PID namespace: every
# process on B is a process of the test, visible and killable by PID from A,
# and killed with the test in any case. A veth pair joins them:
#
#   host A: hostname hosta, interface $A_IF=vA, address $A_ADDR=10.213.0.1
#   host B: hostname hostb, interface $B_IF=vB, address $B_ADDR=10.213.0.2
#   $HOSTS2_NET=10.213.0.0/24. IPv6 is off in both namespaces (avahi would
#   otherwise resolve to scope-less fe80:: addresses).
#
# Each host has its own D-Bus system bus ($A_BUS, $B_BUS: the addresses),
# its own avahi-daemon answering on its own interface only, its own tmpfs
# on /run/avahi-daemon; files under $T/avahi-hosta and $T/avahi-hostb
# (avahi.log, bus.log, the configs).
#
# start_hosts              start_host_b, then start_avahi_a and
#                          start_avahi_b with the two daemons started side
#                          by side (each spends about a second probing).
#                          For B without avahi-daemon: start_host_b,
#                          start_avahi_a and avahi_bus_b (B's bus alone).
# start_host_b             B's namespaces, the link, the addresses; sets
#                          B_PID (the agent); waits until both ends are up
# on_b PROG ARGS...        run PROG on B in the foreground and return its
#                          status. PROG is a program, not a shell function
#                          (`on_b sh -c '...'` for shell). It keeps the
#                          caller's environment and working directory, with
#                          DBUS_SYSTEM_BUS_ADDRESS=$B_BUS.
# spawn_b LOG PROG ARGS... PROG on B in the background (environment as for
#                          on_b), in a session of its own, output appended
#                          to LOG. Sets SPAWNED_PID (PROG's own PID) and
#                          records it in STARTED_PIDS, which cleanup kills.
# spawn_a LOG PROG ARGS... the same on A (avahi.sh's spawn_here)
# start_avahi_a            A's bus and avahi-daemon on vA; exports
#                          DBUS_SYSTEM_BUS_ADDRESS=$A_BUS for everything the
#                          test runs on A. Sets A_BUS_PID, A_AVAHI_PID.
# start_avahi_b            B's bus and avahi-daemon on vB. Sets B_BUS_PID,
#                          B_AVAHI_PID.
# avahi_bus_a, avahi_bus_b the first halves of those: host name, tmpfs,
#                          configs and bus (A's exports the address);
#                          start_avahi_daemon_a/_b are the second halves
# stop_avahi_b [SIGNAL]    stop B's avahi-daemon and wait for it to exit
#                          (TERM, the default: it says goodbye first, and
#                          A drops the service a second later; KILL: a
#                          crash, no goodbye, A keeps its cached record).
#                          B's bus stays up.
# start_avahi_daemon_b     start B's avahi-daemon again after stop_avahi_b,
#                          waiting for "Server startup complete"
# restart_avahi_b [SIGNAL] both; stop_avahi_a, start_avahi_daemon_a and
#                          restart_avahi_a do the same on A
# start_slow_farm SECONDS  the monitors' farm: herdccd --zeroconf --stats
#                          on A (2 slots) and on B (3 slots), one speed
#                          announced by both, with a
#                          compiler "slowcc" that is gcc on the client and
#                          gcc after SECONDS of sleep on the servers, so
#                          jobs stay in the compile phase to be looked at
#                          ($T/client-bin first on PATH); sets HERDCCD_A,
#                          HERDCCD_B; waits until both listen on 3632 and
#                          3633. a_listens PORT is b_listens for A.
# b_listens PORT           something on B listens on TCP PORT (asked of the
#                          kernel: no connection is made)
# now_ms                   prints a millisecond clock
# time_until_ms LIMIT_MS CMD...
#                          runs CMD (which must bound itself; a function is
#                          fine) every 50 ms until it succeeds or LIMIT_MS
#                          have passed; sets ELAPSED_MS (from the call to
#                          the success); returns 1 on timeout
# browse_a TYPE / browse_b TYPE
#                          prints the resolved IPv4 services of TYPE seen
#                          from A / B (avahi-browse -rpt, at most 5 s), one
#                          a line: NAME;HOST;ADDRESS;PORT;TXT with NAME
#                          unescaped (distcc@hostb) and TXT as avahi-browse
#                          prints it ("cpus=2" "txtvers=1" ...)
# watch_browse_a TYPE LOG / watch_browse_b TYPE LOG
#                          a continuous `avahi-browse -rpk TYPE` on A / B in
#                          the background, its raw output appended to LOG
#                          line by line as events happen (WATCH_PID). For
#                          exact "time until visible / gone" measurements:
#                          time_until_ms 5000 watch_has LOG '^=;distcc@hostb;'
#                          time_until_ms 5000 watch_has LOG '^-;distcc@hostb;'
# browse_events LOG        LOG's IPv4 events, parsed: EVENT;NAME;HOST;
#                          ADDRESS;PORT;TXT (EVENT + new, - removed,
#                          = resolved; the fields after NAME only for =)
# watch_has LOG ERE        a line of browse_events LOG matches ERE
# seen_on_a TYPE ERE / seen_on_b TYPE ERE
#                          succeeds when a line of browse_a / browse_b
#                          matches the extended regular expression ERE
# dnssd_subtype [CC]       prints the DNS-SD subtype distcc derives from
#                          `CC -dumpmachine` and `CC -dumpversion` (CC is cc
#                          by default, as in distcc), e.g.
#                          _x86-64-linux-gnu--12._sub._distcc._tcp
# make_mini_project        writes a small C project (four sources and a
#                          header) to $T/mini; MINI_SOURCES lists the sources
# build_mini OUTDIR CC...  compiles every source with CC... -O2 -Wall -MD,
#                          four at a time, in $T/mini-work (the same
#                          directory for every build, so objects compare),
#                          then moves the objects and .d files to OUTDIR

A_IF=vA
B_IF=vB
A_ADDR=10.213.0.1
B_ADDR=10.213.0.2
HOSTS2_NET=10.213.0.0/24
A_BUS=$(avahi_bus_address hosta)
B_BUS=$(avahi_bus_address hostb)
B_PID=

on_b() {
  DBUS_SYSTEM_BUS_ADDRESS=$B_BUS nsenter -t "$B_PID" -n -m -u --wd="$PWD" -- "$@"
}

# nsenter without -p and setsid outside a process group leader both exec
# rather than fork: $! is the program itself.
spawn_b() {
  local log=$1
  shift
  (exec env DBUS_SYSTEM_BUS_ADDRESS="$B_BUS" \
    nsenter -t "$B_PID" -n -m -u --wd="$PWD" -- setsid "$@") \
    >>"$log" 2>&1 </dev/null &
  SPAWNED_PID=$!
  STARTED_PIDS+=("$SPAWNED_PID")
}

spawn_a() { spawn_here "$@"; }

# b_ready: the agent has left every namespace of ours but the PID one (until
# then nsenter -t $B_PID would enter A's own).
b_ready() {
  local n theirs
  pid_alive "$B_PID" || return 1
  for n in net mnt uts; do
    theirs=$(readlink "/proc/$B_PID/ns/$n") || return 1
    [ -n "$theirs" ] && [ "$theirs" != "$(readlink "/proc/$$/ns/$n")" ] || return 1
  done
}

# no_ipv6 RUN: IPv6 off in RUN's network namespace.
no_ipv6() {
  [ ! -d /proc/sys/net/ipv6 ] ||
    "$@" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# link_up RUN IFACE
link_up() { "$1" ip -o link show dev "$2" | grep -q 'state UP'; }

start_host_b() {
  [ -n "${HERDCC_TEST_ISOLATED:-}" ] || fail "start_host_b: call isolate first"
  [ -z "$B_PID" ] || fail "start_host_b: host B already runs"
  check_private_net run_here
  hostname hosta
  no_ipv6 run_here
  unshare --net --mount --uts --propagation private sleep infinity \
    </dev/null >/dev/null 2>&1 &
  B_PID=$!
  STARTED_PIDS+=("$B_PID")
  wait_for b_ready || fail "host B's namespaces did not appear"
  check_private_net on_b
  on_b hostname hostb
  no_ipv6 on_b
  on_b ip link set lo up
  ip link add "$A_IF" type veth peer name "$B_IF" netns "$B_PID"
  ip addr add "$A_ADDR/24" dev "$A_IF"
  on_b ip addr add "$B_ADDR/24" dev "$B_IF"
  ip link set "$A_IF" up
  on_b ip link set "$B_IF" up
  wait_for link_up run_here "$A_IF" || fail "$A_IF did not come up"
  wait_for link_up on_b "$B_IF" || fail "$B_IF did not come up"
  if [ -n "$(ip -6 -o addr show)" ] || [ -n "$(on_b ip -6 -o addr show)" ]; then
    fail "IPv6 addresses remain on host A or B"
  fi
}

avahi_bus_a() {
  avahi_prepare hosta "$A_IF" run_here
  avahi_bus hosta spawn_a
  A_BUS_PID=$AVAHI_BUS_PID
  export DBUS_SYSTEM_BUS_ADDRESS=$A_BUS
}

avahi_bus_b() {
  [ -n "$B_PID" ] || fail "start_avahi_b: start_host_b first"
  avahi_prepare hostb "$B_IF" on_b
  avahi_bus hostb spawn_b
  B_BUS_PID=$AVAHI_BUS_PID
}

# AVAHI_PID and AVAHI_BUS_PID come from avahi.sh.
# shellcheck disable=SC2153
start_avahi_daemon_a() {
  avahi_daemon hosta spawn_a
  A_AVAHI_PID=$AVAHI_PID
}

start_avahi_daemon_b() {
  avahi_daemon hostb spawn_b
  B_AVAHI_PID=$AVAHI_PID
}

start_avahi_a() { avahi_bus_a && start_avahi_daemon_a; }
start_avahi_b() { avahi_bus_b && start_avahi_daemon_b; }

start_hosts() {
  start_host_b
  avahi_bus_a
  avahi_bus_b
  avahi_daemon_spawn hosta spawn_a
  A_AVAHI_PID=$AVAHI_PID
  avahi_daemon_spawn hostb spawn_b
  B_AVAHI_PID=$AVAHI_PID
  avahi_daemon_wait hosta
  avahi_daemon_wait hostb
}

# A killed avahi-daemon leaves its pid file behind.
stop_avahi_a() {
  stop_pid "$A_AVAHI_PID" "${1:-TERM}"
  rm -f /run/avahi-daemon/pid
}

stop_avahi_b() {
  stop_pid "$B_AVAHI_PID" "${1:-TERM}"
  on_b rm -f /run/avahi-daemon/pid
}

restart_avahi_a() { stop_avahi_a "$@" && start_avahi_daemon_a; }
restart_avahi_b() { stop_avahi_b "$@" && start_avahi_daemon_b; }

b_listens() { [ -n "$(on_b ss -Hltn "sport = :$1")" ]; }
a_listens() { ss -Hltn "sport = :$1" | grep -q "$A_ADDR:$1 "; }

start_slow_farm() {
  mkdir -p "$T/bin" "$T/client-bin"
  printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/client-bin/slowcc"
  printf '#!/bin/sh\nsleep %s\nexec gcc "$@"\n' "$1" >"$T/bin/slowcc-server"
  chmod 755 "$T/client-bin/slowcc" "$T/bin/slowcc-server"
  printf 'slowcc %s\n' "$T/bin/slowcc-server" >"$T/compilers"
  export PATH=$T/client-bin:$PATH
  # A and B are one machine: they announce one speed. Measured a moment
  # apart on a loaded machine, A's could come out a third of B's, and the
  # invitation would leave A idle while the tests want both at work.
  spawn_a "$T/herdccd-a.log" "$HERDCCD_BIN" --no-detach --log-stderr \
    --listen "$A_ADDR" --allow "$HOSTS2_NET" --zeroconf --stats --jobs 2 \
    --compilers "$T/compilers" --speed 1000
  HERDCCD_A=$SPAWNED_PID
  spawn_b "$T/herdccd-b.log" "$HERDCCD_BIN" --no-detach --log-stderr \
    --listen "$B_ADDR" --allow "$HOSTS2_NET" --zeroconf --stats --jobs 3 \
    --compilers "$T/compilers" --speed 1000
  HERDCCD_B=$SPAWNED_PID
  local port
  for port in 3632 3633; do
    wait_for a_listens $port || { cat "$T/herdccd-a.log"; fail "herdccd on A: $port closed"; }
    wait_for b_listens $port || { cat "$T/herdccd-b.log"; fail "herdccd on B: $port closed"; }
  done
}

now_ms() {
  local t=${EPOCHREALTIME//[!0-9]/}
  echo $((t / 1000))
}

time_until_ms() {
  local limit=$1 start
  shift
  start=$(now_ms)
  while :; do
    if "$@" >/dev/null 2>&1; then
      ELAPSED_MS=$(($(now_ms) - start))
      return 0
    fi
    ELAPSED_MS=$(($(now_ms) - start))
    [ "$ELAPSED_MS" -lt "$limit" ] || return 1
    sleep 0.05
  done
}

# browse_on RUN TYPE. avahi-browse -p escapes a service name's unusual
# characters as \DDD (decimal) and others as \C.
browse_on() {
  "$1" timeout 5 avahi-browse -rptk "$2" 2>/dev/null | parse_browse
}

# parse_browse [all]: avahi-browse -p lines on stdin to
# NAME;HOST;ADDRESS;PORT;TXT for the resolved IPv4 ones, or with "all" to
# EVENT;NAME;HOST;ADDRESS;PORT;TXT for every IPv4 event (+ new, - removed,
# = resolved; HOST... empty but for =).
parse_browse() {
  awk -F';' -v all="${1:-}" '
      function unescape(s,  out, c) {
        out = ""
        while (s != "") {
          c = substr(s, 1, 1)
          if (c == "\\" && substr(s, 2, 3) ~ /^[0-9][0-9][0-9]$/) {
            out = out sprintf("%c", substr(s, 2, 3) + 0)
            s = substr(s, 5)
          } else if (c == "\\" && length(s) > 1) {
            out = out substr(s, 2, 1)
            s = substr(s, 3)
          } else {
            out = out c
            s = substr(s, 2)
          }
        }
        return out
      }
      $3 != "IPv4" { next }
      $1 == "=" {
        txt = $10
        for (i = 11; i <= NF; i++) txt = txt ";" $i
        line = unescape($4) ";" $7 ";" $8 ";" $9 ";" txt
        print (all != "" ? "=;" line : line)
        fflush()
        next
      }
      all != "" && ($1 == "+" || $1 == "-") { print $1 ";" unescape($4) ";;;;"; fflush() }'
}

watch_browse_a() {
  spawn_a "$2" avahi-browse -rpk "$1"
  WATCH_PID=$SPAWNED_PID
}

watch_browse_b() {
  spawn_b "$2" avahi-browse -rpk "$1"
  WATCH_PID=$SPAWNED_PID
}

browse_events() { parse_browse all <"$1"; }
watch_has() { browse_events "$1" | grep -Eq -- "$2"; }

browse_a() { browse_on run_here "$1"; }
browse_b() { browse_on on_b "$1"; }
seen_on_a() { browse_a "$1" | grep -Eq -- "$2"; }
seen_on_b() { browse_b "$1" | grep -Eq -- "$2"; }

dnssd_subtype() {
  local cc=${1:-cc} machine version
  machine=$("$cc" -dumpmachine)
  version=$("$cc" -dumpversion)
  printf '_%s--%s._sub._distcc._tcp\n' "$(dnssd_label "$machine")" \
    "$(dnssd_label "$version")"
}

# dnssd_label WORD, as distcc does it: the first word, at most 63 bytes,
# lowercase, every byte but a-z and 0-9 turned into "-".
dnssd_label() {
  local LC_ALL=C s=${1%%[[:space:]]*}
  s=${s:0:63}
  s=${s,,}
  printf '%s' "${s//[!a-z0-9]/-}"
}

make_mini_project() {
  local d=$T/mini
  mkdir -p "$d"
  cat >"$d/mini.h" <<'EOF'
#ifndef MINI_H
#define MINI_H
#include <stddef.h>
struct item { const char *name; int weight; };
int sum_weights(const struct item *items, size_t n);
const struct item *heaviest(const struct item *items, size_t n);
void sort_items(struct item *items, size_t n);
int format_item(char *buf, size_t len, const struct item *it);
#endif
EOF
  cat >"$d/main.c" <<'EOF'
#include <stdio.h>
#include "mini.h"
int main(void)
{
  struct item items[] = { { "gcc", 12 }, { "distcc", 3 }, { "avahi", 8 } };
  char line[64];
  size_t i, n = sizeof items / sizeof items[0];
  sort_items(items, n);
  for (i = 0; i < n; i++) {
    format_item(line, sizeof line, &items[i]);
    puts(line);
  }
  printf("sum %d heaviest %s\n", sum_weights(items, n), heaviest(items, n)->name);
  return 0;
}
EOF
  cat >"$d/sum.c" <<'EOF'
#include "mini.h"
int sum_weights(const struct item *items, size_t n)
{
  int s = 0;
  while (n--) {
    s += items[n].weight;
  }
  return s;
}
const struct item *heaviest(const struct item *items, size_t n)
{
  const struct item *best = items;
  size_t i;
  for (i = 1; i < n; i++) {
    if (items[i].weight > best->weight) {
      best = &items[i];
    }
  }
  return best;
}
EOF
  cat >"$d/sort.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include "mini.h"
static int by_name(const void *a, const void *b)
{
  return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}
void sort_items(struct item *items, size_t n)
{
  qsort(items, n, sizeof *items, by_name);
}
EOF
  cat >"$d/format.c" <<'EOF'
#include <stdio.h>
#include "mini.h"
int format_item(char *buf, size_t len, const struct item *it)
{
  return snprintf(buf, len, "%-8s %3d", it->name, it->weight);
}
EOF
  MINI_SOURCES=("$d/main.c" "$d/sum.c" "$d/sort.c" "$d/format.c")
}

build_mini() {
  local out=$1
  shift
  rm -rf "$T/mini-work" && mkdir -p "$T/mini-work" "$out"
  # shellcheck disable=SC2016
  (cd "$T/mini-work" && printf '%s\n' "${MINI_SOURCES[@]}" | xargs -P 4 -I{} sh -c \
    'src={}; base=$(basename "$src" .c); exec "$@" -O2 -Wall -MD -c "$src" -o "$base.o"' \
    sh "$@") || return 1
  mv "$T/mini-work"/* "$out"/
}
