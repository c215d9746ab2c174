#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdcc-monitor (GTK) under Xvfb against a real farm: two herdccd
# --zeroconf --stats servers (host A and host B of hosts2.sh, each with its
# own avahi-daemon) and a build of slow compiles running through them with
# HERDCC_HOSTS=+zeroconf. The monitor's --self-test listing (what its
# widgets show, rewritten after every update) must list both servers,
# answering ("ok"), with their current jobs, this machine's jobs, and the
# selected server's details; a screenshot of the window is saved for a
# person to look at (its path is printed) and checked to be an image of the
# window's size. Then B's herdccd stops, its service is withdrawn, and the
# monitor drops it. Skipped (77) only in a build without the monitor.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/avahi.sh"
. "$(dirname "$0")/hosts2.sh"
if [ -z "${HERDCC_MONITOR_BIN:-}" ]; then
  echo "herdcc-monitor is not built (-Dmonitor=disabled)"
  exit 77
fi
for prog in avahi-daemon dbus-daemon dbus-run-session nsenter Xvfb xwininfo \
  import identify; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
: "${HERDCC_DISCOVER:?HERDCC_DISCOVER must name the built herdcc-discover}"
isolate "$@"

ARTIFACTS=${HERDCC_ARTIFACT_DIR:-$T/artifacts}
mkdir -p "$ARTIFACTS"
start_hosts
export HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0 HERDCC_HOSTS=+zeroconf
mkdir -p "$HERDCC_DIR" "$T/src"

say "herdccd --zeroconf --stats on A (2 slots) and on B (3 slots)"
start_slow_farm 10

# For the monitor's host list: a herdccd without --stats, and an address
# nobody has (connects hang): "no stats" and "unreachable", quickly.
start_herdccd 127.0.0.5 3632 --allow 127.0.0.0/8
MONITOR_HOSTS="+zeroconf 127.0.0.5:3632/1 10.213.0.77:3632/1"

say "an X server (Xvfb) of our own"
# A private socket directory: displays never collide with other tests.
mkdir -p /tmp/.X11-unix # a booted machine has it; a container may not
mount -t tmpfs tmpfs /tmp/.X11-unix
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x960x24 3>"$T/display" \
  2>"$T/xvfb.log" &
STARTED_PIDS+=($!)
wait_for test -s "$T/display" || { cat "$T/xvfb.log"; fail "Xvfb did not start"; }
export DISPLAY=:$(cat "$T/display")
wait_for xwininfo -root >/dev/null || fail "Xvfb does not answer"

say "herdcc-monitor"
LISTING=$T/monitor.txt
# GTK, fontconfig and GLib keep allocations until exit by design: no leak
# report for this process under ASan (errors are still fatal).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 NO_AT_BRIDGE=1 \
  G_DEBUG=fatal-criticals GDK_BACKEND=x11 LC_ALL=C.UTF-8 LANGUAGE= HERDCC_HOSTS=$MONITOR_HOSTS \
  dbus-run-session -- sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/monitor.pid" \
  "$HERDCC_MONITOR_BIN" --self-test="$LISTING" --select=distcc@hostb \
  >"$T/monitor.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for test -s "$T/monitor.pid" || fail "the monitor did not start"
STARTED_PIDS+=("$(cat "$T/monitor.pid")")

# The window: the top-level of that title that is not GDK's 10x10 leader.
window_id() {
  xwininfo -root -tree | awk '/"herdcc monitor"/ && !/ 10x10\+/ { print $1; exit }'
}
has_window() { [ -n "$(window_id)" ]; }
time_until_ms 20000 has_window ||
  { cat "$T/monitor.log"; fail "no herdcc monitor window"; }
say "the window is up after $ELAPSED_MS ms"

# The client's discovery cache knows both servers before the build (a
# compile waits at most 100 ms on a cold cache, then compiles here).
cache_has_both() {
  "$HERDCC_BIN" --show-hosts >/dev/null 2>&1 || true
  grep -q "^$A_ADDR	" "$HERDCC_DIR/zeroconf/hosts" &&
    grep -q "^$B_ADDR	" "$HERDCC_DIR/zeroconf/hosts"
}
time_until_ms 15000 cache_has_both ||
  { cat "$HERDCC_DIR/zeroconf/hosts" || true; fail "the discovery cache lacks a server"; }

say "a build of six slow compiles through +zeroconf"
for i in 1 2 3 4 5 6; do
  printf 'int f%d(int x) { return x * %d; }\n' "$i" "$i" >"$T/src/unit$i.c"
done
(cd "$T/src" && for i in 1 2 3 4 5 6; do
  HERDCC_LOG=$T/build-$i.log "$HERDCC_BIN" slowcc -O2 -c "unit$i.c" -o "unit$i.o" &
done; wait) &
STARTED_PIDS+=($!)

# listed KIND ERE: a line of the listing of that kind matches ERE.
listed() { grep -qE "^$1	$2" "$LISTING" 2>/dev/null; }
busy() {
  listed server "distcc@hosta	$A_ADDR:3632	mDNS	ok	[0-9]+/2	" &&
    listed server "distcc@hostb	$B_ADDR:3632	mDNS	ok	[0-9]+/3	" &&
    listed job "unit[1-6]\.c	compiling remotely	" &&
    listed server-job "distcc@hosta	unit[1-6]\.c	$A_ADDR:[0-9]+	compiling$" &&
    listed server-job "distcc@hostb	unit[1-6]\.c	$A_ADDR:[0-9]+	compiling$" &&
    listed detail "Jobs limit	3$" &&
    listed detail "Connections accepted	[0-9]+$" &&
    listed detail "Receiving, on average	" &&
    listed detail "Current jobs	unit[1-6]\.c — $A_ADDR:[0-9]+, compiling, .*, pid [0-9]+, received [0-9:]+ at "
}
time_until_ms 30000 busy ||
  { cat "$LISTING" "$T/monitor.log" "$HERDCC_DIR/zeroconf/hosts" "$T"/build-*.log || true
    fail "the monitor never showed both servers, their jobs and this machine's"; }
say "both servers, their jobs and this machine's jobs shown after $ELAPSED_MS ms"
# A job's connection (TCP, the port, the codec) and the client's
# throughput while it sent the source.
link_shown() {
  listed job "unit[1-6]\.c	compiling remotely	([^	]*	){3}TCP port 3632, (LZO|zlib|uncompressed)	↑ [0-9]"
}
time_until_ms 10000 link_shown || { grep '^job' "$LISTING"; fail "no job's connection and send rate"; }
say "a job's link: $(grep -m1 -E '^job	.*	TCP port' "$LISTING" | cut -f7-)"
cache_shown() {
  # g_format_size puts a no-break space (one or two bytes to grep) before the unit.
  listed detail "Result cache	.* of [0-9.,]+.?.?[kMG]?B, [0-9]+ entries$" &&
    listed detail "Hits	[0-9]+ \([0-9]+% of the jobs looked up\)$" &&
    listed detail "Misses	[0-9]+$" && listed detail "Evicted	[0-9]+$"
}
time_until_ms 10000 cache_shown || { grep '^detail' "$LISTING"; fail "no cache figures"; }
grep -E '^(server|job|server-job|history|selected)	' "$LISTING" | sed 's/^/   /'
sleep 1 # one more history tick with every job in it
wid=$(window_id)
read -r width height < <(xwininfo -id "$wid" |
  awk '/Width:/ { w = $2 } /Height:/ { h = $2 } END { print w, h }')
SHOT=$ARTIFACTS/monitor.png
import -window "$wid" "$SHOT" || fail "no screenshot"
read -r sw sh colours < <(identify -format '%w %h %k\n' "$SHOT")
[ "$sw" = "$width" ] && [ "$sh" = "$height" ] ||
  fail "the screenshot is ${sw}x$sh, the window ${width}x$height"
[ "$colours" -gt 16 ] || fail "the screenshot has $colours colours: an empty window?"
say "screenshot: $SHOT (${sw}x$sh, $colours colours)"

# count_colour FILE COLOUR: pixels within 12% of COLOUR.
count_colour() {
  convert "$1" -alpha off -fuzz 12% -fill black +opaque "$2" -fill white -opaque "$2" \
    -colorspace gray -format '%[fx:int(mean*w*h+0.5)]' info:
}
# shot NAME: the window as NAME.png in the artifacts, checked for its size.
shot() {
  import -window "$wid" "$ARTIFACTS/$1.png" || fail "no screenshot $1"
  read -r sw sh < <(identify -format '%w %h\n' "$ARTIFACTS/$1.png")
  [ "$sw" = "$width" ] && [ "$sh" = "$height" ] || fail "$1.png is ${sw}x$sh"
}
if command -v xdotool >/dev/null; then
  say "Alt+2: the timeline, a row per slot, bars coloured by phase"
  xdotool windowfocus --sync "$wid" key alt+2
  timeline() {
    listed view timeline &&
      listed timeline "distcc@hosta	2	[1-9]" && listed timeline "distcc@hostb	3	[1-9]"
  }
  time_until_ms 10000 timeline || { cat "$LISTING"; fail "no timeline of both servers"; }
  sleep 1
  shot timeline
  # The compile colour (hm-history.c: 0.30 0.69 0.31) and the transfer one.
  green=$(count_colour "$ARTIFACTS/timeline.png" '#4db04f')
  [ "$green" -gt 200 ] || fail "the timeline shows $green pixels of compiling"
  grep -E '^timeline	' "$LISTING" | sed 's/^/   /'
  say "timeline: $ARTIFACTS/timeline.png ($green pixels of compiling)"

  say "hovering hosta's newest bar shows its file, host, slot and timing"
  xy=$(sed -n 's/^timeline\tdistcc@hosta\t[0-9]*\t[0-9]*\t\([0-9]*,[0-9]*\)$/\1/p' "$LISTING")
  [ -n "$xy" ] && [ "$xy" != "-1,-1" ] || fail "no bar of hosta in view: $(grep ^timeline "$LISTING")"
  xdotool mousemove --window "$wid" "${xy%,*}" "${xy#*,}" sleep 0.2 mousemove_relative 1 0
  tip() {
    listed tooltip "unit[1-6]\.c\|[a-z ]+ on distcc@hosta, slot [12]\|[0-9:]+ – ([0-9:]+|now) \([0-9.]+ s\)$"
  }
  time_until_ms 10000 tip || { grep -E '^(timeline|tooltip)' "$LISTING"; fail "no tooltip on the bar"; }
  sleep 1 # the tooltip window maps after its query
  # The tooltip is a window of its own: the whole screen.
  import -window root "$ARTIFACTS/timeline-hover.png" || fail "no screenshot of the tooltip"
  say "tooltip: $(sed -n 's/^tooltip\t//p' "$LISTING")"

  say "Alt+3: the overview, tiles sized by slots"
  xdotool windowfocus --sync "$wid" key alt+3
  time_until_ms 10000 listed view overview || fail "no overview"
  tile_width() { sed -n "s/^overview\t$1\t[0-9]*\/[0-9]*\t[0-9]*,[0-9]* \([0-9]*\)x.*/\1/p" "$LISTING"; }
  time_until_ms 10000 listed overview "distcc@hostb	[0-9]+/3	" || { cat "$LISTING"; fail "hostb is not in the overview"; }
  [ "$(tile_width distcc@hostb)" -gt "$(tile_width distcc@hosta)" ] ||
    fail "hostb (3 slots) is not wider than hosta (2 slots): $(grep ^overview "$LISTING")"
  shot overview
  green=$(count_colour "$ARTIFACTS/overview.png" '#4db04f')
  [ "$green" -gt 200 ] || fail "the overview shows $green pixels of running slots"
  grep -E '^overview	' "$LISTING" | sed 's/^/   /'
  say "overview: $ARTIFACTS/overview.png ($green pixels of running slots)"
  xdotool windowfocus --sync "$wid" key alt+1
  time_until_ms 10000 listed view farm || fail "Alt+1 did not go back to the farm"
fi

say "servers of the host list: one without a status port, one unreachable"
others() {
  # the words herdcc-top says (the farm library's states and reasons)
  listed server "127\.0\.0\.5	127\.0\.0\.5:3632	host list	no stats: stats port 3633: connection refused	" &&
    listed server "10\.213\.0\.77	10\.213\.0\.77:3632	host list	unreachable: stats port 3633: no answer in time	"
}
time_until_ms 10000 others || { cat "$LISTING"; fail "the host list's servers are not shown as they are"; }
grep -E '^server	(127|10\.213\.0\.77)' "$LISTING" | sed 's/^/   /'

say "B's herdccd stops: its service is withdrawn and leaves the window"
kill "$HERDCCD_B"
gone() { ! listed server "distcc@hostb	" && listed server "distcc@hosta	"; }
time_until_ms 15000 gone ||
  { cat "$LISTING"; fail "distcc@hostb is still shown after it was withdrawn"; }
say "distcc@hostb left the window $ELAPSED_MS ms after its daemon stopped"

say "A's avahi-daemon stops: the monitor says so; it comes back with A's server"
stop_avahi_a
no_avahi() {
  listed status "(avahi-daemon is not running|Lost avahi-daemon)" &&
    ! listed server "distcc@hosta	"
}
time_until_ms 10000 no_avahi || { cat "$LISTING"; fail "no word of avahi-daemon's absence"; }
say "status: $(sed -n 's/^status\t//p' "$LISTING")"
start_avahi_daemon_a
back() {
  listed status "Browsing the local network" &&
    listed server "distcc@hosta	$A_ADDR:3632	mDNS	ok	"
}
time_until_ms 20000 back || { cat "$LISTING"; fail "A's server did not come back"; }
say "distcc@hosta is back $ELAPSED_MS ms after avahi-daemon restarted"
kill -0 "$(cat "$T/monitor.pid")" || { cat "$T/monitor.log"; fail "the monitor died"; }

say "SIGTERM: the monitor tears its window down and exits"
MONITOR_PID=$(cat "$T/monitor.pid")
kill -TERM "$MONITOR_PID"
exited() { ! kill -0 "$MONITOR_PID" 2>/dev/null; }
time_until_ms 10000 exited || fail "the monitor did not exit on SIGTERM"
! grep -E "(CRITICAL|WARNING|ERROR|Sanitizer|runtime error)" "$T/monitor.log" ||
  fail "the monitor complained"
say "PASS"
