#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdcc joins distcc 3.4 farms in both directions: a real multi-file C
# project and a C++ file compile remotely, with protocol 1 and 2, for
# herdcc -> distccd, distcc -> herdccd and herdcc -> herdccd. Every object
# and dependency file is byte-identical to a local compile.
. "$(dirname "$0")/lib.sh"
command -v distcc >/dev/null && command -v distccd >/dev/null || {
  echo "Debian's distcc package is not installed"; exit 77; }
isolate "$@"

start_distccd 127.0.0.2 3632
start_herdccd 127.0.0.3 3632

export DISTCC_DIR=$T/state DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0 \
  DISTCC_VERBOSE=1
mkdir -p "$DISTCC_DIR"
nsources=$(project_sources | wc -l)

# herdcc keeps the debug info exact (see lib.sh); a stock distcc client
# preprocesses with plain -E, which loses the columns of the debug line
# table, so its builds are compared without -g.
DEBUG_FLAGS="-g -gno-record-gcc-switches"
say "reference: local builds of $nsources sources (with and without -g) and a C++ file"
PROJECT_EXTRA_FLAGS=$DEBUG_FLAGS build_project "$T/ref-herdcc" gcc
build_project "$T/ref-distcc" gcc
(cd "$T/work" && g++ -O2 -c "$HERDCC_SOURCE_ROOT/tests/integration/data/shapes.cpp" \
  -o shapes.o && mv shapes.o "$T/ref-shapes.o")

# check CLIENT HOSTSPEC LABEL
check() {
  local client=$1 hosts=$2 label=$3
  local log="$T/$label.log" extra=$DEBUG_FLAGS ref=$T/ref-herdcc
  if [ "$client" = distcc ]; then extra= ref=$T/ref-distcc; fi
  say "$label: $client with DISTCC_HOSTS=$hosts, flags ${PROJECT_FLAGS[*]} $extra"
  rm -f "$log"
  DISTCC_HOSTS=$hosts DISTCC_LOG=$log PROJECT_EXTRA_FLAGS=$extra \
    build_project "$T/$label" "$client" gcc ||
    { cat "$log" >&2; fail "$label: the build failed"; }
  same_objects "$T/$label" "$ref"
  local remote
  remote=$(grep -oE "compile [^ ]+ on [^ ]+ completed ok" "$log" | sort -u | wc -l)
  [ "$remote" -eq "$nsources" ] ||
    { cat "$log" >&2; fail "$label: $remote of $nsources compiles ran remotely"; }
  say "$label: all $remote compiles ran remotely"

  (cd "$T/work" && DISTCC_HOSTS=$hosts DISTCC_LOG=$log "$client" g++ -O2 -c \
    "$HERDCC_SOURCE_ROOT/tests/integration/data/shapes.cpp" -o shapes.o) ||
    { cat "$log" >&2; fail "$label: the C++ compile failed"; }
  cmp "$T/work/shapes.o" "$T/ref-shapes.o" || fail "$label: shapes.o differs"
  grep -q "shapes.cpp on .* completed ok" "$log" || fail "$label: C++ ran locally"
  say "$label: C++ object identical"
}

check "$HERDCC_BIN" 127.0.0.2:3632 herdcc-distccd-v1
check "$HERDCC_BIN" 127.0.0.2:3632,lzo herdcc-distccd-v2
check distcc 127.0.0.3:3632 distcc-herdccd-v1
check distcc 127.0.0.3:3632,lzo distcc-herdccd-v2
check "$HERDCC_BIN" 127.0.0.3:3632 herdcc-herdccd-v1
check "$HERDCC_BIN" 127.0.0.3:3632,lzo herdcc-herdccd-v2

jobs=$(grep -c ": exit 0," "$T/herdccd-3632.log" || true)
say "herdccd logged $jobs finished jobs"
say "PASS"
