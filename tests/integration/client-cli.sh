#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The client behaves as distcc 3.4 does for the command-line cases people
# script against: names, --version/--help, local runs of what is not a
# compile, exit codes, log phrases, fallback, masquerade, output modes.
. "$(dirname "$0")/lib.sh"
isolate "$@"
# The machine's own host files must not decide these tests: hide them.
for d in /etc/distcc /etc/herdcc /usr/local/etc/herdcc /run/avahi-daemon; do
  if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done

start_herdccd 127.0.0.2 3632
mkdir -p "$T/bin" "$T/masq" "$T/home" "$T/src" "$T/state"
ln -s "$HERDCC_BIN" "$T/bin/distcc"
ln -s "$HERDCC_BIN" "$T/masq/gcc"
cd "$T/src"
printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' >x.c
printf 'int broken(void) { return nope; }\n' >bad.c

unset HERDCC_HOSTS DISTCC_HOSTS HERDCC_DIR
export HOME=$T/home DISTCC_DIR=$T/state DISTCC_BACKOFF_PERIOD=0
FARM=127.0.0.2:3632
gcc -c x.c -o ref.o

# expect_status WANT CMD...: run CMD, keep stdout/stderr in $T/out $T/err.
expect_status() {
  local want=$1 got=0
  shift
  "$@" >"$T/out" 2>"$T/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$T/err" >&2; fail "$* exited $got, wanted $want"; }
}
err_has() { grep -q -- "$1" "$T/err" || { cat "$T/err" >&2; fail "stderr lacks '$1'"; }; }

say "--version names the program it was called as"
expect_status 0 "$T/bin/distcc" --version
sed -n 1p "$T/out" | grep -Eq '^distcc [0-9]+\.[0-9]+\.[0-9]+ [^ ]+$' || fail "first line: $(sed -n 1p "$T/out")"
sed -n 2p "$T/out" | grep -q '^  (protocols 1 and 2) (default port 3632)$' || fail "second line"
[ "$(wc -l <"$T/out")" -ge 3 ] || fail "fewer than three lines"
sed -n 3p "$T/out" | grep -q '^  (herdcc native extension version [0-9][0-9]*)$' ||
  fail "third line: $(sed -n 3p "$T/out")"
expect_status 0 "$HERDCC_BIN" --version
grep -q '^herdcc ' "$T/out" || fail "herdcc --version"

say "--help prints Usage: on stdout"
expect_status 0 "$HERDCC_BIN" --help
grep -q '^Usage:' "$T/out" || fail "no Usage: line"

say "no arguments: a hint on stderr, nothing on stdout, exit 101"
expect_status 101 "$T/bin/distcc"
[ ! -s "$T/out" ] || fail "something on stdout"
err_has "missing option/operand"

say "what is not a compile runs locally, output untouched"
expect_status 0 "$HERDCC_BIN" gcc --version
gcc --version | cmp -s - "$T/out" || fail "gcc --version output changed"
expect_status 0 "$HERDCC_BIN" gcc -E x.c
gcc -E x.c | cmp -s - "$T/out" || fail "-E output changed"
DISTCC_HOSTS=$FARM expect_status 0 "$HERDCC_BIN" gcc x.c -o prog
[ "$(./prog)" = hi ] || fail "linked program does not run"
expect_status 1 "$HERDCC_BIN" gcc -c missing.c
err_has "missing.c"

say "a missing compiler exits 110 with 'failed to exec'"
expect_status 110 "$HERDCC_BIN" no-such-compiler -c x.c
err_has "failed to exec"

say "no host list: a warning naming \$DISTCC_HOSTS, then a local compile"
expect_status 0 "$HERDCC_BIN" gcc -c x.c -o none.o
err_has 'DISTCC_HOSTS'
err_has "can't distribute work"
cmp none.o ref.o || fail "local object differs"

say "an unwritable log is reported and the compile succeeds"
DISTCC_HOSTS=$FARM DISTCC_LOG=/nonexistent/dir/log expect_status 0 "$HERDCC_BIN" gcc -c x.c -o log.o
err_has "failed to open logfile"

say "implicit compiler: herdcc -c x.c runs cc remotely"
DISTCC_HOSTS=$FARM DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 expect_status 0 "$HERDCC_BIN" -c x.c -o implicit.o
err_has "x.c on $FARM completed ok"
cc -c x.c -o cc-ref.o && cmp implicit.o cc-ref.o || fail "implicit cc object differs"

say "masquerade: gcc found through PATH, PATH handed on unchanged"
PATH="$T/masq:$PATH" DISTCC_HOSTS=$FARM DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 \
  expect_status 0 gcc -c x.c -o masq.o
err_has "x.c on $FARM completed ok"
cmp masq.o ref.o || fail "masquerade object differs"
cat >"$T/bin/showpath" <<'SH'
#!/bin/sh
echo "$PATH"
SH
chmod +x "$T/bin/showpath"
ln -s "$HERDCC_BIN" "$T/masq/showpath"
want="$T/masq:$T/bin:$PATH"
got=$(PATH="$want" showpath --version)
[ "$got" = "$want" ] || fail "the compiler saw PATH=$got"

say "recursion: a masquerade link with no real compiler behind it exits 111"
PATH="$T/masq" expect_status 111 "$T/masq/gcc" -c x.c
err_has "recursively"

say "a bad host spec exits 106 naming the token"
DISTCC_HOSTS="goodhost host:99999" expect_status 106 "$HERDCC_BIN" gcc -c x.c
err_has "host:99999"

say "a refused connection falls back locally, or fails with 103 under DISTCC_FALLBACK=0"
DISTCC_HOSTS=127.0.0.1:1 expect_status 0 "$HERDCC_BIN" gcc -c x.c -o fb.o
err_has "running locally instead"
cmp fb.o ref.o || fail "fallback object differs"
DISTCC_HOSTS=127.0.0.1:1 DISTCC_FALLBACK=0 expect_status 103 "$HERDCC_BIN" gcc -c x.c -o fb2.o
[ ! -e fb2.o ] || fail "a failed distribution left an object"

say "the config file in the state directory sets what the environment does not"
printf '# test\nFALLBACK=0\nIO_TIMEOUT=30\n' >"$DISTCC_DIR/config"
DISTCC_HOSTS=127.0.0.1:1 expect_status 103 "$HERDCC_BIN" gcc -c x.c -o cfg.o
DISTCC_HOSTS=127.0.0.1:1 HERDCC_FALLBACK=1 expect_status 0 "$HERDCC_BIN" gcc -c x.c -o cfg.o
rm "$DISTCC_DIR/config"

say "an unresolvable host name is a distribution failure"
DISTCC_HOSTS=no-such-host.invalid expect_status 0 "$HERDCC_BIN" gcc -c x.c -o unres.o
err_has "running locally instead"

say "a compile error is reported once, exits 1, is not re-run locally"
cp ref.o bad.o
DISTCC_HOSTS=$FARM DISTCC_VERBOSE=1 expect_status 1 "$HERDCC_BIN" gcc -c bad.c -o bad.o
[ "$(grep -c "nope.* undeclared" "$T/err")" -eq 1 ] || fail "the error was not shown exactly once"
grep -q "running locally" "$T/err" && fail "a compile error was re-run locally"
[ ! -e bad.o ] || fail "a failed compile left an object"

say "a compiler the server lacks: 110 and 'failed to exec' under DISTCC_FALLBACK=0"
cat >"$T/bin/private-cc" <<'SH'
#!/bin/sh
exec gcc "$@"
SH
chmod +x "$T/bin/private-cc"
DISTCC_HOSTS=$FARM DISTCC_FALLBACK=0 expect_status 110 "$T/bin/distcc" "$T/bin/private-cc" -c x.c -o priv.o
err_has "failed to exec"
DISTCC_HOSTS=$FARM expect_status 0 "$T/bin/distcc" "$T/bin/private-cc" -c x.c -o priv.o
err_has "running locally instead"

say "outputs get the mode a local compile gives them"
rm -f mode.o mode-ref.o mode.d
(umask 027 && DISTCC_HOSTS=$FARM DISTCC_FALLBACK=0 "$HERDCC_BIN" gcc -MD -c x.c -o mode.o &&
  gcc -c x.c -o mode-ref.o)
[ "$(stat -c %a mode.o)" = "$(stat -c %a mode-ref.o)" ] || fail "object mode $(stat -c %a mode.o)"
[ "$(stat -c %a mode.d)" = 640 ] || fail "deps mode $(stat -c %a mode.d)"

say "localhost compiles here; -j and --show-hosts read the host list"
DISTCC_HOSTS=localhost DISTCC_VERBOSE=1 expect_status 0 "$HERDCC_BIN" gcc -c x.c -o lh.o
err_has "on localhost"
DISTCC_HOSTS="localhost/3 $FARM/5,lzo" expect_status 0 "$HERDCC_BIN" -j
[ "$(cat "$T/out")" = 8 ] || fail "-j printed $(cat "$T/out")"
DISTCC_HOSTS="localhost/3 $FARM/5,lzo" expect_status 0 "$HERDCC_BIN" --show-hosts
grep -q "^$FARM/5,lzo list ok$" "$T/out" || fail "--show-hosts: $(cat "$T/out")"
grep -q "^localhost/3 list ok$" "$T/out" || fail "--show-hosts: $(cat "$T/out")"

say "no temporary file is left behind"
left=$(find "$T/src" -name '*.herdcc-*' | wc -l)
[ "$left" -eq 0 ] || fail "$left temporary files left"
say "PASS"
