#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The two-host zeroconf harness (hosts2.sh) with stock components only:
# Debian's distccd --zeroconf on host B publishes _distcc._tcp and its
# compiler subtype; avahi-browse on host A sees both with B's address, and
# the stock distcc client with DISTCC_HOSTS=+zeroconf on A finds B and
# compiles a small multi-file C project there, objects identical to a local
# compile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/avahi.sh"
. "$(dirname "$0")/hosts2.sh"
for prog in distcc distccd avahi-daemon avahi-browse dbus-daemon nsenter; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
isolate "$@"

t0=$(now_ms)
start_hosts
say "hosts A ($A_ADDR) and B ($B_ADDR) with their own avahi-daemon in $(($(now_ms) - t0)) ms"

subtype=$(dnssd_subtype cc)
# distccd writes its pid file after dropping root to user distccd.
mkdir -m 1777 "$T/run"
spawn_b "$T/distccd-b.log" distccd --no-detach --daemon --log-stderr \
  --listen "$B_ADDR" --allow "$HOSTS2_NET" --zeroconf --pid-file "$T/run/distccd-b.pid"
wait_for b_listens 3632 ||
  { cat "$T/distccd-b.log" >&2; fail "distccd on B did not start"; }

b_service="^distcc@hostb;hostb\.local;${B_ADDR//./\\.};3632;"
time_until_ms 10000 seen_on_a _distcc._tcp "$b_service" ||
  { browse_a _distcc._tcp >&2; cat "$T/distccd-b.log" >&2
    fail "A does not see B's _distcc._tcp service"; }
say "A sees B's _distcc._tcp service $ELAPSED_MS ms after distccd started listening"
seen_on_a "$subtype" "$b_service" ||
  { browse_a "$subtype" >&2; fail "A does not see B's subtype $subtype"; }
say "A sees B's subtype $subtype: $(browse_a "$subtype")"

export DISTCC_DIR=$T/distcc-a DISTCC_HOSTS=+zeroconf DISTCC_FALLBACK=0 \
  DISTCC_BACKOFF_PERIOD=0 DISTCC_VERBOSE=1 DISTCC_LOG=$T/distcc.log
mkdir -p "$DISTCC_DIR"
make_mini_project
build_mini "$T/ref" gcc

# The client's first lookup starts its browsing daemon and waits a second
# for it: retry one compile (at most 10 s) until it has run on B.
remote_ok() {
  (cd "$T/mini-work" && distcc gcc -O2 -c "${MINI_SOURCES[1]}" -o probe.o) &&
    grep -q "compile .* on $B_ADDR:3632.* completed ok" "$DISTCC_LOG"
}
mkdir -p "$T/mini-work"
time_until_ms 10000 remote_ok ||
  { cat "$DISTCC_LOG" "$DISTCC_DIR/zeroconf/hosts" >&2
    fail "the stock client did not compile on B"; }
say "first remote compile through +zeroconf after $ELAPSED_MS ms;" \
  "zeroconf/hosts: $(tr '\n' ' ' <"$DISTCC_DIR/zeroconf/hosts")"
grep -q "^$B_ADDR:3632/" "$DISTCC_DIR/zeroconf/hosts" ||
  fail "B is not in $DISTCC_DIR/zeroconf/hosts"

rm -f "$DISTCC_LOG"
build_mini "$T/remote" distcc gcc ||
  { cat "$DISTCC_LOG" >&2; fail "the build through +zeroconf failed"; }
same_objects "$T/remote" "$T/ref"
remote=$(grep -oE "compile [^ ]+ on $B_ADDR:3632[^ ]* completed ok" "$DISTCC_LOG" |
  sort -u | wc -l)
[ "$remote" -eq "${#MINI_SOURCES[@]}" ] ||
  { cat "$DISTCC_LOG" >&2; fail "$remote of ${#MINI_SOURCES[@]} compiles ran on B"; }
say "all $remote compiles ran on B"
gcc "$T/remote"/*.o -o "$T/mini-prog" || fail "B's objects do not link"
"$T/mini-prog" | grep -q "^sum 23 heaviest gcc$" ||
  fail "the program built from B's objects does not run right"
say "PASS"
