#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# update-herdcc-symlinks keeps a masquerade directory in step with the
# compilers installed: on a made-up root (versioned, target-triple and
# cross compilers, clang versions), after a compiler is removed, with a
# file of the administrator's in the directory; and on this machine it
# makes the same names as Debian's update-distcc-symlinks.
. "$(dirname "$0")/lib.sh"
: "${HERDCC_BUILD_DIR:?HERDCC_BUILD_DIR must name the build directory}"
isolate "$@"
TOOL=$T/update-herdcc-symlinks
install -m 755 "$HERDCC_BUILD_DIR/tools/update-herdcc-symlinks" "$TOOL"

say "--help and --version"
"$TOOL" --help | grep -q '^Usage: update-herdcc-symlinks' || fail "--help"
"$TOOL" --version | grep -q '^update-herdcc-symlinks [0-9]' || fail "--version"
rc=0; "$TOOL" --bogus 2>/dev/null || rc=$?
[ $rc = 101 ] || fail "an unknown option exited $rc"

say "a made-up root: every compiler gets a link, nothing else does"
R=$T/root
mkdir -p "$R/usr/bin" "$R/usr/lib/gcc/x86_64-linux-gnu/12" \
  "$R/usr/lib/gcc-cross/aarch64-linux-gnu/12" "$R/usr/lib/herdcc"
ln -s 12 "$R/usr/lib/gcc/x86_64-linux-gnu/12.2" # a version alias: not a version
for c in cc c++ gcc g++ gcc-12 g++-12 x86_64-linux-gnu-gcc x86_64-linux-gnu-g++ \
  x86_64-linux-gnu-gcc-12 x86_64-linux-gnu-g++-12 aarch64-linux-gnu-gcc-12 \
  clang clang++ clang-14 clang++-14 clang-format-14 herdcc ld; do
  printf '#!/bin/sh\n' >"$R/usr/bin/$c"
  chmod 755 "$R/usr/bin/$c"
done
echo "an administrator's note" >"$R/usr/lib/herdcc/README"
ln -s /usr/bin/herdcc "$R/usr/lib/herdcc/gcc-9" # a compiler that is gone
"$TOOL" --root "$R" --dir /usr/lib/herdcc --herdcc /usr/bin/herdcc >"$T/out"
want="aarch64-linux-gnu-gcc-12 c++ cc clang clang++ clang++-14 clang-14 g++ g++-12 gcc gcc-12 \
x86_64-linux-gnu-g++ x86_64-linux-gnu-g++-12 x86_64-linux-gnu-gcc x86_64-linux-gnu-gcc-12"
got=$(find "$R/usr/lib/herdcc" -type l -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || fail "links: '$got', wanted '$want'"
for l in "$R"/usr/lib/herdcc/*; do
  [ -L "$l" ] || continue
  [ "$(readlink -f "$l")" = "$R/usr/bin/herdcc" ] || fail "$l leads to $(readlink "$l")"
done
[ -f "$R/usr/lib/herdcc/README" ] || fail "the administrator's file was removed"

say "a compiler removed: its link goes; run again: nothing changes"
rm "$R/usr/bin/clang-14" "$R/usr/bin/clang++-14"
"$TOOL" --root "$R" --dir /usr/lib/herdcc --herdcc /usr/bin/herdcc --verbose >"$T/out"
grep -q "removing .*/clang-14$" "$T/out" || { cat "$T/out"; fail "clang-14 not removed"; }
[ ! -e "$R/usr/lib/herdcc/clang-14" ] && [ ! -L "$R/usr/lib/herdcc/clang++-14" ] ||
  fail "links of removed compilers remain"
"$TOOL" --root "$R" --dir /usr/lib/herdcc --herdcc /usr/bin/herdcc --verbose >"$T/out"
[ ! -s "$T/out" ] || { cat "$T/out"; fail "a second run changed something"; }
say "--dry-run changes nothing"
printf '#!/bin/sh\n' >"$R/usr/bin/gcc-13" && chmod 755 "$R/usr/bin/gcc-13"
mkdir "$R/usr/lib/gcc/x86_64-linux-gnu/13"
"$TOOL" --root "$R" --dir /usr/lib/herdcc --herdcc /usr/bin/herdcc -n >"$T/out"
grep -q "linking .*/gcc-13 " "$T/out" || fail "--dry-run does not say what it would do"
[ ! -e "$R/usr/lib/herdcc/gcc-13" ] || fail "--dry-run made a link"

if [ -x /usr/sbin/update-distcc-symlinks ]; then
  say "this machine: the same names as Debian's update-distcc-symlinks"
  mount -t tmpfs tmpfs /usr/lib/distcc # the test's own, in its mount namespace
  /usr/sbin/update-distcc-symlinks
  distcc_names=$(find /usr/lib/distcc -type l -printf '%f\n' | grep -vx nvcc | sort)
  "$TOOL" --dir "$T/masq" --herdcc "$HERDCC_BIN"
  herdcc_names=$(find "$T/masq" -type l -printf '%f\n' | sort)
  [ "$distcc_names" = "$herdcc_names" ] ||
    fail "names differ: $(diff <(echo "$distcc_names") <(echo "$herdcc_names") | tr '\n' ' ')"
  say "$(echo "$herdcc_names" | wc -l) names, as distcc's tool makes them"
fi
say "PASS"
