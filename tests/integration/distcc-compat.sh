#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The distcc 3.4 behaviours administrators and scripts rely on, each
# compared with Debian's distcc/distccd where it applies: herdccd's
# --no-detach in either order with --daemon; outputs that are not regular
# files (/dev/null, a device, a FIFO) compiled remotely and written in
# place; the no-hosts warning in distcc's words; errors on stderr although
# a log file is set; compiler colours on a terminal.
. "$(dirname "$0")/lib.sh"
command -v distcc >/dev/null && command -v distccd >/dev/null ||
  { echo "Debian's distcc is not installed"; exit 77; }
command -v script >/dev/null || { echo "script (util-linux) is missing"; exit 77; }
isolate "$@"
# The machine's own host files and masquerade directory must not decide
# these tests: the test's own, in its mount namespace.
for d in /etc/distcc /etc/herdcc /usr/local/etc/herdcc /run/avahi-daemon; do
  if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done
# The masquerade directory with one more name, ghostcc, that no server has.
mkdir "$T/masq-copy"
cp -a /usr/lib/distcc/. "$T/masq-copy/"
mount -t tmpfs tmpfs /usr/lib/distcc
cp -a "$T/masq-copy/." /usr/lib/distcc/
ln -s ../../bin/distcc /usr/lib/distcc/ghostcc
# A compile that writes /dev/null by rename would replace the machine's
# /dev/null: the test's own device node sits on top of it (a rename onto a
# mount point fails instead of replacing anything).
mkdir "$T/dev"
mount -t tmpfs -o dev,mode=755 tmpfs "$T/dev"
mknod -m 666 "$T/dev/null" c 1 3
mknod -m 666 "$T/dev/null2" c 1 3
mount --bind "$T/dev/null" /dev/null

mkdir -p "$T/bin" "$T/home" "$T/src" "$T/state"
cd "$T/src"
unset HERDCC_HOSTS DISTCC_HOSTS HERDCC_DIR HERDCC_LOG DISTCC_LOG HERDCC_VERBOSE DISTCC_VERBOSE
export HOME=$T/home DISTCC_DIR=$T/state DISTCC_BACKOFF_PERIOD=0
printf 'int main(void) { return 0; }\n' >x.c
printf 'int f(int a) { int unused; return a; }\nint g(void) { return h(); }\n' >warn.c
printf 'int f(int a) { int unused; return a; }\n' >warn1.c
gcc -c x.c -o ref.o

is_chardev() { [ -c "$1" ] || fail "$1 is no longer a character device"; }

say "herdccd --no-detach --daemon stays in the foreground, as --daemon --no-detach does"
for order in "--no-detach --daemon" "--daemon --no-detach"; do
  # shellcheck disable=SC2086
  "$HERDCCD_BIN" $order --log-file "$T/order.log" --listen 127.0.0.4 \
    --pid-file "$T/order.pid" &
  pid=$!
  wait_for port_open 127.0.0.4 3632 || fail "$order: not listening"
  wait_for test -s "$T/order.pid" || fail "$order: no pid file"
  [ "$(cat "$T/order.pid")" = "$pid" ] ||
    fail "$order: detached (pid file $(cat "$T/order.pid"), started $pid)"
  kill -0 "$pid" || fail "$order: the started process is gone"
  kill "$pid"
  wait "$pid" || true
done
# distccd does the same, as root too (what a service manager needs).
distccd --no-detach --daemon --log-stderr --listen 127.0.0.4 --allow 127.0.0.0/8 \
  --pid-file "$T/distccd-order.pid" 2>"$T/distccd-order.log" &
pid=$!
wait_for port_open 127.0.0.4 3632 || fail "distccd did not start"
kill -0 "$pid" || fail "distccd --no-detach --daemon detached: the comparison is wrong"
kill "$pid"
wait "$pid" || true

start_herdccd 127.0.0.2 3632
start_distccd 127.0.0.3 3632
HFARM=127.0.0.2:3632
DFARM=127.0.0.3:3632

say "-o /dev/null compiles remotely with fallback off, and /dev/null stays a device"
for client in "$HERDCC_BIN" distcc; do
  farm=$HFARM
  [ "$client" = distcc ] && farm=$DFARM
  for out in /dev/null "$T/dev/null2"; do
    DISTCC_HOSTS=$farm DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 \
      timeout 60 "$client" gcc -c x.c -o "$out" 2>"$T/err" ||
      { cat "$T/err"; fail "$client -o $out failed"; }
    grep -q "on 127.0.0" "$T/err" || { cat "$T/err"; fail "$client -o $out did not run remotely"; }
    is_chardev "$out"
  done
done
say "-MD -MF /dev/null and a failed compile to /dev/null leave it alone"
DISTCC_HOSTS=$HFARM DISTCC_FALLBACK=0 "$HERDCC_BIN" gcc -MD -MF /dev/null -c x.c -o md.o ||
  fail "-MF /dev/null failed"
cmp md.o ref.o || fail "-MF /dev/null: object differs"
is_chardev /dev/null
printf 'int broken(void) { return nope; }\n' >bad.c
! DISTCC_HOSTS=$HFARM DISTCC_FALLBACK=0 "$HERDCC_BIN" gcc -c bad.c -o /dev/null 2>/dev/null ||
  fail "a compile error succeeded"
is_chardev /dev/null

say "an output FIFO gets the object written into it"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
reader=$!
DISTCC_HOSTS=$HFARM DISTCC_FALLBACK=0 timeout 60 "$HERDCC_BIN" gcc -c x.c -o "$T/fifo" ||
  fail "-o FIFO failed"
wait "$reader"
[ -p "$T/fifo" ] || fail "the FIFO was replaced"
cmp "$T/fifo.out" ref.o || fail "what came through the FIFO is not the object"

say "no hosts: the warning reads as distcc 3.4's"
distcc gcc -c x.c -o dnone.o 2>"$T/distcc.err" || fail "distcc without hosts failed"
want=$(sed -n 's/^distcc\[[0-9]*\] ([a-z_]*) \(Warning: .*can.t distribute work\)$/\1/p' \
  "$T/distcc.err" | head -1)
[ -n "$want" ] || { cat "$T/distcc.err"; fail "distcc's warning not found"; }
"$HERDCC_BIN" gcc -c x.c -o hnone.o 2>"$T/herdcc.err" || fail "herdcc without hosts failed"
cmp hnone.o ref.o || fail "local object differs"
line=$(grep -F -- "$want" "$T/herdcc.err") ||
  { cat "$T/herdcc.err"; fail "herdcc's stderr lacks distcc's '$want'"; }
case "$line" in
  *'$DISTCC_HOSTS'*) ;;
  *) fail "the warning does not name \$DISTCC_HOSTS: $line" ;;
esac

say "a compiler missing on the server: 'failed to exec' on stderr, exit 110, with a log file set"
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/bin/ghostcc"
chmod 755 "$T/bin/ghostcc"
for client in distcc "$HERDCC_BIN"; do
  farm=$HFARM
  [ "$client" = distcc ] && farm=$DFARM
  for logvar in DISTCC_LOG HERDCC_LOG; do
    [ "$client" = distcc ] && [ $logvar = HERDCC_LOG ] && continue
    rc=0
    env "$logvar=$T/client.log" DISTCC_HOSTS=$farm DISTCC_FALLBACK=0 \
      PATH="$T/bin:$PATH" timeout 60 "$client" ghostcc -c x.c -o ghost.o \
      2>"$T/err" || rc=$?
    [ "$rc" = 110 ] || { cat "$T/err"; fail "$client ($logvar): exit $rc, wanted 110"; }
    grep -q "failed to exec" "$T/err" ||
      { cat "$T/err"; fail "$client ($logvar): no 'failed to exec' on stderr"; }
  done
done
say "a compiler missing here: the same, with a log file set"
rc=0
HERDCC_LOG=$T/client.log "$HERDCC_BIN" no-such-compiler -c x.c 2>"$T/err" || rc=$?
[ "$rc" = 110 ] && grep -q "failed to exec" "$T/err" ||
  { cat "$T/err"; fail "local missing compiler: exit $rc"; }

say "compiler colours on a terminal, locally and remotely, as a plain gcc gives them"
esc=$(printf '\033\[')
on_tty() { TERM=xterm script -qec "$*" /dev/null; }
on_tty "gcc -Wall -c warn1.c -o plain.o" >"$T/plain.tty" 2>&1 || true
grep -q "$esc" "$T/plain.tty" || fail "gcc itself does not colour on this terminal"
for hosts in "$HFARM" localhost; do
  on_tty "DISTCC_HOSTS=$hosts DISTCC_FALLBACK=0 $HERDCC_BIN gcc -Wall -c warn1.c -o c.o" \
    >"$T/herdcc.tty" 2>&1 || true
  grep -q "$esc" "$T/herdcc.tty" || { cat -A "$T/herdcc.tty"; fail "no colour through herdcc ($hosts)"; }
  grep -q "unused" "$T/herdcc.tty" || fail "the warning is missing ($hosts)"
done
say "no colour when the user chose none, or when stderr is not a terminal"
on_tty "DISTCC_HOSTS=$HFARM $HERDCC_BIN gcc -fno-diagnostics-color -Wall -c warn1.c -o c.o" \
  >"$T/herdcc.tty" 2>&1 || true
! grep -q "$esc" "$T/herdcc.tty" || fail "colour despite -fno-diagnostics-color"
DISTCC_HOSTS=$HFARM TERM=xterm "$HERDCC_BIN" gcc -Wall -c warn1.c -o c.o 2>"$T/err"
! grep -q "$esc" "$T/err" || fail "colour on a file"
say "the colour option does not change the object (-g records the switches)"
on_tty "DISTCC_HOSTS=$HFARM DISTCC_FALLBACK=0 $HERDCC_BIN gcc -g -O2 -c x.c -o tty-g.o" >/dev/null 2>&1
DISTCC_HOSTS=$HFARM DISTCC_FALLBACK=0 "$HERDCC_BIN" gcc -g -O2 -c x.c -o file-g.o
cmp tty-g.o file-g.o || fail "the object built on a terminal differs"
on_tty "gcc -g -O2 -c x.c -o ref-tty-g.o" >/dev/null 2>&1
gcc -g -O2 -c x.c -o ref-g.o
cmp ref-tty-g.o ref-g.o || fail "gcc's own objects differ on a terminal: the comparison is wrong"
say "PASS"
