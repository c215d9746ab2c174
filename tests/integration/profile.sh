#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Compiles that read a profile distribute with it (herdcc's extension,
# version 3: HPRF) and give objects byte-identical to a local compile:
# gcc's -fprofile-use with a .gcda from a real -fprofile-generate run (-g
# and -g3 included, -o elsewhere), clang's -fprofile-use=FILE and =DIR,
# -fprofile-instr-use= and -fprofile-sample-use= (with llvm-profdata).
# The profile changes the object, so a job without it would show. A
# server reached in the classic protocol gets no profile: the compile
# runs locally.
. "$(dirname "$0")/lib.sh"
isolate "$@"

start_herdccd 127.0.0.2 3632
export HERDCC_HOSTS=127.0.0.2:3632,herd HERDCC_FALLBACK=0 HERDCC_DIR=$T/state
export HERDCC_BACKOFF_PERIOD=0
mkdir -p "$T/w/out" "$T/ref"
cd "$T/w"
cat >prog.c <<'SRC'
#include <stdio.h>
static int step(int i) { return i % 7 ? i * 3 : i / 2; }
int work(int n) {
  int s = 0;
  for (int i = 0; i < n; i++) {
    if (i % 5 == 0) s += step(i); else s -= i;
  }
  return s;
}
#ifdef UNUSED
static int unused_fn(void) { return 1; }
#endif
int main(int argc, char **argv) {
  (void)argv;
  printf("%d\n", work(argc * 20000));
  return 0;
}
SRC

# same NAME CC FLAGS...: compile prog.c to prog.o here and through
# herdcc, byte-identical, and what the compiler says too; the local
# object is kept as $T/ref/NAME.o.
same() {
  local name=$1 cc=$2
  shift 2
  local out=prog.o
  [ "${OUT:-}" ] && out=$OUT
  $cc "$@" -c prog.c -o "$out" 2>"$T/ref/$name.err" || fail "local $name failed"
  mv "$out" "$T/ref/$name.o"
  "$HERDCC_BIN" $cc "$@" -c prog.c -o "$out" 2>"$T/$name.err" ||
    fail "remote $name failed"
  cmp -s "$T/ref/$name.o" "$out" || fail "$name: the object differs from a local compile"
  cmp -s "$T/ref/$name.err" "$T/$name.err" || {
    diff "$T/ref/$name.err" "$T/$name.err" >&2 || true
    fail "$name: the compiler's words differ from a local compile's"
  }
  say "$name identical: $cc $*"
}

# gcc: a real training run gives prog.gcda beside prog.o
gcc -O2 -fprofile-generate -c prog.c -o prog.o &&
  gcc -fprofile-generate prog.o -o trained || fail "gcc -fprofile-generate failed"
./trained 1 2 >/dev/null
[ -s prog.gcda ] || fail "the training run wrote no prog.gcda"
gcc -O2 -c prog.c -o "$T/ref/plain.o"
same gcc-O2 gcc -O2 -fprofile-use
cmp -s "$T/ref/plain.o" "$T/ref/gcc-O2.o" && fail "the profile changed nothing"
same gcc-g gcc -O2 -g -fprofile-use
same gcc-g3 gcc -O2 -g3 -DSTEPS=3 -fprofile-use
# the second compiles (-pedantic's twin, -g3's words) read it too
same gcc-pedantic gcc -O2 -g -pedantic -Wall -fprofile-use
same gcc-g3-warning gcc -O2 -g3 -Wall -DUNUSED -fprofile-use
grep -q unused_fn "$T/gcc-g3-warning.err" || fail "gcc -g3 -Wall said nothing"
cp prog.gcda out/prog.gcda
OUT=out/prog.o same gcc-out gcc -O2 -fprofile-use
remote=6

if command -v llvm-profdata >/dev/null; then
  clang -O2 -fprofile-instr-generate prog.c -o ctrained || fail "clang -fprofile-instr-generate failed"
  LLVM_PROFILE_FILE=$T/w/prog.profraw ./ctrained 1 2 >/dev/null
  llvm-profdata merge -o prog.profdata prog.profraw || fail "llvm-profdata failed"
  mkdir -p pdir && cp prog.profdata pdir/default.profdata
  printf 'work:20000:1\n 3: 4000\n 4: 20000\nmain:1:1\n 0: 1\n' >prog.prof
  clang -O2 -c prog.c -o "$T/ref/cplain.o"
  same clang-use clang -O2 -fprofile-use=prog.profdata
  cmp -s "$T/ref/cplain.o" "$T/ref/clang-use.o" && fail "clang's profile changed nothing"
  same clang-dir clang -O2 -fprofile-use=pdir
  same clang-instr clang -O2 -gdwarf-4 -fprofile-instr-use="$T/w/prog.profdata"
  same clang-sample clang -O2 -fprofile-sample-use=prog.prof
  remote=$((remote + 4))
else
  say "llvm-profdata is not installed: clang's profiles not tried"
fi

n=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
[ "$n" -eq "$remote" ] || fail "the server ran $n compiles, not $remote"

# A profile goes only where the server invited the job with version 3:
# with no such server in the list, the job is not distributable and runs
# here, whatever the fallback says.
for fb in 1 0; do
  HERDCC_HOSTS=127.0.0.2:3632 HERDCC_FALLBACK=$fb HERDCC_VERBOSE=1 \
    "$HERDCC_BIN" gcc -O2 -fprofile-use -c prog.c -o prog.o 2>"$T/classic.log" ||
    fail "the classic compile failed (HERDCC_FALLBACK=$fb): $(cat "$T/classic.log")"
  grep -q "a profile goes only to a herdccd of native extension version 3" "$T/classic.log" ||
    fail "the classic compile did not say why it ran locally: $(cat "$T/classic.log")"
  cmp -s "$T/ref/gcc-O2.o" prog.o || fail "the local compile's object differs"
  n2=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
  [ "$n2" -eq "$remote" ] || fail "the server ran the classic profile job"
done
# A missing profile: local, as gcc then warns of it itself.
rm -f out/prog.gcda
HERDCC_VERBOSE=1 "$HERDCC_BIN" gcc -O2 -fprofile-use -c prog.c -o out/prog.o \
  2>"$T/missing.log" || fail "the compile without its profile failed"
grep -q "the profile out/prog.gcda is not a readable file" "$T/missing.log" ||
  fail "a missing profile did not run locally: $(cat "$T/missing.log")"
say "PASS"
