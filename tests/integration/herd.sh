#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The native extension (docs/protocol.md, "The invitation") with real
# herdccd daemons: herdcc builds a project over two native servers (both
# get jobs, objects identical to a local compile); the invitation's
# bookkeeping as herd.py sees it on the wire (a slot reserved per
# invitation, the waiting room in arrival order, a reservation released
# when it is not used in time or its connection closes); two clients
# racing for one slot (exactly one is invited, the other is invited
# next, both compiles run remotely); the waiting room's bounds, in total
# and per address (running jobs count); a stock distcc client and
# herdcc's classic protocol on the same daemon, unchanged; with the farm
# busy and localhost in the list, a compile runs here.
. "$(dirname "$0")/lib.sh"
isolate "$@"

herd() { python3 "$HERDCC_SOURCE_ROOT/tests/integration/herd.py" "$@"; }
wire() { python3 "$HERDCC_SOURCE_ROOT/tests/integration/wire.py" "$@"; }

mkdir -p "$T/bin" "$T/src" "$T/state"
cat >"$T/bin/slowcc" <<'CC'
#!/bin/sh
case " $* " in *" -E "*) ;; *) sleep 2 ;; esac
exec gcc "$@"
CC
chmod 755 "$T/bin/slowcc"
printf 'slowcc %s\n' "$T/bin/slowcc" >"$T/compilers"
export PATH=$T/bin:$PATH HERDCC_DIR=$T/state HERDCC_FALLBACK=0
printf 'int ok(void) { return 1; }\n' >"$T/src/x.c"
gcc -E "$T/src/x.c" -o "$T/src/x.i"

say "herdcc builds a project over two native servers; both get jobs"
start_herdccd 127.0.0.2 3632 --jobs 2
start_herdccd 127.0.0.3 3632 --jobs 2
build_project "$T/ref" gcc || fail "local build failed"
HERDCC_HOSTS="127.0.0.2,herd 127.0.0.3,herd" HERDCC_VERBOSE=1 HERDCC_LOG=$T/build.log \
  build_project "$T/farm" "$HERDCC_BIN" gcc || { cat "$T/build.log"; fail "farm build failed"; }
same_objects "$T/farm" "$T/ref"
n2=$(grep -c 'on 127.0.0.2:3632 completed ok' "$T/build.log")
n3=$(grep -c 'on 127.0.0.3:3632 completed ok' "$T/build.log")
say "   jobs: $n2 on 127.0.0.2, $n3 on 127.0.0.3"
[ "$n2" -gt 0 ] && [ "$n3" -gt 0 ] || fail "one of two equal servers got no job"
grep -q 'running locally' "$T/build.log" && fail "a compile ran locally"

say "the source in chunks (version 4): what the server holds is not sent again"
start_herdccd 127.0.0.9 3632 --jobs 2 --cache-dir "$T/c9" --no-cache
nsrc=$(project_sources | grep -c .)
chunked_build() {
  HERDCC_HOSTS=127.0.0.9,herd build_project "$T/$1" "$HERDCC_BIN" gcc ||
    fail "the $1 build failed"
  same_objects "$T/$1" "$T/ref"
}
sent_lines() { grep -c "source bytes sent)" "$T/herdccd-3632.log" || true; }
none_sent() { grep -c ": exit 0, .* (0 of [0-9]* source bytes sent)" "$T/herdccd-3632.log" || true; }
s0=$(sent_lines) z0=$(none_sent)
chunked_build k1
[ $(($(sent_lines) - s0)) -eq "$nsrc" ] || fail "not every job came in chunks"
[ "$(find "$T/c9" -path '*/v1/*' -not -path "$T/c9/chunks/*" | grep -c .)" -eq 0 ] ||
  fail "--no-cache stored results"
chunked_build k2 # the results are not cached: compiled again, nothing sent
[ $(($(none_sent) - z0)) -eq "$nsrc" ] ||
  fail "$(($(none_sent) - z0)) of $nsrc jobs sent nothing the second time"
say "   $nsrc jobs, then $nsrc again with no source byte sent"
find "$T/c9/chunks/v1" -mindepth 2 -type f | python3 -c 'import sys
for p in sys.stdin.read().split():
    b = bytearray(open(p, "rb").read())
    b[len(b) // 2] ^= 0x40
    open(p, "wb").write(b)'
z1=$(none_sent)
chunked_build k3 # every stored chunk damaged: all misses, all sent again
[ "$(none_sent)" -eq "$z1" ] || fail "a damaged chunk was used"
say "   every stored chunk damaged: sent again, objects still identical"
herd --host 127.0.0.9 chunks --wrong "$T/src/x.i" -- gcc -c x.c -o x.o >"$T/wrong" ||
  fail "the wrong chunk exchange: $(cat "$T/wrong")"
grep -q '^STAT 00006d00' "$T/wrong" && grep -q "not what its SHA-256 in the list says" "$T/wrong" ||
  fail "a chunk unlike its digest was not refused: $(cat "$T/wrong")"
herd --host 127.0.0.9 chunks "$T/src/x.i" -- gcc -c x.c -o x.o >"$T/right" &&
  grep -q '^STAT 00000000' "$T/right" || fail "after a refusal: $(cat "$T/right")"
say "   a chunk unlike its SHA-256 is refused, and the server serves on"
for v in 2 3; do
  herd --host 127.0.0.9 chunks --version "$v" "$T/src/x.i" -- gcc -c x.c -o x.o >"$T/old$v" &&
    grep -q '^NEED ALL$' "$T/old$v" && grep -q '^STAT 00000000' "$T/old$v" ||
    fail "a version-$v client: $(cat "$T/old$v")"
done
say "   clients of versions 2 and 3: the digest, then the whole source, as before"

say "a stock distcc client on the same daemons, unchanged"
if command -v distcc >/dev/null; then
  mkdir -p "$T/dcc"
  (cd "$T/src" && DISTCC_DIR=$T/dcc DISTCC_HOSTS=127.0.0.2 DISTCC_FALLBACK=0 \
    DISTCC_BACKOFF_PERIOD=0 distcc gcc -c x.c -o "$T/x-stock.o") || fail "distcc on herdccd failed"
  gcc -c "$T/src/x.c" -o "$T/x-ref.o" && cmp -s "$T/x-ref.o" "$T/x-stock.o" ||
    fail "distcc's object differs"
  wire --host 127.0.0.2 compile --source "$T/src/x.i" -- gcc -c x.c -o x.o >"$T/classic" &&
    grep -q '^STAT 00000000' "$T/classic" || fail "a classic request failed: $(cat "$T/classic")"
fi

say "invitations reserve slots; the waiting room is invited when they lapse"
start_herdccd 127.0.0.4 3632 --jobs 2 --speed 1234
herd --host 127.0.0.4 hold 3 5 >"$T/hold"
cat "$T/hold"
grep -q '^0 INVITED 1 slots=2 speed=1234$' "$T/hold" || fail "the first is not invited with 1 free"
grep -q '^1 INVITED 0 ' "$T/hold" || fail "the second is not invited with 0 free"
grep -q '^2 WAITING 0 ' "$T/hold" || fail "the third does not wait first in line"
grep -q '^0 CLOSED' "$T/hold" && grep -q '^1 CLOSED' "$T/hold" ||
  fail "unused invitations were not closed"
grep -q '^2 INVITED' "$T/hold" || fail "the waiting connection was not invited after them"
grep -q 'invitation was not used within' "$T/herdccd-3632.log" || fail "no log of the lapse"

say "a reservation that is not used is released"
herd --host 127.0.0.4 expire >"$T/expire" || fail "expire: $(cat "$T/expire")"
say "   closed after $(cut -d' ' -f1 "$T/expire") ms"
grep -q ' CLOSED$' "$T/expire" || fail "the server sent data on an unused invitation"
herd --host 127.0.0.4 compile "$T/src/x.i" -- gcc -c x.c -o x.o >"$T/inv" &&
  grep -q '^STAT 0$' "$T/inv" || fail "the job after an invitation failed: $(cat "$T/inv")"

say "a closed reservation is released at once"
start_herdccd 127.0.0.5 3632 --jobs 1 --compilers "$T/compilers"
herd --host 127.0.0.5 hold 1 0.2 >"$T/h1"
herd --host 127.0.0.5 hold 1 0.2 >"$T/h2"
grep -q '^0 INVITED 0' "$T/h1" && grep -q '^0 INVITED 0' "$T/h2" ||
  fail "a closed invitation kept its slot: $(cat "$T/h1" "$T/h2")"

say "two clients race for one slot: exactly one is invited, the other next"
herd --host 127.0.0.5 hold 1 1 10 >"$T/r1" &
p1=$!
herd --host 127.0.0.5 hold 1 1 10 >"$T/r2" &
p2=$!
wait "$p1" "$p2"
cat "$T/r1" "$T/r2"
[ "$(cat "$T/r1" "$T/r2" | grep -c '^0 INVITED')" -ge 1 ] || fail "nobody was invited"
[ "$(head -n1 -q "$T/r1" "$T/r2" | grep -c '^0 INVITED')" -eq 1 ] ||
  fail "not exactly one invited first"
[ "$(head -n1 -q "$T/r1" "$T/r2" | grep -c '^0 WAITING 0')" -eq 1 ] ||
  fail "the loser is not waiting"
grep -q INVITED "$T/r1" && grep -q INVITED "$T/r2" || fail "the loser was never invited"
say "   and with herdcc itself: two slow compiles, one slot, both remote"
for k in 1 2; do
  (cd "$T/src" && HERDCC_HOSTS="127.0.0.5,herd" HERDCC_VERBOSE=1 HERDCC_LOG=$T/race$k.log \
    "$HERDCC_BIN" slowcc -c x.c -o "$T/race$k.o") &
  eval "q$k=\$!"
done
# shellcheck disable=SC2154 # q1, q2: set by the eval above
wait "$q1" && wait "$q2" || { cat "$T"/race*.log; fail "a racing compile failed"; }
[ "$(cat "$T"/race*.log | grep -c 'on 127.0.0.5:3632 completed ok')" -eq 2 ] ||
  fail "not both compiles ran on the one slot"

say "the waiting room's bound in total"
start_herdccd 127.0.0.6 3632 --jobs 1 --max-pending 8
herd --host 127.0.0.6 hold 7 0.1 >"$T/room"
cat "$T/room"
[ "$(grep -c ' WAITING ' "$T/room")" -eq 4 ] || fail "not 4 waiting (half of --max-pending 8)"
[ "$(grep -c ' BUSY ' "$T/room")" -eq 2 ] || fail "not 2 turned away"

say "the bound per address counts running jobs too"
start_herdccd 127.0.0.7 3632 --jobs 2 --max-per-address 3 --compilers "$T/compilers"
wire --host 127.0.0.7 --timeout 20 compile --source "$T/src/x.i" -- slowcc -c x.c -o x.o \
  >"$T/running" &
pr=$!
wait_for grep -q 'slowcc' "$T/herdccd-3632.log" 2>/dev/null || true
sleep 0.5
herd --host 127.0.0.7 hold 3 0.1 >"$T/cap"
herd --host 127.0.0.7 --bind 127.0.0.9 hold 1 0.1 >"$T/other"
cat "$T/cap" "$T/other"
grep -q '^0 INVITED 0' "$T/cap" || fail "a second slot was not offered"
grep -q '^1 WAITING' "$T/cap" || fail "the third connection is not waiting"
grep -q '^2 REFUSED\|^2 BUSY' "$T/cap" || fail "the fourth of one address was not turned away"
grep -q '^0 \(WAITING\|INVITED\)' "$T/other" || fail "another address was turned away"
wire --host 127.0.0.7 compile --source "$T/src/x.i" -- gcc -c x.c -o x.o >"$T/capped" || true
wait "$pr"
grep -q '^STAT 00000000' "$T/running" || fail "the running job failed: $(cat "$T/running")"
say "the waiting room invites the biggest job first (version 3's HSIZ)"
start_herdccd 127.0.0.8 3632 --jobs 1 --compilers "$T/compilers"
wire --host 127.0.0.8 --timeout 20 compile --source "$T/src/x.i" -- slowcc -c x.c -o x.o \
  >"$T/busy8" &
p8=$!
slot_taken() { herd --host 127.0.0.8 hold 1 0 | grep -q ' WAITING '; }
wait_for slot_taken || fail "the slow job did not take the slot"
herd --host 127.0.0.8 sizes 500 3000 1000 2000 >"$T/sizes" || { cat "$T/sizes"; fail "the sizes exchange"; }
cat "$T/sizes"
[ "$(tr '\n' ' ' <"$T/sizes")" = "INVITED 3000 INVITED 2000 INVITED 1000 INVITED 500 " ] ||
  fail "not invited biggest first: $(tr '\n' ' ' <"$T/sizes")"
wait "$p8"
grep -q '^STAT 00000000' "$T/busy8" || fail "the running job failed: $(cat "$T/busy8")"

say "the waiting room says the work ahead (version 6's HEXP and HWRK)"
start_herdccd 127.0.0.10 3632 --jobs 1
herd --host 127.0.0.10 work >"$T/worklog" || { cat "$T/worklog"; fail "the work exchange"; }
cat "$T/worklog"
for line in "A INVITED 0" "B WAITING 0" "B WORK 5000" "C WAITING 1" "C WORK 6000" \
  "C WAITING 0" "C WORK 5000" "B WAITING 1" "B WORK 7500" "D WAITING 2"; do
  grep -qx "$line" "$T/worklog" || fail "no \"$line\" in the work exchange"
done
[ "$(grep -c '^D ' "$T/worklog")" = 1 ] || fail "a version 5 client was told more than HWAI"

say "the farm busy and this machine idle: the compile runs here"
wire --host 127.0.0.5 --timeout 20 compile --source "$T/src/x.i" -- slowcc -c x.c -o x.o \
  >"$T/busy5" &
pb=$!
sleep 0.5
(cd "$T/src" && HERDCC_HOSTS="127.0.0.5,herd localhost/1" HERDCC_VERBOSE=1 \
  HERDCC_LOG=$T/here.log "$HERDCC_BIN" gcc -c x.c -o "$T/here.o") ||
  { cat "$T/here.log"; fail "the compile failed"; }
grep -q 'compile .*x.c on localhost' "$T/here.log" || { cat "$T/here.log"; fail "it did not run here"; }
wait "$pb"
say "PASS"
