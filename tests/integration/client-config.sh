#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the client says about its configuration: a config file's unknown
# keys and malformed lines are named once (not again on every compile,
# again after the file changes), and a bad host specification names the
# part of it that is wrong.
. "$(dirname "$0")/lib.sh"
isolate "$@"
for d in /etc/distcc /etc/herdcc /usr/local/etc/herdcc /run/avahi-daemon; do
  if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done
mkdir -p "$T/state" "$T/src"
cd "$T/src"
printf 'int f(void) { return 1; }\n' >x.c
unset HERDCC_HOSTS DISTCC_HOSTS DISTCC_DIR HERDCC_LOG DISTCC_LOG HERDCC_VERBOSE DISTCC_VERBOSE
export HERDCC_DIR=$T/state HOME=$T

say "a config file with an unknown key and a malformed line: a warning for each, once"
printf '# settings\nFALLBACK=1\nFALLBAK=0\n\n  IO_TIMEOUT=30\njust words\n' >"$T/state/config"
DISTCC_HOSTS=localhost "$HERDCC_BIN" gcc -c x.c -o 1.o 2>"$T/err1" || fail "compile 1"
grep -q "config:3: unknown key 'FALLBAK' is ignored" "$T/err1" || { cat "$T/err1"; fail "no warning for FALLBAK"; }
grep -q "config:6: not KEY=VALUE: 'just words'" "$T/err1" || { cat "$T/err1"; fail "no warning for the bad line"; }
[ "$(grep -c Warning "$T/err1")" = 2 ] || { cat "$T/err1"; fail "known keys warned about"; }
DISTCC_HOSTS=localhost "$HERDCC_BIN" gcc -c x.c -o 2.o 2>"$T/err2" || fail "compile 2"
[ ! -s "$T/err2" ] || { cat "$T/err2"; fail "the warning came again"; }
say "the file changed: checked again"
printf 'FALLBACK=1\nBOGUS=1\n' >"$T/state/config"
DISTCC_HOSTS=localhost "$HERDCC_BIN" gcc -c x.c -o 3.o 2>"$T/err3" || fail "compile 3"
grep -q "config:2: unknown key 'BOGUS'" "$T/err3" || { cat "$T/err3"; fail "no warning after the change"; }
say "a clean config file: nothing said"
printf 'FALLBACK=1\nVERBOSE=0\n' >"$T/state/config"
DISTCC_HOSTS=localhost "$HERDCC_BIN" gcc -c x.c -o 4.o 2>"$T/err4" || fail "compile 4"
[ ! -s "$T/err4" ] || { cat "$T/err4"; fail "a clean file warned"; }

say "a bad host specification names the part that is wrong, exit 106"
check_spec() { # HOSTS WORDS...
  local hosts=$1 rc=0
  shift
  DISTCC_HOSTS=$hosts "$HERDCC_BIN" gcc -c x.c -o bad.o 2>"$T/err" || rc=$?
  [ $rc = 106 ] || { cat "$T/err"; fail "'$hosts' exited $rc"; }
  for w in "$@"; do
    grep -qF -- "$w" "$T/err" || { cat "$T/err"; fail "'$hosts': message lacks '$w'"; }
  done
}
check_spec "good host:99999" '"host:99999" in DISTCC_HOSTS' "port ':99999'" "1 to 65535"
check_spec "host/0,lzo" "limit '/0'"
check_spec "host,lzp" "unknown option ',lzp'" ",lzo"
check_spec "[::1:3632" "no ']'"
check_spec "+zerconf" "'+zerconf'" "+zeroconf"
say "PASS"
