#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command lines real builds write distribute, objects and .d files
# byte-identical to a local compile: gcc's -Wp, dependency lists (-MD,
# -MMD, -MF, -MT, -MQ, -MP items), the prefix maps (debug, macro, file,
# profile), clang --target= and -target (the server runs the same clang).
# Through a real herdccd, fallback off; each compile is counted on the
# server.
. "$(dirname "$0")/lib.sh"
isolate "$@"

start_herdccd 127.0.0.2 3632
export HERDCC_HOSTS=127.0.0.2:3632 HERDCC_FALLBACK=0 HERDCC_DIR=$T/state
export HERDCC_BACKOFF_PERIOD=0
mkdir -p "$T/w/inc" "$T/local" "$T/remote"
cat >"$T/w/inc/v.h" <<'SRC'
#define WHERE __FILE__
static inline const char *where(void) { return WHERE; }
SRC
cat >"$T/w/m.c" <<'SRC'
#include "inc/v.h"
const char *here(void) { return __FILE__; }
const char *there(void) { return where(); }
SRC
cd "$T/w"

remote=0
# same CC ARGS...: in $T/w, locally then through herdcc; every output
# (.o and any .d) byte for byte; the outputs named by the arguments are
# listed in OUTS.
same() {
  local f
  rm -f -- $OUTS
  "$@" || fail "local: $*"
  for f in $OUTS; do mv "$f" "$T/local/$f"; done
  "$HERDCC_BIN" "$@" || fail "remote: $*"
  for f in $OUTS; do
    cmp -s "$f" "$T/local/$f" || {
      diff <(cat "$T/local/$f") <(cat "$f") | head -5 >&2 || true
      fail "$f differs from the local compile: $*"
    }
  done
  remote=$((remote + 1))
  say "same $OUTS: $*"
}

OUTS="m.o f.d" same gcc -c m.c -o m.o -Wp,-MD,f.d
OUTS="m.o f.d" same gcc -c m.c -o m.o -Wp,-MMD,f.d,-MT,tgt
OUTS="m.o f.d" same gcc -c m.c -o m.o -Wp,-MD,f.d,-MQ,'$q',-MP
OUTS="m.o g.d" same gcc -c m.c -o m.o -Wp,-MD,f.d -Wp,-MF,g.d
OUTS="m.o f.d" same gcc -c m.c -o m.o -Wp,-MMD,f.d -Wp,-MT,t2 -g
OUTS="m.o g.d" same gcc -c m.c -o m.o -Wp,-MF,f.d,-MD,g.d
OUTS="m.o f.d" same clang -c m.c -o m.o -Wp,-MMD,f.d
OUTS="m.o" same gcc -c m.c -o m.o -g -fmacro-prefix-map="$T"=/src
OUTS="m.o" same gcc -c m.c -o m.o -g -ffile-prefix-map="$T/w"=.
OUTS="m.o" same gcc -c m.c -o m.o -g -fdebug-prefix-map="$T"=/d \
  -fprofile-prefix-map="$T"=/p
OUTS="m.o" same gcc -c "$T/w/m.c" -o m.o -g -O2 \
  -ffile-prefix-map="$T"=/f
OUTS="m.o" same clang -c m.c -o m.o -gdwarf-4 -ffile-prefix-map="$T"=/c
OUTS="m.o" same clang -c m.c -o m.o --target=x86_64-linux-gnu -O2
OUTS="m.o" same clang -c m.c -o m.o -target x86_64-pc-linux-gnu -gdwarf-4
# another architecture: the same clang on the server has its back end
cat >"$T/w/free.c" <<'SRC'
int add(int a, int b) { return a + b; }
SRC
OUTS="free.o" same clang -c free.c -o free.o --target=aarch64-linux-gnu \
  -ffreestanding -O2

n=$(grep -c "Job from .*: exit 0," "$T/herdccd-3632.log" || true)
[ "$n" -eq "$remote" ] || fail "the server ran $n compiles, not $remote"
say "PASS"
