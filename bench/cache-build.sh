#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The result cache on a real project: Lua 5.4 from Debian 12's source
# package (its own Makefile, `make linux -jN`) built through herdcc ->
# herdccd on another (namespaced) host, first from one checkout with an
# empty cache (cold), then from a second checkout in another directory with
# another client state directory (warm: a colleague's build, a CI run).
# Debian's ccache does the same two builds with one CCACHE_DIR, and
# distcc -> distccd 3.4 and a local build are the references. Every build's
# objects are compared with the local build's (cmp). Then the per-job time
# of one hello-world compile: local gcc -c, a herdccd cache hit, a ccache
# hit, herdccd and distccd compiling. Prints medians over RUNS (default 3).
# A third checkout goes through the native extension (,herd): the digest
# before the source, so a hit sends no source and starts no compiler.
#
#   bench/cache-build.sh [BUILD_DIR]     (RUNS=3 JOBS=4 N=40 by default)
#
# The Lua source is fetched as bench/project-build.sh fetches it.
set -euo pipefail
cache=${XDG_CACHE_HOME:-/var/tmp}/herdcc-bench
pkg=lua5.4

fetch_source() {
  ls "$cache/src/${pkg}_"*.orig.tar.* >/dev/null 2>&1 && return 0
  mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/src"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
    "http://deb.debian.org/debian bookworm main" >"$cache/apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache")
  apt-get -q "${opts[@]}" update >&2
  (cd "$cache/src" && apt-get -q "${opts[@]}" source --download-only "$pkg" >&2)
}
[ -n "${HERDCC_BENCH_ISOLATED:-}" ] || fetch_source

. "$(dirname "$0")/lib.sh"
runs=${RUNS:-3}
jobs=${JOBS:-4}
n=${N:-40}
herdcc=$build/src/client/herdcc
command -v ccache >/dev/null || { echo "Debian's ccache is not installed" >&2; exit 1; }

start_host_b
# start_herdccd DIR: herdccd on B with its result cache in DIR (fresh).
herdccd_pid=
start_herdccd() {
  [ -z "$herdccd_pid" ] || { kill "$herdccd_pid"; wait "$herdccd_pid" 2>/dev/null || true; }
  rm -rf "$1"
  spawn_b "$T/herdccd.log" "$build/src/daemon/herdccd" --no-detach --log-stderr \
    --log-level=notice --listen 10.213.0.2 --port 3632 --allow 10.213.0.0/24 \
    --jobs "$jobs" --cache-dir "$1" "${@:2}"
  herdccd_pid=${pids[-1]}
  wait_port 10.213.0.2 3632
}
spawn_b "$T/distccd.log" distccd --no-detach --daemon --log-stderr --log-level=error \
  --listen 10.213.0.2 --port 3633 --allow 10.213.0.0/24 --jobs "$jobs"
wait_port 10.213.0.2 3633

mkdir -p "$T/src"
tar -xf "$(ls "$cache/src/${pkg}_"*.orig.tar.*)" -C "$T/src"
srcdir=$(ls -d "$T/src"/*/)
ntu=$(ls "$srcdir"src/*.c | wc -l)
load=$(cut -d' ' -f1-3 /proc/loadavg)

# build NAME DIR CC: a fresh checkout in DIR built with CC; the wall time
# is appended to NAME's file, the objects moved to $T/out-NAME.
build() {
  local name=$1 dir=$2 cc=$3 s e
  rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && cp -a "$srcdir" "$dir"
  s=$(now_ns)
  make -s -C "$dir/src" -j"$jobs" linux CC="$cc" >"$T/make-$name.log" 2>&1 ||
    { cat "$T/make-$name.log" >&2; echo "the $name build failed" >&2; exit 1; }
  e=$(now_ns)
  echo $(((e - s) / 1000000)) >>"$T/wall.$name"
  rm -rf "$T/out-$name" && mkdir -p "$T/out-$name" && mv "$dir/src"/*.o "$T/out-$name"/
  rm -rf "$dir"
}

same_objects() {
  local f k=0
  for f in "$T/out-local"/*.o; do
    cmp -s "$f" "$T/out-$1/$(basename "$f")" ||
      { echo "$1: $(basename "$f") differs from the local build" >&2; exit 1; }
    k=$((k + 1))
  done
  [ "$k" -eq "$ntu" ] || { echo "$1: $k objects, expected $ntu" >&2; exit 1; }
}

export DISTCC_FALLBACK=0 HERDCC_FALLBACK=0
H=10.213.0.2:3632/$jobs,lzo
for i in $(seq 0 "$runs"); do
  build local "$T/local" "gcc -std=gnu99"
  DISTCC_HOSTS=10.213.0.2:3633/$jobs,lzo build distcc "$T/distcc" "distcc gcc -std=gnu99"
  same_objects distcc
  start_herdccd "$T/herdccd-cache-$i"
  HERDCC_DIR=$T/state1-$i HERDCC_HOSTS=$H build herdcc-cold "$T/checkout1" \
    "$herdcc gcc -std=gnu99"
  same_objects herdcc-cold
  HERDCC_DIR=$T/state2-$i HERDCC_HOSTS=$H build herdcc-warm "$T/elsewhere/checkout2" \
    "$herdcc gcc -std=gnu99"
  same_objects herdcc-warm
  hits=$(grep -c "from the cache" "$T/herdccd.log" || true)
  # the same through the native extension: the digest before the source
  HERDCC_DIR=$T/state3-$i HERDCC_HOSTS=$H,herd build herdcc-warm-herd \
    "$T/third/checkout3" "$herdcc gcc -std=gnu99"
  same_objects herdcc-warm-herd
  herd_hits=$(grep -c "no source sent" "$T/herdccd.log" || true)
  export CCACHE_DIR=$T/ccache-$i
  rm -rf "$CCACHE_DIR"
  build ccache-cold "$T/checkout1" "ccache gcc -std=gnu99"
  same_objects ccache-cold
  build ccache-warm "$T/elsewhere/checkout2" "ccache gcc -std=gnu99"
  same_objects ccache-warm
  ccache_hits=$(ccache -s 2>/dev/null | awk '/[Hh]its:/ {print $2; exit}')
  unset CCACHE_DIR
  if [ "$i" -eq 0 ]; then # warm-up: page cache, the daemons' first jobs
    rm -f "$T"/wall.*
  fi
done

# One small compile, N times: its per-job time.
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$T/hello.c"
gcc -c "$T/hello.c" -o "$T/hello-ref.o"
per_job() {
  local name=$1 s e k
  shift
  s=$(now_ns)
  for k in $(seq 1 "$n"); do
    "$@" -c "$T/hello.c" -o "$T/hello-$name.o"
  done
  e=$(now_ns)
  cmp -s "$T/hello-$name.o" "$T/hello-ref.o" || { echo "$name: hello.o differs" >&2; exit 1; }
  echo $(((e - s) / n / 1000))
}
start_herdccd "$T/herdccd-hello"
HERDCC_DIR=$T/state-hello HERDCC_HOSTS=$H "$herdcc" gcc -c "$T/hello.c" -o "$T/hello-x.o"
export CCACHE_DIR=$T/ccache-hello
ccache gcc -c "$T/hello.c" -o "$T/hello-x.o"
t_local=$(per_job local gcc)
t_hit=$(HERDCC_DIR=$T/state-hello HERDCC_HOSTS=$H per_job herdcc-hit "$herdcc" gcc)
t_herd=$(HERDCC_DIR=$T/state-hello HERDCC_HOSTS=$H,herd per_job herdcc-herd "$herdcc" gcc)
t_ccache=$(per_job ccache-hit ccache gcc)
t_distcc=$(DISTCC_HOSTS=10.213.0.2:3633/$jobs,lzo per_job distcc distcc gcc)
start_herdccd "$T/herdccd-off" --no-cache
t_nocache=$(HERDCC_DIR=$T/state-hello HERDCC_HOSTS=$H per_job herdcc-nocache "$herdcc" gcc)

s() { awk -v m="$1" 'BEGIN { printf "%.2f", m / 1000 }'; }
echo "$pkg ($ntu translation units), make -j$jobs, herdccd and distccd on another network" \
  "namespace (veth), median of $runs runs, $(nproc) cores, $(date -u +%F), load before $load"
cold=$(median <"$T/wall.herdcc-cold")
printf '%-12s %8s %8s %8s\n' build "wall s" "/local" "/cold"
lw=$(median <"$T/wall.local")
for name in local distcc herdcc-cold herdcc-warm herdcc-warm-herd ccache-cold ccache-warm; do
  w=$(median <"$T/wall.$name")
  printf '%-12s %8s %8s %8s\n' "$name" "$(s "$w")" "$(ratio "$w" "$lw")" "$(ratio "$w" "$cold")"
done
echo "herdcc-warm: a second checkout in another directory, another HERDCC_DIR;" \
  "$hits of $ntu from the cache in the last run; herdcc-warm-herd: a third checkout" \
  "through ,herd, $herd_hits served by digest (no source sent); ccache-warm: $ccache_hits hits"
echo "warm/cold: herdcc $(ratio "$(median <"$T/wall.herdcc-warm")" "$cold")," \
  "ccache $(ratio "$(median <"$T/wall.ccache-warm")" "$(median <"$T/wall.ccache-cold")")"
echo "all $ntu objects of every build identical to the local build's"
echo "per job, hello.c, mean of $n: local gcc -c $t_local us, herdccd hit $t_hit us," \
  "herdccd hit by digest (,herd) $t_herd us, ccache hit $t_ccache us," \
  "herdccd --no-cache $t_nocache us, distccd $t_distcc us"
