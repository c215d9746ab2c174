#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `meson setup B --prefix=P && meson install -C B` installs herdcc, herdccd
# and the masquerade directory P/lib/herdcc, and the installed programs
# work: a compile through a masquerade link runs on the installed daemon.
. "$(dirname "$0")/lib.sh"
isolate "$@"

say "configure, build and install into a fresh prefix"
meson setup "$T/build" "$HERDCC_SOURCE_ROOT" --prefix="$T/prefix" >"$T/setup.log" ||
  { cat "$T/setup.log"; fail "meson setup"; }
meson install -C "$T/build" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "meson install"; }

for f in bin/herdcc bin/herdccd share/man/man1/herdcc.1 share/man/man1/herdccd.1; do
  [ -e "$T/prefix/$f" ] || fail "$f was not installed"
done
for name in gcc cc g++ c++ clang clang++; do
  link=$T/prefix/lib/herdcc/$name
  [ -L "$link" ] || fail "no masquerade link $name"
  [ "$(readlink -f "$link")" = "$(readlink -f "$T/prefix/bin/herdcc")" ] ||
    fail "$name does not lead to herdcc"
done
triple=$(gcc -dumpmachine)
[ -L "$T/prefix/lib/herdcc/$triple-gcc" ] || fail "no $triple-gcc link"
say "binaries, man pages and masquerade links are in place"

HERDCCD_BIN=$T/prefix/bin/herdccd start_herdccd 127.0.0.2 3632
mkdir -p "$T/src" "$T/state" && cd "$T/src"
printf 'int twice(int x) { return 2 * x; }\n' >x.c
gcc -c x.c -o ref.o
PATH="$T/prefix/lib/herdcc:$PATH" DISTCC_DIR=$T/state DISTCC_HOSTS=127.0.0.2:3632 \
  DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 gcc -c x.c -o x.o 2>"$T/err" ||
  { cat "$T/err"; fail "compile through the masquerade link"; }
grep -q "x.c on 127.0.0.2:3632 completed ok" "$T/err" || { cat "$T/err"; fail "ran locally"; }
cmp x.o ref.o || fail "object differs"
say "the installed masquerade link compiled on the installed daemon"
say "PASS"
