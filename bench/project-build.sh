#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real project build through a daemon on another (namespaced) host:
# Lua 5.4 from Debian 12's source package (34 translation units, its own
# unmodified Makefile, `make linux -jN`), built locally and through
# herdcc -> herdccd and distcc -> distccd (Debian's distcc 3.4), protocol
# 1 and ",lzo", and herdcc's native extension (",herd": the invitation,
# zlib bodies, the source in chunks; herdcc-herd with the server's chunk
# store empty, herdcc-warm right after it) against distcc ",lzo". The
# client runs here, the daemons on host B, joined by a
# veth pair whose counters give the bytes on the wire. Every build's
# objects are compared with the local build's (cmp), so a build that did
# not really compile the same thing fails the bench. Prints medians over
# RUNS builds (default 3), the variants interleaved.
#
#   bench/project-build.sh [BUILD_DIR]     (RUNS=3 JOBS=4 by default)
#
# The source is fetched once, with apt-get and a deb-src line of its own
# (private apt lists, nothing in /etc is changed), into
# ${XDG_CACHE_HOME:-/var/tmp}/herdcc-bench; reruns use the cache.
set -euo pipefail
pkg=lua5.4
. "$(dirname "$0")/debsrc.sh"
cache=$debsrc_cache
# The network is needed for the fetch: before lib.sh isolates the run.
[ -n "${HERDCC_BENCH_ISOLATED:-}" ] || debsrc_fetch "$pkg"

. "$(dirname "$0")/lib.sh"
runs=${RUNS:-3}
jobs=${JOBS:-4}
herdcc=$build/src/client/herdcc

# The client's state (what it measured of the link, the sizes of jobs) is
# the run's own, not the caller's ~/.herdcc: a first round starts knowing
# nothing of the link, as a new client does.
export HERDCC_DIR=$T/herdcc-state
mkdir -p "$HERDCC_DIR"

start_host_b
spawn_b "$T/herdccd.log" "$build/src/daemon/herdccd" --no-detach --log-stderr \
  --log-level=error --listen 10.213.0.2 --port 3632 --allow 10.213.0.0/24 --jobs "$jobs" \
  --no-cache --cache-dir "$T/hcache" # the builds repeat: compiles, not the
# result cache (bench/cache-build.sh); the chunk store (version 4) is
# emptied before each herdcc-herd build (cold: what a first build sends)
# and kept for the herdcc-warm build after it (what a rebuild sends)
spawn_b "$T/distccd.log" distccd --no-detach --daemon --log-stderr --log-level=error \
  --listen 10.213.0.2 --port 3633 --allow 10.213.0.0/24 --jobs "$jobs"
wait_port 10.213.0.2 3632
wait_port 10.213.0.2 3633

mkdir -p "$T/src"
tar -xf "$(ls "$cache/src/${pkg}_"*.orig.tar.*)" -C "$T/src"
srcdir=$(ls -d "$T/src"/*/)
ntu=$(ls "$srcdir"src/*.c | wc -l)
load=$(cut -d' ' -f1-3 /proc/loadavg)

# build NAME CC: one build of the project with CC in $T/work (the same
# directory every time), wall time and wire bytes appended to NAME's files,
# objects moved to $T/out-NAME.
build() {
  local name=$1 cc=$2 s e b0 b1
  rm -rf "$T/work" && cp -a "$srcdir" "$T/work"
  b0=$(wire_bytes)
  s=$(now_ns)
  make -s -C "$T/work/src" -j"$jobs" linux CC="$cc" >"$T/make-$name.log" 2>&1 ||
    { cat "$T/make-$name.log" >&2; echo "the $name build failed" >&2; exit 1; }
  e=$(now_ns)
  b1=$(wire_bytes)
  echo $(((e - s) / 1000000)) >>"$T/wall.$name"
  echo $((b1 - b0)) >>"$T/bytes.$name"
  rm -rf "$T/out-$name" && mkdir -p "$T/out-$name" && mv "$T/work/src"/*.o "$T/out-$name"/
}

# same_objects NAME: every object of the build is the local build's.
same_objects() {
  local f n=0
  for f in "$T/out-local"/*.o; do
    cmp -s "$f" "$T/out-$1/$(basename "$f")" ||
      { echo "$1: $(basename "$f") differs from the local build" >&2; exit 1; }
    n=$((n + 1))
  done
  [ "$n" -eq "$ntu" ] || { echo "$1: $n objects, expected $ntu" >&2; exit 1; }
}

# Which host ran the compiles: each daemon's log is quiet, so count on the
# client side that nothing fell back to a local compile.
export DISTCC_FALLBACK=0 HERDCC_FALLBACK=0
names=(local herdcc-v1 distcc-v1 herdcc-lzo distcc-lzo herdcc-herd herdcc-warm)
declare -A ccs=(
  [local]="gcc -std=gnu99"
  [herdcc-v1]="$herdcc gcc -std=gnu99"
  [distcc-v1]="distcc gcc -std=gnu99"
  [herdcc-lzo]="$herdcc gcc -std=gnu99"
  [distcc-lzo]="distcc gcc -std=gnu99"
  [herdcc-herd]="$herdcc gcc -std=gnu99"
  [herdcc-warm]="$herdcc gcc -std=gnu99"
)
declare -A hosts=(
  [local]=""
  [herdcc-v1]="10.213.0.2:3632/$jobs"
  [distcc-v1]="10.213.0.2:3633/$jobs"
  [herdcc-lzo]="10.213.0.2:3632/$jobs,lzo"
  [distcc-lzo]="10.213.0.2:3633/$jobs,lzo"
  [herdcc-herd]="10.213.0.2:3632/$jobs,herd"
  [herdcc-warm]="10.213.0.2:3632/$jobs,herd"
)
for i in $(seq 0 "$runs"); do
  for n in "${names[@]}"; do
    [ "$n" != herdcc-herd ] || rm -rf "$T/hcache/chunks/v1"/[0-9a-f][0-9a-f]
    DISTCC_HOSTS=${hosts[$n]} build "$n" "${ccs[$n]}"
    [ "$n" = local ] || same_objects "$n"
  done
  if [ "$i" -eq 0 ]; then # warm-up: caches, the daemons' first jobs
    for n in "${names[@]}"; do rm -f "$T/wall.$n" "$T/bytes.$n"; done
  fi
done

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
s() { awk -v m="$1" 'BEGIN { printf "%.2f", m / 1000 }'; }
echo "$pkg ($ntu translation units), make -j$jobs, daemons on another network namespace" \
  "(veth), median of $runs builds, $(nproc) cores, $(date -u +%F), load before $load"
printf '%-11s %8s %8s %9s %11s %12s\n' build "wall s" "/local" "/distcc" "wire MB" "wire/distcc"
lw=$(median <"$T/wall.local")
for n in "${names[@]}"; do
  w=$(median <"$T/wall.$n"); b=$(median <"$T/bytes.$n")
  case $n in
    herdcc-*) d=distcc-${n#herdcc-}; case $n in herdcc-herd | herdcc-warm) d=distcc-lzo ;; esac; dw=$(median <"$T/wall.$d"); db=$(median <"$T/bytes.$d")
      printf '%-11s %8s %8s %9s %11s %12s\n' "$n" "$(s "$w")" "$(ratio "$w" "$lw")" \
        "$(ratio "$w" "$dw")" "$(mb "$b")" "$(ratio "$b" "$db")" ;;
    *) printf '%-11s %8s %8s %9s %11s %12s\n' "$n" "$(s "$w")" "$(ratio "$w" "$lw")" - "$(mb "$b")" - ;;
  esac
done
echo "all $ntu objects of every build identical to the local build's"
echo "summary: herdcc/distcc wall $(ratio "$(median <"$T/wall.herdcc-v1")" "$(median <"$T/wall.distcc-v1")") (v1)," \
  "$(ratio "$(median <"$T/wall.herdcc-lzo")" "$(median <"$T/wall.distcc-lzo")") (lzo);" \
  "wire bytes $(ratio "$(median <"$T/bytes.herdcc-v1")" "$(median <"$T/bytes.distcc-v1")") (v1)," \
  "$(ratio "$(median <"$T/bytes.herdcc-lzo")" "$(median <"$T/bytes.distcc-lzo")") (lzo)," \
  "$(ratio "$(median <"$T/bytes.herdcc-herd")" "$(median <"$T/bytes.distcc-lzo")") (herdcc native," \
  "cold chunk store, against distcc lzo)," \
  "$(ratio "$(median <"$T/bytes.herdcc-warm")" "$(median <"$T/bytes.distcc-lzo")") (native, warm store);" \
  "wall $(ratio "$(median <"$T/wall.herdcc-herd")" "$(median <"$T/wall.distcc-lzo")") (native, cold)"
