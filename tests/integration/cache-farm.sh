#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The farm's result cache found wherever it is: three real herdccds with
# their caches, reached through the native extension (,herd). A build
# from one checkout and client state fills the caches; the same build
# from another checkout directory (relative paths, as make runs it) and
# another client state directory, as a colleague's would be, is served
# from them: the client sends each compile to the server that owns its
# command line by rendezvous hashing, where the first build stored it.
# Every object is identical to a local compile; the hits come without
# the source ("from the cache, no source sent").
. "$(dirname "$0")/lib.sh"
isolate "$@"

export DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0
SERVERS=(127.0.0.2 127.0.0.3 127.0.0.4)
# The three servers are one machine: they announce one speed. Measured,
# a second apart on a loaded machine (a sanitizer build, tests running
# beside this one), their speeds differ by more than the owner's slack,
# and a faster free server rightly takes compiles the owner would have
# served; that is the scheduler's business, not what is tested here.
for addr in "${SERVERS[@]}"; do
  "$HERDCCD_BIN" --no-detach --log-stderr --log-level=info --listen "$addr" \
    --port 3632 --allow 127.0.0.0/8 --jobs 4 --speed 1000 --cache-dir "$T/cache-$addr" \
    2>>"$T/herdccd-$addr.log" &
  STARTED_PIDS+=($!)
  wait_for port_open "$addr" 3632 || fail "herdccd on $addr did not start"
done
HOSTS="127.0.0.2:3632/4,herd 127.0.0.3:3632/4,herd 127.0.0.4:3632/4,herd"

# checkout DIR: the project's sources and a config.h, as a clone has them.
checkout() {
  project_sources >/dev/null
  make_project_config
  mkdir -p "$1/config"
  cp "$T/project"/*.[ch] "$1/"
  cp "$T/config/config.h" "$1/config/"
}
# build DIR CLIENT...: every source compiled in DIR with relative paths,
# four at a time.
build() {
  local dir=$1
  shift
  (cd "$dir" && ls ./*.c | sed 's|^\./||' | xargs -P 4 -I{} sh -c \
    'src={}; exec "$@" -O2 -Wall -D_GNU_SOURCE -I. -Iconfig -c "$src" -o "${src%.c}.o"' \
    sh "$@")
}
served() { cat "$T"/herdccd-*.log | grep -c "from the cache, no source sent" || true; }
stored() { find "$T"/cache-* -path '*/v1/??/*' -not -path '*/chunks/*' -type f -name '[0-9a-f]*' | grep -c . || true; }

checkout "$T/ref"
nsources=$(ls "$T/ref"/*.c | wc -l)
say "reference: $nsources sources compiled here"
build "$T/ref" gcc || fail "the local build failed"

say "a first build from one checkout and client state fills the caches"
checkout "$T/mine"
mkdir -p "$T/state-mine"
HERDCC_DIR=$T/state-mine DISTCC_DIR=$T/state-mine HERDCC_HOSTS=$HOSTS \
  HERDCC_VERBOSE=1 HERDCC_LOG=$T/client-mine.log build "$T/mine" "$HERDCC_BIN" gcc || fail "the first build failed"
for f in "$T/ref"/*.o; do
  cmp -s "$f" "$T/mine/$(basename "$f")" || fail "$(basename "$f") differs from the local compile"
done
per_server=$(for a in "${SERVERS[@]}"; do grep -c "exit 0" "$T/herdccd-$a.log" || true; done | tr '\n' ' ')
say "$nsources objects identical; compiles per server: $per_server"
for n in $per_server; do
  [ "$n" -gt 0 ] || fail "a server got no compile: $per_server"
done
wait_for test "$(stored)" -ge "$nsources" || fail "$(stored) results stored for $nsources compiles"
[ "$(served)" -eq 0 ] || fail "a first build was served from the caches"

say "the same build from another checkout and another client state"
checkout "$T/yours"
mkdir -p "$T/state-yours"
HERDCC_DIR=$T/state-yours DISTCC_DIR=$T/state-yours HERDCC_HOSTS=$HOSTS \
  HERDCC_VERBOSE=1 HERDCC_LOG=$T/client-yours.log build "$T/yours" "$HERDCC_BIN" gcc || fail "the second build failed"
for f in "$T/ref"/*.o; do
  cmp -s "$f" "$T/yours/$(basename "$f")" || fail "$(basename "$f") differs from the local compile"
done
hits=$(served)
say "$nsources objects identical; $hits of $nsources from the caches, no source sent"
# A compile whose owner was busy during the first build was stored
# elsewhere; with four slots a server and four compiles at a time, that
# is rare, but a loaded machine may make it happen once or twice.
[ "$hits" -ge $((nsources * 9 / 10)) ] ||
  fail "only $hits of $nsources compiles found their result in the farm"
say "PASS"
