#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The zero-configuration farm over a real avahi-daemon on two hosts
# (hosts2.sh): herdccd --zeroconf on B is found by herdcc on A
# (DISTCC_HOSTS=+zeroconf) and by the stock distcc client; herdcc on A
# finds a stock distccd --zeroconf on B; a killed herdccd disappears from
# A's hosts; a restarted avahi-daemon on B publishes again. Prints the
# times the closing notes ask for.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/avahi.sh"
. "$(dirname "$0")/hosts2.sh"
for prog in distcc distccd avahi-daemon dbus-daemon nsenter; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
: "${HERDCC_DISCOVER:?HERDCC_DISCOVER must name the built herdcc-discover}"
isolate "$@"

start_hosts
mkdir -m 1777 "$T/run"
export HERDCC_DIR=$T/state-a DISTCC_BACKOFF_PERIOD=0 DISTCC_FALLBACK=0 \
  HERDCC_VERBOSE=1 HERDCC_HOSTS=+zeroconf
mkdir -p "$HERDCC_DIR"
make_mini_project
build_mini "$T/ref" gcc
mkdir -p "$T/work"

# remote_on PORT LOG: one compile through herdcc ran on B:PORT.
remote_on() {
  (cd "$T/work" && HERDCC_LOG=$2 "$HERDCC_BIN" gcc -O2 -c "${MINI_SOURCES[1]}" -o probe.o) &&
    grep -q "on $B_ADDR:$1 completed ok" "$2"
}

say "herdccd --zeroconf on B, herdcc +zeroconf on A"
start=$(now_ms)
spawn_b "$T/herdccd-b.log" "$HERDCCD_BIN" --no-detach --log-stderr --listen "$B_ADDR" \
  --allow "$HOSTS2_NET" --zeroconf
HERDCCD_B=$SPAWNED_PID
wait_for b_listens 3632 || { cat "$T/herdccd-b.log"; fail "herdccd on B did not start"; }
time_until_ms 10000 remote_on 3632 "$T/first.log" ||
  { cat "$T/first.log" "$HERDCC_DIR/zeroconf/hosts" "$T/herdccd-b.log" >&2
    fail "herdcc on A never compiled on B"; }
say "first job on B $(($(now_ms) - start)) ms after herdccd started on B"

"$HERDCC_BIN" --show-hosts >"$T/show" 2>&1 || true
grep -q "^$B_ADDR:3632/.* zeroconf distcc@hostb ok" "$T/show" ||
  { cat "$T/show"; fail "--show-hosts does not list B"; }
say "--show-hosts: $(grep zeroconf "$T/show")"

rm -f "$T/build.log"
HERDCC_LOG=$T/build.log build_mini "$T/remote" "$HERDCC_BIN" gcc ||
  { cat "$T/build.log"; fail "the build through +zeroconf failed"; }
same_objects "$T/remote" "$T/ref"
remote=$(grep -oE "compile [^ ]+ on $B_ADDR:3632 completed ok" "$T/build.log" | sort -u | wc -l)
[ "$remote" -eq "${#MINI_SOURCES[@]}" ] ||
  { cat "$T/build.log"; fail "$remote of ${#MINI_SOURCES[@]} compiles ran on B"; }
say "all $remote compiles of the project ran on B"

say "latency of a compile: static host list against +zeroconf with a warm cache"
lat() {
  local i s e
  for i in 1 2 3 4 5 6 7; do
    s=$(now_ms)
    (cd "$T/work" && HERDCC_HOSTS=$1 "$HERDCC_BIN" gcc -O2 -c "${MINI_SOURCES[1]}" -o lat.o)
    e=$(now_ms)
    echo $((e - s))
  done | sort -n | sed -n 4p
}
static_ms=$(lat "$B_ADDR:3632,lzo")
warm_ms=$(lat +zeroconf)
say "median compile: static list $static_ms ms, +zeroconf warm cache $warm_ms ms"
rm -rf "$HERDCC_DIR/zeroconf"
s=$(now_ms)
(cd "$T/work" && "$HERDCC_BIN" gcc -O2 -c "${MINI_SOURCES[1]}" -o cold.o)
say "cold cache: the first compile took $(($(now_ms) - s)) ms (it waits at most 100 ms for discovery)"

say "the stock distcc client with +zeroconf finds herdccd on B"
export DISTCC_DIR=$T/distcc-a
mkdir -p "$DISTCC_DIR"
stock_on_b() {
  (cd "$T/work" && DISTCC_HOSTS=+zeroconf DISTCC_LOG=$T/stock.log distcc gcc -O2 -c \
    "${MINI_SOURCES[1]}" -o stock.o) && grep -q "on $B_ADDR:3632.* completed ok" "$T/stock.log"
}
time_until_ms 10000 stock_on_b || { cat "$T/stock.log"; fail "stock distcc did not use herdccd"; }
cmp "$T/work/stock.o" "$T/ref/$(basename "${MINI_SOURCES[1]}" .c).o" || fail "stock.o differs"
say "stock distcc compiled on herdccd after $ELAPSED_MS ms"

say "killing herdccd on B removes it from A's hosts"
kill -9 "$HERDCCD_B"
gone() { ! "$HERDCC_BIN" --show-hosts 2>/dev/null | grep -q "^$B_ADDR:3632/"; }
time_until_ms 10000 gone || { "$HERDCC_BIN" --show-hosts; fail "B stayed in the host list"; }
say "B left A's hosts $ELAPSED_MS ms after herdccd was killed"

say "herdcc +zeroconf finds a stock distccd --zeroconf on B"
spawn_b "$T/distccd-b.log" distccd --no-detach --daemon --log-stderr --listen "$B_ADDR" \
  --port 3633 --allow "$HOSTS2_NET" --zeroconf --pid-file "$T/run/distccd-b.pid"
wait_for b_listens 3633 || fail "distccd on B did not start"
time_until_ms 10000 remote_on 3633 "$T/distccd.log" ||
  { cat "$T/distccd.log" "$HERDCC_DIR/zeroconf/hosts"; fail "herdcc never used distccd"; }
say "herdcc compiled on the stock distccd after $ELAPSED_MS ms"
kill -- -"$SPAWNED_PID" # distccd and its preforked children
b_quiet_3633() { ! b_listens 3633; }
wait_for b_quiet_3633 || fail "distccd on B did not stop"

say "a restarted avahi-daemon on B publishes herdccd again"
spawn_b "$T/herdccd-b2.log" "$HERDCCD_BIN" --no-detach --log-stderr --listen "$B_ADDR" \
  --allow "$HOSTS2_NET" --zeroconf
HERDCCD_B2=$SPAWNED_PID
wait_for b_listens 3632 || fail "herdccd on B did not start again"
time_until_ms 10000 remote_on 3632 "$T/again.log" || fail "the new herdccd is not used"
published_twice() { [ "$(grep -c "Published distcc@hostb" "$T/herdccd-b2.log")" -ge 2 ]; }
wait_for grep -q "Published distcc@hostb" "$T/herdccd-b2.log" || fail "no publish logged"
restart_avahi_b
time_until_ms 10000 published_twice ||
  { cat "$T/herdccd-b2.log"; fail "herdccd did not publish again"; }
time_until_ms 10000 seen_on_a _distcc._tcp "^distcc@hostb;.*;3632;" ||
  { cat "$T/herdccd-b2.log"; fail "A does not see herdccd again"; }
say "published again and seen on A $ELAPSED_MS ms after avahi-daemon restarted"

say "herdccd restarted at once on another port under the same name is followed"
# The withdrawal and the new announcement come close together, so A's
# avahi-daemon may keep the PTR record and report neither a removal nor a
# new service: only the port in the SRV record changes.
kill -9 "$HERDCCD_B2"
spawn_b "$T/herdccd-b3.log" "$HERDCCD_BIN" --no-detach --log-stderr --listen "$B_ADDR" \
  --port 3634 --allow "$HOSTS2_NET" --zeroconf
wait_for b_listens 3634 || fail "herdccd on B did not start on port 3634"
time_until_ms 10000 remote_on 3634 "$T/moved.log" ||
  { cat "$T/moved.log" "$HERDCC_DIR/zeroconf/hosts"; fail "the moved herdccd is not used"; }
say "the moved herdccd took a compile after $ELAPSED_MS ms"
say "without an avahi-daemon on A, herdcc +zeroconf compiles here"
stop_avahi_a
rm -f "$T/work/alone.o"
(cd "$T/work" && HERDCC_LOG=$T/alone.log HERDCC_FALLBACK=1 "$HERDCC_BIN" gcc -O2 -c \
  "${MINI_SOURCES[1]}" -o alone.o) || { cat "$T/alone.log"; fail "no compile without avahi"; }
cmp "$T/work/alone.o" "$T/ref/$(basename "${MINI_SOURCES[1]}" .c).o" || fail "alone.o differs"
say "PASS"
