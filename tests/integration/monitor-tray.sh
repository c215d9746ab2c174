#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdcc-monitor's tray icon under Xvfb with a real StatusNotifierWatcher
# (status-notifier-watcher) and a real tray that draws the items
# (gtk-sni-tray-standalone) on a private session bus, against a real
# herdccd --stats. Started with --hidden, the window stays unmapped and the
# item registers with the watcher; its IconName (read over D-Bus, as a
# panel reads it) follows the farm: idle, busy while a slow compile runs,
# paused, failing when the server stops. Its menu (com.canonical.dbusmenu,
# clicked as a panel clicks it) shows and hides the window and pauses
# refreshing; Ctrl+W hides the window to the tray. When the watcher goes,
# the window is shown again (no tray left to reach it) and closing it ends
# the monitor. Screenshots of the tray bar are saved and checked (the
# failing icon has red in it). Skipped (77) without the monitor or the
# tray programs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/avahi.sh"
. "$(dirname "$0")/hosts2.sh" # time_until_ms
. "$(dirname "$0")/xsession.sh"
if [ -z "${HERDCC_MONITOR_BIN:-}" ]; then
  echo "herdcc-monitor is not built (-Dmonitor=disabled)"
  exit 77
fi
for prog in dbus-daemon Xvfb xwininfo xdotool import identify convert gdbus \
  status-notifier-watcher gtk-sni-tray-standalone; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
isolate "$@"

ARTIFACTS=${HERDCC_ARTIFACT_DIR:-$T/artifacts}
mkdir -p "$ARTIFACTS"
export HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0
mkdir -p "$HERDCC_DIR" "$T/bin" "$T/client-bin" "$T/src"

say "herdccd --stats on 127.0.0.2 with a slow compiler"
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/client-bin/slowcc"
printf '#!/bin/sh\nsleep 6\nexec gcc "$@"\n' >"$T/bin/slowcc-server"
chmod 755 "$T/client-bin/slowcc" "$T/bin/slowcc-server"
printf 'slowcc %s\n' "$T/bin/slowcc-server" >"$T/compilers"
start_herdccd 127.0.0.2 3632 --allow 127.0.0.0/8 --stats --jobs 2 \
  --compilers "$T/compilers"
HERDCCD_PID=${STARTED_PIDS[-1]}
export HERDCC_HOSTS=127.0.0.2:3632/2

say "an X server and a session bus of our own"
start_xvfb 800x600
start_session_bus

say "a StatusNotifierWatcher and a tray bar that draws its items"
status-notifier-watcher >"$T/watcher.log" 2>&1 &
WATCHER_PID=$!
STARTED_PIDS+=($!)
watcher_up() {
  gdbus call --session --dest org.freedesktop.DBus \
    --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.kde.StatusNotifierWatcher |
    grep -q true
}
wait_for watcher_up || { cat "$T/watcher.log"; fail "no StatusNotifierWatcher"; }
gtk-sni-tray-standalone --top --end --size 32 --color '#d8d8d8' \
  >"$T/tray.log" 2>&1 &
TRAY_PID=$!
STARTED_PIDS+=($!)

say "herdcc-monitor --hidden"
start_monitor --hidden

# The item as the watcher knows it: its bus name and the icon it shows.
ITEM_PATH=/org/ayatana/NotificationItem/org_herdcc_Monitor
item_name() {
  gdbus call --session --dest org.kde.StatusNotifierWatcher \
    --object-path /StatusNotifierWatcher \
    --method org.freedesktop.DBus.Properties.Get \
    org.kde.StatusNotifierWatcher RegisteredStatusNotifierItems |
    grep -oE "':[0-9]+\.[0-9]+" | tr -d "'" | head -n1
}
item_prop() {
  gdbus call --session --dest "$ITEM" --object-path "$ITEM_PATH" \
    --method org.freedesktop.DBus.Properties.Get \
    org.kde.StatusNotifierItem "$1"
}
icon_is() { item_prop IconName | grep -q "'org.herdcc.Monitor-$1-symbolic'"; }
registered() { ITEM=$(item_name) && [ -n "$ITEM" ] && item_prop Id | grep -q org.herdcc.Monitor; }
time_until_ms 20000 registered ||
  { cat "$T/monitor.log" "$T/watcher.log"; fail "the item never registered with the watcher"; }
say "the item $ITEM registered with the watcher after $ELAPSED_MS ms"
idle() {
  icon_is idle && listed tray "sni org.herdcc.Monitor-idle-symbolic	refreshing" &&
    listed server "127\.0\.0\.2	127\.0\.0\.2:3632	host list	ok	0/2	" &&
    listed window "herdcc monitor	unmapped"
}
time_until_ms 20000 idle ||
  { cat "$LISTING" "$T/monitor.log"; item_prop IconName || true; fail "not idle, hidden, in the tray"; }
say "idle, in the tray, window unmapped: $(item_prop IconName)"

drawn() {
  tray_shot tray-idle.png &&
    [ "$(light_pixels "$ARTIFACTS/tray-idle.png")" -gt 23000 ] &&
    [ "$(dark_pixels "$ARTIFACTS/tray-idle.png")" -gt 20 ]
}
time_until_ms 10000 drawn || fail "the tray bar does not draw the icon"
say "the tray draws the idle icon ($(dark_pixels "$ARTIFACTS/tray-idle.png") dark pixels)"

say "a slow compile: busy"
printf 'int f(int x) { return x * 3; }\n' >"$T/src/unit.c"
(cd "$T/src" && PATH=$T/client-bin:$PATH HERDCC_LOG=$T/build.log \
  "$HERDCC_BIN" slowcc -O2 -c unit.c -o unit.o) &
BUILD_PID=$!
STARTED_PIDS+=($!)
busy() { icon_is busy && listed tray "sni org.herdcc.Monitor-busy-symbolic"; }
time_until_ms 15000 busy || { cat "$LISTING"; item_prop IconName || true; fail "never busy"; }
item_prop Title | grep -q "1 job running here" || fail "the title: $(item_prop Title)"
tray_shot tray-busy.png
say "busy: $(item_prop Title), $(dark_pixels "$ARTIFACTS/tray-busy.png") dark pixels"
[ "$(dark_pixels "$ARTIFACTS/tray-busy.png")" -gt "$(dark_pixels "$ARTIFACTS/tray-idle.png")" ] ||
  fail "the busy icon is not darker than the idle one"

# The menu, as a panel reads and clicks it.
MENU=$(item_prop Menu | grep -oE "/[A-Za-z0-9_/]+")
layout() {
  gdbus call --session --dest "$ITEM" --object-path "$MENU" \
    --method com.canonical.dbusmenu.GetLayout 0 'int32 -1' '@as []'
}
menu_id() { layout | grep -oE "\(([0-9]+), \{[^}]*'label': <'$1'>" | grep -oE '^\([0-9]+' | tr -d '('; }
click() {
  local id
  id=$(menu_id "$1")
  [ -n "$id" ] || fail "no menu item $1 in $(layout)"
  gdbus call --session --dest "$ITEM" --object-path "$MENU" \
    --method com.canonical.dbusmenu.Event "$id" clicked '<0>' 0 >/dev/null
}
# The X window of the monitor's window once the X server has it viewable
# (the monitor's own listing says mapped a moment before): into WID.
viewable_window() {
  local id
  for id in $(xwininfo -root -tree | awk '/"herdcc monitor"/ && !/ 10x10\+/ { print $1 }'); do
    if xwininfo -id "$id" 2>/dev/null | grep -q 'Map State: IsViewable'; then
      WID=$id
      return 0
    fi
  done
  return 1
}
say "the menu: Show the window"
click "_Show the window"
time_until_ms 10000 listed window "herdcc monitor	mapped" || fail "the menu did not show the window"
time_until_ms 5000 menu_id "_Hide the window" || fail "the menu does not offer to hide the window"
time_until_ms 10000 viewable_window || fail "the window is not viewable"
[ -n "$WID" ] || fail "no window"

say "Ctrl+W hides the window to the tray"
xdotool windowfocus --sync "$WID" key ctrl+w
time_until_ms 10000 listed window "herdcc monitor	unmapped" || fail "Ctrl+W did not hide the window"
kill -0 "$MONITOR_PID" || fail "the monitor ended on Ctrl+W"
time_until_ms 5000 menu_id "_Show the window" || fail "the menu does not offer to show the window"

say "the menu: Pause refreshing"
wait "$BUILD_PID" || fail "the compile failed"
(cd "$T/src" && gcc -O2 -c unit.c -o ref.o)
cmp -s "$T/src/ref.o" "$T/src/unit.o" || fail "the object differs from a local compile"
grep -q 127.0.0.2 "$T/build.log" 2>/dev/null || true
time_until_ms 15000 icon_is idle || fail "not idle after the compile"
click "_Pause refreshing"
paused() { icon_is paused && listed tray "sni org.herdcc.Monitor-paused-symbolic	paused"; }
time_until_ms 10000 paused || { cat "$LISTING"; fail "pausing did not show"; }
layout | grep -qE "'label': <'_Pause refreshing'>, [^}]*'toggle-state': <1>" ||
  layout | grep -qE "'toggle-state': <1>[^}]*'label': <'_Pause refreshing'>" ||
  fail "the pause item is not checked: $(layout)"
click "_Pause refreshing"
time_until_ms 10000 listed tray "sni org.herdcc.Monitor-idle-symbolic	refreshing" ||
  fail "refreshing did not resume"

say "the server stops: failing"
kill "$HERDCCD_PID"
failing() { icon_is failing && listed tray "sni org.herdcc.Monitor-failing-symbolic"; }
time_until_ms 15000 failing || { cat "$LISTING"; fail "never failing"; }
tray_shot tray-failing.png
red=$(red_pixels "$ARTIFACTS/tray-failing.png")
[ "$red" -gt 10 ] || fail "the failing icon shows $red red pixels"
say "failing: $(item_prop Title), $red red pixels; screenshots in $ARTIFACTS/tray-*.png"

say "the watcher and the tray go: the window comes back"
kill "$TRAY_PID" "$WATCHER_PID"
time_until_ms 15000 listed window "herdcc monitor	mapped" ||
  { cat "$LISTING"; fail "the window stayed hidden without a tray"; }
time_until_ms 10000 listed tray "none " || { cat "$LISTING"; fail "the tray is not gone"; }
say "without a tray, closing the window ends the monitor"
time_until_ms 10000 viewable_window || fail "the window is not viewable"
xdotool windowfocus --sync "$WID" key ctrl+w
exited() { ! kill -0 "$MONITOR_PID" 2>/dev/null; }
time_until_ms 10000 exited || fail "the monitor did not end"
wait "$MONITOR_PID" || fail "the monitor exited with $?"
monitor_clean
say "PASS"
