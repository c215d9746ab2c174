# SPDX-License-Identifier: GPL-2.0-or-later
# A desktop session of the test's own for the tray tests: an X server
# (Xvfb, on a private /tmp/.X11-unix), a session bus, the icons from the
# source tree, and what a tray test reads from the screen. Source it after
# lib.sh, once the test is isolated.

# start_xvfb WxH: an X server; exports DISPLAY.
start_xvfb() {
  mkdir -p /tmp/.X11-unix # a booted machine has it; a container may not
  mount -t tmpfs tmpfs /tmp/.X11-unix
  Xvfb -displayfd 3 -nolisten tcp -screen 0 "$1x24" 3>"$T/display" \
    2>"$T/xvfb.log" &
  STARTED_PIDS+=($!)
  wait_for test -s "$T/display" || { cat "$T/xvfb.log"; fail "Xvfb did not start"; }
  export DISPLAY=:$(cat "$T/display")
  wait_for xwininfo -root >/dev/null || fail "Xvfb does not answer"
}

# start_session_bus: a session bus; exports DBUS_SESSION_BUS_ADDRESS.
start_session_bus() {
  dbus-daemon --session --nofork --print-address=3 3>"$T/bus" 2>"$T/bus.log" &
  STARTED_PIDS+=($!)
  wait_for test -s "$T/bus" || fail "no session bus"
  DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$T/bus")
  export DBUS_SESSION_BUS_ADDRESS
  # The icons from the source tree, where an installed monitor has them.
  export XDG_DATA_DIRS=$HERDCC_SOURCE_ROOT/data:/usr/local/share:/usr/share
  export NO_AT_BRIDGE=1
}

# tray_shot FILE: the top 32 rows of an 800-pixel-wide screen, where the
# tests put their tray bar, saved in $ARTIFACTS.
tray_shot() {
  local w h
  import -window root -crop 800x32+0+0 +repage "$ARTIFACTS/$1" ||
    fail "no screenshot of the tray"
  read -r w h < <(identify -format '%w %h\n' "$ARTIFACTS/$1")
  [ "$w" = 800 ] && [ "$h" = 32 ] || fail "the tray screenshot is ${w}x$h"
}
# dark_pixels FILE: pixels of the icon's ink (the bar is #d8d8d8).
dark_pixels() {
  convert "$1" -colorspace gray -threshold 40% -negate -format '%[fx:int(mean*w*h+0.5)]' info:
}
# red_pixels FILE: pixels close to the failing badge's red.
red_pixels() {
  convert "$1" -fuzz 20% -fill white +opaque '#cc0000' -fill black -opaque '#cc0000' \
    -negate -colorspace gray -format '%[fx:int(mean*w*h+0.5)]' info:
}
# light_pixels FILE: pixels of the bar's own grey.
light_pixels() {
  convert "$1" -colorspace gray -threshold 70% -format '%[fx:int(mean*w*h+0.5)]' info:
}

# start_monitor ARGS...: herdcc-monitor with its self-test listing in
# $LISTING; MONITOR_PID. A GTK critical ends it, unless MONITOR_G_DEBUG
# says otherwise.
start_monitor() {
  LISTING=$T/monitor.txt
  rm -f "$LISTING"
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    G_DEBUG=${MONITOR_G_DEBUG-fatal-criticals} GDK_BACKEND=x11 LC_ALL=C.UTF-8 LANGUAGE= \
    "$HERDCC_MONITOR_BIN" "$@" --self-test="$LISTING" >"$T/monitor.log" 2>&1 &
  MONITOR_PID=$!
  STARTED_PIDS+=($!)
}
# listed KIND PATTERN: the self-test listing has that row.
listed() { grep -qE "^$1	$2" "$LISTING" 2>/dev/null; }
# monitor_clean [KNOWN]: the monitor printed no warning and no sanitizer
# report (but for lines matching the extended regex KNOWN).
monitor_clean() {
  ! grep -vE "${1:-^\$}" "$T/monitor.log" |
    grep -E "(CRITICAL|WARNING|ERROR|Sanitizer|runtime error)" ||
    fail "the monitor complained"
}
