#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debug builds distribute and give objects byte-identical to a local
# compile with the same command line: gcc -g, -gdwarf-4/5, the switches
# recorded in DW_AT_producer included, DW_AT_name and DW_AT_comp_dir for
# sources named relative, absolute and from another directory, the user's
# own prefix maps; gcc -g3, its macro table and the command line's macros
# included, and what gcc says alongside; -x LANG; gcc -fsanitize=address,
# whose objects name the source as the compiler is given it. Through a real herdccd, fallback
# off.
. "$(dirname "$0")/lib.sh"
isolate "$@"

start_herdccd 127.0.0.2 3632
export HERDCC_HOSTS=127.0.0.2:3632 HERDCC_FALLBACK=0 HERDCC_DIR=$T/state
export HERDCC_BACKOFF_PERIOD=0
mkdir -p "$T/src/sub" "$T/other" "$T/out"
cat >"$T/src/sub/shape.h" <<'SRC'
#define AREA(w, h) ((w) * (h))
static inline int clamp(int v) { return v < 0 ? 0 : v; }
SRC
cat >"$T/src/main.c" <<'SRC'
#include <stdio.h>
#include "sub/shape.h"
#ifndef SCALE
#define SCALE 2
#endif
int area(int w, int h) { return clamp(AREA(w, h)) * SCALE; }
int main(int argc, char **argv) {
  printf("%s %d %s\n", argv[0], area(argc, 3), __FILE__);
  return 0;
}
SRC

# compare NAME DIR SOURCE FLAGS...: compile in DIR locally and through
# herdcc, objects byte-identical. $CC is the compiler (gcc).
compare() {
  local name=$1 dir=$2 src=$3 cc=${CC:-gcc}
  shift 3
  (cd "$dir" && $cc "$@" -c "$src" -o "$T/out/$name.local.o") ||
    fail "local compile of $name failed"
  (cd "$dir" && "$HERDCC_BIN" $cc "$@" -c "$src" -o "$T/out/$name.o") ||
    fail "remote compile of $name failed"
  cmp -s "$T/out/$name.local.o" "$T/out/$name.o" || {
    readelf --debug-dump=info "$T/out/$name.local.o" >"$T/out/$name.local.txt"
    readelf --debug-dump=info "$T/out/$name.o" >"$T/out/$name.txt"
    diff "$T/out/$name.local.txt" "$T/out/$name.txt" | head -20 >&2 || true
    fail "$name: the object differs from the local compile ($*)"
  }
  say "$name identical: $cc $* $src"
}

compare g "$T/src" main.c -g -O2
compare g-dwarf4 "$T/src" main.c -gdwarf-4 -O2
compare g-dwarf5 "$T/src" main.c -gdwarf-5 -O0 -DSCALE=3
compare g-wall "$T/src" main.c -g -O2 -Wall -std=gnu11
compare g-relative "$T/other" ../src/main.c -g -O1
compare g-absolute "$T/other" "$T/src/main.c" -g
compare g-prefix-map "$T/src" main.c -g -fdebug-prefix-map="$T"=/build
compare g-file-prefix-map "$T/other" ../src/main.c -g \
  -ffile-prefix-map="$T/src"=. -ffile-prefix-map="$T"=/b
compare g-cxx "$T/src" "$HERDCC_SOURCE_ROOT/tests/integration/data/shapes.cpp" -g -O2
# a C++ static initialiser is named after the source: _GLOBAL__sub_I_init.cpp
printf '#include <string>\nstd::string greeting = "hello";\n' >"$T/src/init.cpp"
CC=g++ compare g-cxx-init "$T/src" init.cpp -g -O2
# -pedantic: the object from a compile as source, the words from a twin
compare g-pedantic "$T/src" main.c -g -O2 -pedantic -Wall
compare g-pedantic-errors "$T/other" ../src/main.c -g -std=c11 -pedantic-errors
# gcc -g3: the macro table, the command line's macros and the main file
# named as a local compile names them; what gcc says, from the rebuilt files
compare g3 "$T/src" main.c -g3 -O2 -DSCALE=4 -UNDEBUG '-DAREA2(w)=((w)*(w))'
compare g3-relative "$T/other" ../src/main.c -ggdb3 -gdwarf-4 -DX= -Wall
compare g3-pedantic "$T/src" ./main.c -g3 -pedantic -DSCALE=5
printf '#include "sub/shape.h"\nint f(void) { int unused; return clamp(-1); }\n' \
  >"$T/src/warn.c"
(cd "$T/src" && gcc -g3 -Wall -DW=1 -c warn.c -o "$T/out/warn.local.o" \
  2>"$T/out/warn.local.err")
(cd "$T/src" && "$HERDCC_BIN" gcc -g3 -Wall -DW=1 -c warn.c -o "$T/out/warn.o" \
  2>"$T/out/warn.err") || fail "remote compile of warn.c failed"
cmp -s "$T/out/warn.local.o" "$T/out/warn.o" ||
  fail "gcc -g3 with a warning: the object differs from the local compile"
cmp -s "$T/out/warn.local.err" "$T/out/warn.err" || {
  diff "$T/out/warn.local.err" "$T/out/warn.err" >&2 || true
  fail "gcc -g3: the remote warning differs from the local one"
}
say "g3-warning identical, and what gcc says"
# an absolute name: compiled as DIR/m/NAME, the markers renamed alike
compare g3-absolute "$T/other" "$T/src/main.c" -g3 -DSCALE=6 \
  -fdebug-prefix-map="$T"=/b
# -x LANG: the text compiled as LANG's source, as a local compile reads it
compare g-x-cxx "$T/src" init.cpp -g -O2 -x c++
# gcc ASan names its module after the source as the compiler is given it:
# compiled under the client's own relative name; an absolute one runs here
compare g-asan "$T/src" main.c -g -O1 -fsanitize=address
compare g-asan-relative "$T/other" ../src/main.c -g -fsanitize=address,undefined
compare g-asan-absolute "$T/other" "$T/src/main.c" -g -fsanitize=address
# a precompiled header: with -g the object differs from the one its text
# gives (the server has only the text), so the compile runs here
printf '#include <stdio.h>\nstatic inline int ph(int x) { return x + 1; }\n' \
  >"$T/src/pch.h"
(cd "$T/src" && gcc -g -O2 -x c-header -c pch.h -o pch.h.gch)
compare g-pch "$T/src" main.c -g -O2 -include pch.h -Winvalid-pch
# gcc's LTO records the compile's directory and input name: it runs here
compare g-lto "$T/src" main.c -g -O2 -flto -frandom-seed=main.o
# without -g a warning sends the source text after the expanded text
# (-Wall would send it first: the indentation check reads it)
compare asan-warn "$T/src" warn.c -O1 -Wunused -fsanitize=address
# -undef: the compile predefines no more than the text did (gcc records it)
printf 'int v = 1;\n#ifdef unix\nint u;\n#endif\nint w = unix + 0;\n' \
  >"$T/src/undef.c"
compare g-undef "$T/src" undef.c -g -undef -Dunix=2
# -P, -C, -CC and -fno-working-directory shape -E output only: the text
# is as without them, and gcc records them
compare g-cpp-output "$T/src" main.c -g -O2 -P -C
compare g-no-working-dir "$T/src" main.c -g -fno-working-directory
# clang: DWARF 4 and older distribute as text; its DWARF 5 (the default)
# records checksums of the sources, below.
if command -v clang >/dev/null; then
  CC=clang compare clang-dwarf4 "$T/src" main.c -gdwarf-4 -O2
  CC=clang compare clang-dwarf4-macros "$T/src" main.c -gdwarf-4 -O2 \
    -DSCALE=3 -Wp,-UNDEBUG,-DX=1
  CC=clang compare clang-undef "$T/src" undef.c -gdwarf-4 -undef -Dunix=2
  CC=clang compare clang-P "$T/src" main.c -gdwarf-4 -P
  CC=clang compare clang-dwarf4-pedantic "$T/src" main.c -gdwarf-4 -pedantic -Wall
  CC=clang compare clang-relative "$T/other" ../src/main.c -gdwarf-4 -O1
  CC=clang compare clang-dot "$T/src" ./main.c -gdwarf-4 \
    -fdebug-prefix-map="$T"=/x
  CC=clang compare clang-cxx "$T/src" \
    "$HERDCC_SOURCE_ROOT/tests/integration/data/shapes.cpp" -gdwarf-4 -O2 -std=c++17
  CC=clang++ compare clang-cxx-g3 "$T/src" \
    "$HERDCC_SOURCE_ROOT/tests/integration/data/shapes.cpp" -g3 -gdwarf-4 -std=c++17
  # to a classic host (no invitation) clang DWARF 5 runs here, as it
  # would to a stock distccd: not a failure with fallback off
  CC=clang compare clang-g5-classic "$T/src" main.c -g -O2
  remote=34
else
  remote=25
fi
n=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
[ "$n" -eq "$remote" ] || fail "the server ran $n compiles, not $remote"

# gcc -gsplit-dwarf: the object and its .dwo, named as given (-o, else the
# source's stem, and .dwo), through an invitation. gcc 12 hashes
# addresses of its own into the DWO ID of some optimised units, so two
# local compiles can differ there: the remote pair must then be alike but
# for the DWO ID (each pair agreeing with itself), and otherwise identical.
dwoid() { python3 "$HERDCC_SOURCE_ROOT/tests/integration/dwoid.py" "$@"; }
gcc_split() {
  local name=$1 dir=$2 src=$3 out=$4 k locally remotely
  shift 4
  local obj=${out:-$(basename "${src%.c}").o}
  local dwo=${obj%.o}.dwo
  mkdir -p "$dir/$(dirname "$obj")"
  for k in 1 2; do
    (cd "$dir" && gcc "$@" -c "$src" ${out:+-o "$out"} &&
      mv "$obj" "$T/out/$name.local$k.o" && mv "$dwo" "$T/out/$name.local$k.dwo") ||
      fail "local compile of $name failed"
  done
  (cd "$dir" && "$HERDCC_BIN" gcc "$@" -c "$src" ${out:+-o "$out"}) ||
    fail "remote compile of $name failed"
  locally=$(dwoid "$T"/out/$name.local1.{o,dwo} "$T"/out/$name.local2.{o,dwo}) ||
    fail "$name: two local compiles differ: $locally"
  remotely=$(dwoid "$T"/out/$name.local1.{o,dwo} "$dir/$obj" "$dir/$dwo") ||
    fail "$name: the remote pair differs from the local one: $remotely"
  [ "$locally" != identical ] || [ "$remotely" = identical ] ||
    fail "$name: two local compiles are identical, the remote one is not"
  say "$name: $remotely (two local compiles: $locally): gcc $* ${out:+-o $out}"
}
printf 'int f(void) { return nope; }\n' >"$T/src/bad.c"
# to a classic host (no invitation), it runs here: not a failure
gcc_split g-split-classic "$T/src" main.c obj/classic.o -g -gsplit-dwarf
export HERDCC_HOSTS=127.0.0.2:3632,herd
gcc_split g-split "$T/src" main.c obj/main.o -g -O0 -gsplit-dwarf
gcc_split g-split-O2 "$T/src" main.c "" -g -O2 -gsplit-dwarf -Wall
gcc_split g-split-dwarf4 "$T/other" ../src/main.c ../out/split4.o -gdwarf-4 \
  -O2 -gsplit-dwarf -ffile-prefix-map="$T"=/b
gcc_split g-split-g3 "$T/src" main.c obj/g3 -g3 -gsplit-dwarf -DSCALE=4
gcc_split g-split-no-g "$T/src" main.c obj/nog.o -O2 -gsplit-dwarf
gcc_split g-split-pedantic "$T/src" main.c obj/ped.o -O1 -pedantic \
  -gno-record-gcc-switches -gsplit-dwarf
remote=$((remote + 6))
# a failed compile leaves neither; an absolute source runs here
(cd "$T/src" && ! "$HERDCC_BIN" gcc -g -gsplit-dwarf -c bad.c -o obj/gbad.o \
  2>/dev/null) || fail "a failed gcc -gsplit-dwarf compile succeeded"
[ ! -e "$T/src/obj/gbad.o" ] && [ ! -e "$T/src/obj/gbad.dwo" ] ||
  fail "a failed gcc -gsplit-dwarf compile left an output"
gcc_split g-split-absolute "$T/other" "$T/src/main.c" abs.o -g -gsplit-dwarf
n=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
[ "$n" -eq "$remote" ] || fail "the server ran $n compiles, not $remote"
export HERDCC_HOSTS=127.0.0.2:3632

# clang DWARF 5 (its default): the server rebuilds the files from the text
# and compiles them, through an invitation (extension version 5). Sources
# named relative, from another directory and absolutely (the sandbox
# holds a file at its path for the driver), the command line's include
# search and macros, a header with no final newline, C++.
if command -v clang >/dev/null; then
  export HERDCC_HOSTS=127.0.0.2:3632,herd
  printf '#define NONL 1\nint nonl(void) { return NONL; }' >"$T/src/sub/nonl.h"
  printf '#include "nonl.h"\nint g(void) { return nonl() + clamp(X); }\n' \
    >"$T/src/g5.c"
  CC=clang compare clang-g5 "$T/src" main.c -g -O2
  CC=clang compare clang-g5-relative "$T/other" ../src/main.c -g -O1
  CC=clang compare clang-g5-absolute "$T/other" "$T/src/main.c" -gdwarf-5 -O2
  CC=clang compare clang-g5-search "$T/src" g5.c -g -Isub -DX=2 \
    -Wp,-UNDEBUG,-DY=1 -include sub/shape.h
  CC=clang++ compare clang-g5-cxx "$T/src" \
    "$HERDCC_SOURCE_ROOT/tests/integration/data/shapes.cpp" -g -O2 -std=c++17
  CC=clang compare clang-g5-map "$T/other" ../src/main.c -g \
    -ffile-prefix-map="$T"=/b
  remote=$((remote + 6))
  # CRLF lines clang writes as LF: the server refuses the job, naming why,
  # and the compile runs here
  printf 'int crlf;\r\n' >"$T/src/crlf.h"
  printf '#include "crlf.h"\nint h(void) { return crlf; }\n' >"$T/src/crlf.c"
  HERDCC_FALLBACK=1 CC=clang compare clang-g5-crlf "$T/src" crlf.c -g
  grep -q "refused: the files rebuilt from the text are not the sizes" \
    "$T/herdccd-3632.log" || fail "the CRLF header's job was not refused"
  # one file under two names, the second skipped by its #pragma once: a
  # symlinked directory, and -include by its absolute name
  mkdir -p "$T/src/real"
  ln -sfn real "$T/src/link"
  printf '#pragma once\nstatic int twice_v = 2;\n' >"$T/src/real/once.h"
  printf '#include "link/once.h"\n#include "real/once.h"\nint u(void) { return twice_v; }\n' \
    >"$T/src/twice.c"
  CC=clang compare clang-g5-two-names "$T/src" twice.c -g
  CC=clang compare clang-g5-include-abs "$T/src" twice.c -g \
    -include "$T/src/real/once.h"
  # ... but a name the search finds as it did is not guessed beside its
  # includer: there it would shadow the first include, from a sibling
  # (yaml-cpp's graphbuilderadapter.cpp)
  mkdir -p "$T/src/inc/lib" "$T/src/adapt"
  printf '#ifndef G_H\n#define G_H\nint g(void);\n#endif\n' >"$T/src/inc/lib/g.h"
  printf '#include "lib/g.h"\n' >"$T/src/adapt/adapter.h"
  printf '#include "adapter.h"\n#include "lib/g.h"\nint h(void) { return g(); }\n' \
    >"$T/src/adapt/adapter.c"
  CC=clang compare clang-g5-sibling "$T/src" adapt/adapter.c -g -Iinc
  remote=$((remote + 3))
  # clang -gsplit-dwarf: the object and its .dwo, both as a local
  # compile's (the skeleton names the .dwo as given); DWARF 4 too; a
  # failed compile leaves neither
  split() {
    local name=$1 out=$2
    shift 2
    mkdir -p "$T/src/$(dirname "$out")"
    (cd "$T/src" && clang "$@" -c main.c -o "$out" &&
      mv "$out" "$T/out/$name.local.o" &&
      mv "${out%.o}.dwo" "$T/out/$name.local.dwo") ||
      fail "local compile of $name failed"
    (cd "$T/src" && "$HERDCC_BIN" clang "$@" -c main.c -o "$out") ||
      fail "remote compile of $name failed"
    cmp -s "$T/out/$name.local.o" "$T/src/$out" ||
      fail "$name: the object differs from the local compile"
    cmp -s "$T/out/$name.local.dwo" "$T/src/${out%.o}.dwo" ||
      fail "$name: the .dwo differs from the local compile"
    say "$name identical, .dwo too: clang $* -o $out"
  }
  split clang-g5-split obj/main.o -g -O2 -gsplit-dwarf
  split clang-g4-split main-4.o -gdwarf-4 -gsplit-dwarf
  remote=$((remote + 2))
  (cd "$T/src" && ! "$HERDCC_BIN" clang -g -gsplit-dwarf -c bad.c -o obj/bad.o \
    2>/dev/null) || fail "a failed -gsplit-dwarf compile succeeded"
  [ ! -e "$T/src/obj/bad.o" ] && [ ! -e "$T/src/obj/bad.dwo" ] ||
    fail "a failed -gsplit-dwarf compile left an output"
  # __has_include of a file here that nothing includes: the text has it
  # evaluated, the server's rebuild has no such file, its check gives
  # another text, and the job is refused (never another object)
  printf 'int only;\n' >"$T/src/only-here.h"
  printf '#if __has_include("only-here.h")\nint here = 1;\n#endif\nint k;\n' \
    >"$T/src/probe.c"
  HERDCC_FALLBACK=1 CC=clang compare clang-g5-probe "$T/src" probe.c -g
  grep -q "refused: the rebuilt files preprocess to another text" \
    "$T/herdccd-3632.log" || fail "the probe's job was not refused"
  n=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
  [ "$n" -eq "$remote" ] || fail "the server ran $n compiles, not $remote"
fi
say "PASS"
