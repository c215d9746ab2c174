#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a remote compile prints is byte for byte what a local compile
# prints: warnings and errors with their source excerpts, caret and fix-it
# lines, notes, macro expansion traces, a header's own warnings, #warning
# and #pragma message, a macro redefined, in colour too. gcc and clang,
# with and without -g, through a real herdccd with fallback off. Without
# -g the expanded text goes first and, when the compiler says anything,
# the source text after it (herdcc(1)): both paths are compared. With
# -Wmisleading-indentation on (-Wall turns it on), the source text goes
# first when the client's scan finds a guard that may call for it.
# Sources
# named absolutely too (the server quotes them from files it rebuilds),
# and -x LANG. What gcc says only of files without line markers
# (-Wmisleading-indentation, the carets and fix-its inside format strings)
# comes from the server's files rebuilt without them (herdcc(1)).
. "$(dirname "$0")/lib.sh"
isolate "$@"

start_herdccd 127.0.0.2 3632
export HERDCC_HOSTS=127.0.0.2:3632 HERDCC_FALLBACK=0 HERDCC_DIR=$T/state
export HERDCC_BACKOFF_PERIOD=0
cp -r "$HERDCC_SOURCE_ROOT/tests/integration/data/diag" "$T/d"
cd "$T/d"

compiled=0 expanded=0
# same_output CC FLAGS... -- FILE: stderr, stdout and exit status alike.
same_output() {
  local file=${*: -1} cc=$1 lr=0 rr=0
  shift
  set -- "${@:1:$#-1}"
  $cc "$@" -c "$file" -o local.o >local.out 2>local.err || lr=$?
  "$HERDCC_BIN" $cc "$@" -c "$file" -o remote.o >remote.out 2>remote.err ||
    rr=$?
  [ "$lr" = "$rr" ] || fail "$cc $* $file: exit $rr, locally $lr"
  cmp -s local.err remote.err || {
    diff local.err remote.err | head -30 >&2 || true
    fail "$cc $* $file: stderr differs from the local compile"
  }
  cmp -s local.out remote.out || fail "$cc $* $file: stdout differs"
  [ -s local.err ] || fail "$cc $* $file: nothing said (the test needs words)"
  compiled=$((compiled + 1))
  [[ " $* " == *" -g"* ]] || expanded=$((expanded + 1))
  say "same words: $cc $* $file (exit $lr, $(wc -l <local.err) lines)"
}

WARN=(-Wall -Wextra)
for file in warnings.c errors.c pragmas.c redefined.c; do
  same_output gcc "${WARN[@]}" "$file"
  same_output gcc -g -O2 "${WARN[@]}" "$file"
  same_output gcc -fdiagnostics-color=always "${WARN[@]}" "$file"
done
same_output gcc -g -O2 -pedantic "${WARN[@]}" pedantic.c
same_output gcc -g -pedantic-errors pedantic.c
same_output gcc -pedantic -std=c99 "${WARN[@]}" pedantic.c
same_output g++ -g "${WARN[@]}" shapes2.cpp
same_output g++ -O2 -fdiagnostics-color=always "${WARN[@]}" shapes2.cpp

# -Wmisleading-indentation (in the source and in a header), -Wformat's
# carets and fix-its, a note quoting a system header: the server says them
# from its files rebuilt without line markers; -Werror makes them errors
for file in frontend.c substrings.c; do
  same_output gcc "${WARN[@]}" "$file"
  grep -q "Wmisleading-indentation" local.err ||
    fail "$file: gcc gave no -Wmisleading-indentation (the test needs one)"
  same_output gcc -g -O2 "${WARN[@]}" "$file"
  same_output gcc -fdiagnostics-color=always -O2 -Wall "$PWD/$file"
  same_output gcc -g3 -Wall -Werror=misleading-indentation "$file"
  same_output gcc -Wformat -Wmisleading-indentation -Werror "$file"
  same_output gcc -g -pedantic "${WARN[@]}" "$file"
  same_output g++ -Wall -x c++ "$file"
done
# nothing else said: found by the check of the text without markers; -g
# sends that text, and so does a command line that turns the warning on
# (-Wall), names it or makes it an error, once the client's scan finds a
# guard that may call for it (herdcc(1)); the tab width is the compile's
# own
same_output gcc -g -Wall indent.c
same_output gcc -Wall indent.c
same_output gcc -O2 -Wall -ftabstop=4 indent.c
# a skipped block between a guard's body and the next statement: gcc
# reads the source's lines there (less indented: no warning), which the
# text has blank but for their indentation put back (herdcc(1))
printf '%s\n' 'int foo(int);' 'void f(int a, int unused) {' '  if (a)' \
  '    foo (0);' '#if NOT_DEFINED' '  if (a)' '#endif' '    foo (1);' '}' \
  >skipped.c
same_output gcc -Wall -Wextra skipped.c
same_output gcc -g -Wall -Wextra skipped.c
same_output gcc -Wmisleading-indentation indent.c
same_output gcc -O2 -Wall -Werror indent.c
same_output gcc -Werror=misleading-indentation -Wall "$PWD/indent.c"
same_output g++ -g -Wall -x c++ indent.c

# Sources named absolutely (as CMake names them) and -x LANG.
for file in warnings.c errors.c pragmas.c redefined.c; do
  same_output gcc "${WARN[@]}" "$PWD/$file"
  same_output gcc -g -O2 "${WARN[@]}" "-I$PWD/inc" "$PWD/$file"
done
same_output gcc -g -pedantic "${WARN[@]}" "$PWD/pedantic.c"
same_output gcc -pedantic "${WARN[@]}" "$PWD/pedantic.c"
same_output gcc -g3 "${WARN[@]}" "$PWD/warnings.c"
same_output g++ -g "${WARN[@]}" "$PWD/shapes2.cpp"
same_output gcc -g "${WARN[@]}" -x c++ shapes2.cpp
same_output gcc -O2 "${WARN[@]}" -xc++ "$PWD/shapes2.cpp"

if command -v clang >/dev/null; then
  same_output clang "${WARN[@]}" "$PWD/warnings.c"
  same_output clang -gdwarf-4 "${WARN[@]}" "$PWD/redefined.c"
  same_output clang++ -gdwarf-4 -std=c++17 "${WARN[@]}" -x c++ shapes2.cpp
  for file in warnings.c errors.c pragmas.c redefined.c substrings.c frontend.c; do
    same_output clang "${WARN[@]}" "$file"
    same_output clang -gdwarf-4 "${WARN[@]}" "$file"
    same_output clang -fcolor-diagnostics "${WARN[@]}" "$file"
  done
  # the command line's macros with the text a warning sends again
  printf 'int f(int x) { int unused; return x * SCALE; }\n' >cmdmacro.c
  same_output clang -DSCALE=3 "${WARN[@]}" cmdmacro.c
  same_output clang -gdwarf-4 -Wp,-DSCALE=2 -U NDEBUG "${WARN[@]}" cmdmacro.c
  same_output clang -pedantic "${WARN[@]}" pedantic.c
  same_output clang -gdwarf-4 -pedantic-errors pedantic.c
  same_output clang++ -gdwarf-4 -std=c++17 "${WARN[@]}" shapes2.cpp
fi

# Every compile above ran on the server; one without -g whose compiler
# spoke ran twice, and some did.
n=$(grep -c "Job from .*: exit [0-9]*," "$T/herdccd-3632.log" || true)
[ "$n" -gt "$compiled" ] && [ "$n" -le $((compiled + expanded)) ] ||
  fail "the server ran $n jobs, not $compiled to $((compiled + expanded))"

# gcc's preprocessor here (a #warning) and the compiler on the server (a
# warning before it) both speak: only a local compile says them in their
# order, so such a job runs here once the server's compile of the source
# text has spoken, whatever the fallback says. clang's server says both
# itself. The server runs 2 jobs for each without -g (the expanded text,
# then the source text; -Wall too, as no guard there may call for
# -Wmisleading-indentation), 1 with -g.
export HERDCC_VERBOSE=1 HERDCC_LOG=$T/client.log
same_output gcc -Wall both.c
same_output gcc -g -Wall "$PWD/both.c"
same_output gcc -O2 both.c
same_output gcc -Wall pragmas.c
# An option's warning ("cc1: warning: command-line option ... not for C")
# both say, at their start, where a local compile says it once: said once,
# and the job stays on the server (2 jobs without -g: the expanded text,
# then the source text; 1 with -g).
same_output gcc -Wctor-dtor-privacy -Wextra warnings.c
same_output gcc -g -Wctor-dtor-privacy "$PWD/warnings.c"
# A failed preprocessor: the compile runs here, for all that a local
# compile says after it; no job reaches the server.
same_output gcc -Wall cpperror.c
same_output gcc -g "$PWD/cpperror.c"
HERDCC_HOSTS=127.0.0.2:3632,herd
same_output gcc -Wall cpperror.c # the invitation's path
HERDCC_HOSTS=127.0.0.2:3632
want_here=4 want_jobs=$((n + 10))
if command -v clang >/dev/null; then
  same_output clang -Wall both.c
  same_output clang -gdwarf-4 -Wall both.c
  same_output clang -Wall cpperror.c
  want_jobs=$((want_jobs + 3))
fi
unset HERDCC_VERBOSE HERDCC_LOG
here=$(grep -c "only a local compile says them in their order" "$T/client.log" ||
  true)
[ "$here" -eq "$want_here" ] ||
  fail "$here jobs ran here for their words' order, not $want_here"
m=$(grep -c "Job from .*: exit [0-9]*," "$T/herdccd-3632.log" || true)
[ "$m" -eq "$want_jobs" ] ||
  fail "the server ran $((m - n)) jobs for the order's compiles, not $((want_jobs - n))"

# clang's DWARF 5 (its default -g): the server rebuilds the files from the
# text and compiles them (extension version 5, so only through an
# invitation); what it says is a local compile's, excerpts of the files
# included. One job each.
if command -v clang >/dev/null; then
  HERDCC_HOSTS=127.0.0.2:3632,herd
  trees=0
  for file in warnings.c errors.c pragmas.c redefined.c both.c; do
    same_output clang -g -O2 "${WARN[@]}" "$file"
    trees=$((trees + 1))
  done
  same_output clang -g "${WARN[@]}" "-I$PWD/inc" "$PWD/warnings.c"
  same_output clang -g -fcolor-diagnostics "${WARN[@]}" redefined.c
  same_output clang -g -DSCALE=3 "${WARN[@]}" cmdmacro.c
  same_output clang++ -g -std=c++17 "${WARN[@]}" shapes2.cpp
  trees=$((trees + 4))
  t=$(grep -c "Job from .*: exit [0-9]*," "$T/herdccd-3632.log" || true)
  [ "$t" -eq $((m + trees)) ] ||
    fail "the server ran $((t - m)) clang DWARF 5 jobs, not $trees"
  HERDCC_HOSTS=127.0.0.2:3632
  # clang's text has its #if evaluated: what the preprocessor said of one
  # (-Wundef) stands; when the server's compile spoke too, the job runs
  # here, for the order (one server job each)
  printf '#if FOO\nint a;\n#endif\nint b;\n' >undef.c
  printf '#if FOO\nint a;\n#endif\nint f(void) { int unused; return 0; }\n' \
    >undef2.c
  same_output clang -gdwarf-4 -Wundef undef.c
  same_output clang -gdwarf-4 -Wundef -Wall undef2.c
  u=$(grep -c "Job from .*: exit [0-9]*," "$T/herdccd-3632.log" || true)
  [ "$u" -eq $((t + 2)) ] ||
    fail "the server ran $((u - t)) -Wundef jobs, not 2"
fi

# gcc -fmessage-length=N wraps each message with its file names counted
# in, which the server's compiles for words name otherwise (rebuilt files,
# absolute names): such a job runs here, and its lines break where a local
# compile's do; clang's names are the client's there, and it goes.
export HERDCC_VERBOSE=1 HERDCC_LOG=$T/wrap.log
same_output gcc -g -Wall -fmessage-length=40 indent.c
same_output gcc -Wextra -fmessage-length=40 "$PWD/warnings.c"
grep -q "fmessage-length=N" "$T/wrap.log" ||
  fail "gcc -fmessage-length=40 did not say why it ran here"
v=$(grep -c "Job from .*: exit [0-9]*," "$T/herdccd-3632.log" || true)
if command -v clang >/dev/null; then
  same_output clang -gdwarf-4 -Wextra -fmessage-length=40 "$PWD/warnings.c"
  w=$(grep -c "Job from .*: exit [0-9]*," "$T/herdccd-3632.log" || true)
  [ "$w" -eq $((v + 1)) ] ||
    fail "clang -fmessage-length=40 ran $((w - v)) server jobs, not 1"
fi
unset HERDCC_VERBOSE HERDCC_LOG
say "PASS"
