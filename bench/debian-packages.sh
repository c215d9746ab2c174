#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The distributable fraction of real code: three Debian 12 source packages,
# each built with its own build system and Debian's compiler flags
# (dpkg-buildflags), once with gcc/g++ and once through herdcc and a
# herdccd on loopback (fallback off): the share of the package's compiles
# that ran on the server, why the others ran here, and the share of the
# objects byte-identical to the local build's. Both builds run in the same
# directory, so the debug information may be compared.
#
#   bench/debian-packages.sh [BUILD_DIR]     (JOBS=2 by default)
#   BENCH_CC=clang BENCH_CXX=clang++ bench/debian-packages.sh   (clang)
#
# The server is a herdccd of the native extension (",herd"), so clang's
# DWARF 5 (Debian's -g) goes to it too.
#
# lzo2 (autotools, C), yaml-cpp (CMake, C++), fribidi (meson, C).
# Needs cmake, meson, ninja, dpkg-dev; the sources are fetched once (see
# bench/debsrc.sh).
set -euo pipefail
read -r -a packages <<<"${PACKAGES:-lzo2 yaml-cpp fribidi}"
. "$(dirname "$0")/debsrc.sh"
[ -n "${HERDCC_BENCH_ISOLATED:-}" ] || debsrc_fetch "${packages[@]}"
. "$(dirname "$0")/lib.sh"
jobs=${JOBS:-2}
herdcc=$build/src/client/herdcc

"$build/src/daemon/herdccd" --no-detach --log-stderr --log-level=notice \
  --listen 127.0.0.1 --port 3632 --jobs "$jobs" 2>"$T/herdccd.log" &
pids+=($!)
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/3632) 2>/dev/null && break
  sleep 0.1
done
export HERDCC_HOSTS=127.0.0.1:3632,herd HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0
cc=${BENCH_CC:-gcc} cxx=${BENCH_CXX:-g++}
mkdir -p "$HERDCC_DIR"

# The build systems, in $T/w/SRC. configure_PKG CC CXX LAUNCHER; build_PKG.
configure_lzo2() { ./configure -q CC="$3$1" CFLAGS="$CFLAGS" >/dev/null; }
build_lzo2() { make -s -j"$jobs" >/dev/null; }
configure_yaml-cpp() {
  CC=$1 CXX=$2 cmake -S . -B obj-build -G "Unix Makefiles" \
    -DCMAKE_BUILD_TYPE=None -DYAML_CPP_BUILD_TESTS=OFF \
    -DYAML_CPP_BUILD_TOOLS=ON -DYAML_BUILD_SHARED_LIBS=ON \
    ${3:+-DCMAKE_C_COMPILER_LAUNCHER=$herdcc -DCMAKE_CXX_COMPILER_LAUNCHER=$herdcc} \
    -DCMAKE_CXX_FLAGS="$CXXFLAGS" >/dev/null
}
build_yaml-cpp() { make -s -C obj-build -j"$jobs" >/dev/null; }
configure_fribidi() {
  CC="$3$1" CXX="$3$2" meson setup obj-build -Ddocs=false \
    -Dbuildtype=plain -Dc_args="$CFLAGS" >/dev/null
}
build_fribidi() { ninja -C obj-build -j"$jobs" >/dev/null; }

# one_build PKG NAME CC CXX LAUNCHER: unpack, configure, build in $T/w;
# objects kept in $T/out-NAME, the herdcc log of the build phase only.
one_build() {
  local pkg=$1 name=$2
  rm -rf "$T/w" && mkdir -p "$T/w"
  debsrc_unpack "$pkg" "$T/w/src"
  (cd "$T/w/src" && find . -name '*.o') >"$T/shipped"
  echo ./none >>"$T/shipped"
  (
    cd "$T/w/src"
    eval "$(dpkg-buildflags --export=sh)"
    export CFLAGS CXXFLAGS
    HERDCC_LOG=$T/configure-$name.log "configure_$pkg" "$3" "$4" "$5"
    : >"$T/build-$name.log"
    HERDCC_LOG=$T/build-$name.log HERDCC_VERBOSE=1 HERDCC_FALLBACK=0 \
      "build_$pkg" 2>"$T/stderr-$name"
  ) || { cat "$T/stderr-$name" >&2; echo "$pkg: the $name build failed" >&2; exit 1; }
  rm -rf "$T/out-$name" && mkdir -p "$T/out-$name"
  # only the objects the build made (lzo2 ships prebuilt asm/i386/obj/)
  (cd "$T/w/src" && find . -name '*.o' | grep -vxF -f "$T/shipped" |
    tar -cf - -T -) | tar -xf - -C "$T/out-$name"
}

printf '| package | build system | language | compiler | compiles | ran remotely | identical objects | build stderr (lines, sorted) | ran here, why |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for pkg in "${packages[@]}"; do
  case $pkg in
    lzo2) sys=autotools lang=C ;;
    yaml-cpp) sys=CMake lang=C++ ;;
    fribidi) sys=meson lang=C ;;
  esac
  one_build "$pkg" local "$cc" "$cxx" ""
  one_build "$pkg" herdcc "$cc" "$cxx" "$herdcc "
  log=$T/build-herdcc.log
  # Every object is one compile; links and other commands are not counted
  # (a link's first input gives its reason: "x.o is not a C-family source").
  total=$(cd "$T/out-herdcc" && find . -name '*.o' | wc -l)
  remote=$(grep -c "completed ok" "$log" || true)
  here=$(grep "running .* locally: " "$log" |
    grep -v -e "not a compile" -e "\.o is not a C-family source" || true)
  why=$(printf '%s' "$here" | sed 's/.*locally: //' | sort | uniq -c |
    awk '{c=$1; $1=""; printf "%s%d ×%s", (NR>1?"; ":""), c, $0}')
  n=0 same=0
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    cmp -s "$T/out-local/$f" "$T/out-herdcc/$f" && same=$((same + 1))
    cmp -s "$T/out-local/$f" "$T/out-herdcc/$f" || echo "$pkg: $f differs" >&2
  done < <(cd "$T/out-local" && find . -name '*.o' -print0)
  if [ -n "${KEEP_OUT:-}" ]; then # for a look at what differs
    mkdir -p "$KEEP_OUT/$pkg" && cp -a "$T/out-local" "$T/out-herdcc" "$T"/*.log "$KEEP_OUT/$pkg/"
  fi
  lines=$(wc -l <"$T/stderr-local")
  if cmp -s <(sort "$T/stderr-local") <(sort "$T/stderr-herdcc"); then
    words="the same ($lines)"
  else
    words="differ ($lines here, $(wc -l <"$T/stderr-herdcc") remote)"
    cp "$T/stderr-local" "$T/stderr-herdcc" "${KEEP_STDERR:-$T}/" 2>/dev/null || true
  fi
  printf '| %s | %s | %s | %s | %d | %d (%d%%) | %d of %d (%d%%) | %s | %s |\n' \
    "$pkg" "$sys" "$lang" "$cc" "$total" "$remote" $((total ? remote * 100 / total : 0)) \
    "$same" "$n" $((n ? same * 100 / n : 0)) "$words" "${why:-none}"
done
