#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdccd's result cache with a real herdccd and real gcc: a build through
# it fills the cache, the same build again (herdcc, and Debian's distcc
# client, protocols 1 and 2) comes from it, every object identical to a
# local compile on a miss and on a hit; the cache survives a restart; a
# damaged entry (a flipped byte, a truncated file) is a miss, never a
# wrong object; -g from another directory is not served the first one's
# object; a small --cache-size evicts and stays within its size;
# --no-cache and --cache-size=0 turn it off. The status JSON and
# "GET /text" count hits, misses, stores, evictions, bytes and entries;
# distcc's plain text stays as it was. (-g with
# -gno-record-gcc-switches, as herdcc.1 says for identical objects.)
. "$(dirname "$0")/lib.sh"
isolate "$@"

CACHE=$T/cache
LOG=$T/herdccd-3632.log
export DISTCC_DIR=$T/state DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0 \
  HERDCC_DIR=$T/state
mkdir -p "$DISTCC_DIR"

hits() { grep -c "from the cache" "$LOG" 2>/dev/null || true; }
# every entry file: DIR/v1/XY/REST
entry_files() {
  find "$CACHE/v1" -mindepth 2 -maxdepth 2 -type f -path "$CACHE/v1/??/*" \
    -name '[0-9a-f]*' "$@"
}
entries() { entry_files | grep -c . || true; }
cache_bytes() { cut -d' ' -f1 "$CACHE/v1/usage"; }

# stats PATH: the stats port's reply to "GET PATH" (the body).
stats() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.2", 3633), timeout=10)
s.sendall(b"GET " + sys.argv[1].encode() + b" HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode().split("\r\n\r\n", 1)[-1].split("\n\n", 1)[-1])
PY
}
# cache_stat NAME: a member of the status JSON's "cache" object.
cache_stat() {
  stats /json | python3 -c 'import json, sys
v = json.load(sys.stdin)["cache"][sys.argv[1]]
print(str(v).lower() if isinstance(v, bool) else v)' "$1"
}
# wait_stat NAME VALUE: the counters move when the server reaps a job.
wait_stat() {
  local i
  for i in $(seq 1 100); do
    [ "$(cache_stat "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "cache $1 is $(cache_stat "$1"), expected $2"
}

stop_daemon() {
  local pid=${STARTED_PIDS[-1]}
  kill "$pid" && wait "$pid" 2>/dev/null || true
  unset 'STARTED_PIDS[-1]'
}

# idle: every job process done (a store happens after its reply).
idle() {
  local i
  for i in $(seq 1 100); do
    [ "$(stats /json | python3 -c 'import json, sys
print(json.load(sys.stdin)["running"])')" = 0 ] && return 0
    sleep 0.1
  done
  fail "jobs still running"
}

# through LABEL CLIENT HOSTS: build the project through the daemon.
through() {
  local label=$1 client=$2 hosts=$3
  DISTCC_HOSTS=$hosts HERDCC_HOSTS=$hosts build_project "$T/$label" \
    "$client" gcc || fail "$label: the build failed"
  same_objects "$T/$label" "$T/ref"
  idle
}

nsources=$(project_sources | wc -l)
say "reference: a local build of $nsources sources"
build_project "$T/ref" gcc

start_herdccd 127.0.0.2 3632 --cache-dir "$CACHE" --stats --stats-port 3633
[ "$(cache_stat enabled)" = true ] || fail "the status says the cache is off"
say "a first job teaches the server its compiler"
printf 'int first;\n' >"$T/first.c"
(cd "$T" && HERDCC_HOSTS=127.0.0.2:3632 "$HERDCC_BIN" gcc -c first.c -o first.o) ||
  fail "the first compile failed"
idle
[ -n "$(ls "$CACHE/v1/compilers")" ] || fail "the compiler was not learnt"
[ "$(entries)" -eq 1 ] || fail "the first job of a new compiler was not stored"
# the first job counts in every figure below
stored=$((nsources + 1))
say "a cold build fills the cache"
through cold "$HERDCC_BIN" 127.0.0.2:3632
[ "$(hits)" -eq 0 ] || fail "a cold build was served from the cache"
[ "$(entries)" -eq "$stored" ] || fail "$(entries) entries for $stored compiles"
[ "$(stat -c %a "$CACHE")" = 700 ] || fail "the cache directory is not private"
wait_stat misses "$stored"
wait_stat stores "$stored"
wait_stat hits 0
wait_stat entries "$stored"
wait_stat bytes "$(cache_bytes)"
wait_stat max_bytes $((2 * 1024 * 1024 * 1024))

say "the same build again comes from the cache"
through warm "$HERDCC_BIN" 127.0.0.2:3632,lzo
[ "$(hits)" -eq "$nsources" ] || fail "$(hits) of $nsources from the cache"
wait_stat hits "$nsources"
wait_stat misses "$stored"
say "the status JSON counts $nsources hits, $stored misses and stores"
stats / >"$T/plain.txt"
grep -q '^dcc_compile_ok ' "$T/plain.txt" || fail "no distcc text: $(cat "$T/plain.txt")"
! grep -q '^herdcc_' "$T/plain.txt" || fail "distcc's text reply has our keys"
stats /text >"$T/ours.txt"
[ "$(grep '^dcc_' "$T/ours.txt" | cut -d' ' -f1)" = \
  "$(grep '^dcc_' "$T/plain.txt" | cut -d' ' -f1)" ] ||
  fail "GET /text changed distcc's keys"
grep -qx "herdcc_cache_hits $nsources" "$T/ours.txt" ||
  fail "GET /text: $(grep herdcc_ "$T/ours.txt")"
[ "$(grep -n '^herdcc_cache_hits' "$T/ours.txt" | cut -d: -f1)" -gt \
  "$(grep -n '^dcc_free_space' "$T/ours.txt" | cut -d: -f1)" ] ||
  fail "GET /text: our keys are not after distcc's"
say "GET /text: distcc's keys, then ours; the plain text unchanged"

# distcc 3.4 sends gcc as x86_64-linux-gnu-gcc: another command line, so
# its first build is its own; its second comes from the cache.
say "a stock distcc client is served from the cache too (protocols 1 and 2)"
before=$(hits)
through distcc-v1 distcc 127.0.0.2:3632
through distcc-v2 distcc 127.0.0.2:3632,lzo
stock=$(($(hits) - before))
[ "$stock" -ge "$nsources" ] || fail "distcc: only $stock hits in two builds"
say "distcc: $stock of $((2 * nsources)) from the cache"

say "herdcc through the native extension (,herd): the digest first"
bytes_in() { stats /json | python3 -c 'import json, sys
print(json.load(sys.stdin)["bytes_in"])'; }
in0=$(bytes_in)
through herd-hit "$HERDCC_BIN" 127.0.0.2:3632,herd
[ "$(grep -c "from the cache, no source sent" "$LOG")" -eq "$nsources" ] ||
  fail "herd: $(grep -c "no source sent" "$LOG") of $nsources hits without the source"
[ "$(bytes_in)" = "$in0" ] || fail "herd: sources were sent on hits ($in0 -> $(bytes_in))"
say "herd: $nsources hits, no source sent"
# a miss: the server asks for the source (HSRC), compiles, stores
PROJECT_EXTRA_FLAGS=-fno-strict-aliasing build_project "$T/ref-fnsa" gcc
DISTCC_HOSTS=127.0.0.2:3632,herd HERDCC_HOSTS=127.0.0.2:3632,herd \
  PROJECT_EXTRA_FLAGS=-fno-strict-aliasing build_project "$T/herd-miss" \
  "$HERDCC_BIN" gcc || fail "herd: the build failed"
same_objects "$T/herd-miss" "$T/ref-fnsa"
idle
[ "$(bytes_in)" -gt "$in0" ] || fail "herd: a miss sent no source"
in1=$(bytes_in)
DISTCC_HOSTS=127.0.0.2:3632,herd HERDCC_HOSTS=127.0.0.2:3632,herd \
  PROJECT_EXTRA_FLAGS=-fno-strict-aliasing build_project "$T/herd-again" \
  "$HERDCC_BIN" gcc || fail "herd: the build failed"
same_objects "$T/herd-again" "$T/ref-fnsa"
idle
[ "$(bytes_in)" = "$in1" ] || fail "herd: the stored results were not hits"
[ "$(grep -c "from the cache, no source sent" "$LOG")" -eq $((2 * nsources)) ] ||
  fail "herd: the second build was not served by digest"
say "herd: misses compiled and stored, then served by digest"

say "the cache survives a restart"
stop_daemon
: >"$LOG"
start_herdccd 127.0.0.2 3632 --cache-dir "$CACHE" --stats --stats-port 3633
through restarted "$HERDCC_BIN" 127.0.0.2:3632
[ "$(hits)" -eq "$nsources" ] || fail "after a restart: $(hits) of $nsources hits"

say "damaged entries are misses, the objects still right"
total=$(entries) n=0
while read -r entry; do
  size=$(stat -c %s "$entry")
  if [ $((n % 2)) -eq 0 ]; then
    # flip one bit in the middle of the object
    python3 - "$entry" "$((size / 2))" <<'PY'
import sys
path, at = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 0x10]))
PY
  else
    truncate -s $((size - 7)) "$entry"
  fi
  n=$((n + 1))
done < <(entry_files)
[ "$n" -eq "$total" ] && [ "$n" -ge "$nsources" ] || fail "damaged $n entries of $total"
: >"$LOG"
through damaged "$HERDCC_BIN" 127.0.0.2:3632
[ "$(hits)" -eq 0 ] || fail "$(hits) damaged entries were served"
[ "$(grep -c "is damaged" "$LOG")" -eq "$nsources" ] ||
  fail "the damaged entries were not all reported"
[ "$(entries)" -eq "$total" ] || fail "the damaged entries were not replaced"

say "-g from another directory is not the first directory's object"
mkdir -p "$T/g1/src" "$T/g2/src"
printf 'static int v = 3;\nint f(int x) { return x * v; }\n' >"$T/g1/src/g.c"
cp "$T/g1/src/g.c" "$T/g2/src/g.c"
for d in g1 g2; do
  (cd "$T/$d" && gcc -g -gno-record-gcc-switches -O1 -c src/g.c -o local.o) || fail "local -g compile"
done
: >"$LOG"
for d in g1 g2 g1; do
  (cd "$T/$d" && HERDCC_HOSTS=127.0.0.2:3632 "$HERDCC_BIN" gcc -g -gno-record-gcc-switches -O1 \
    -c src/g.c -o remote.o) || fail "remote -g compile in $d"
  idle
  cmp -s "$T/$d/remote.o" "$T/$d/local.o" ||
    fail "-g object from $d differs from its local compile"
done
[ "$(hits)" -eq 1 ] || fail "-g: $(hits) hits, expected 1 (g1 again)"

say "a small --cache-size evicts the least recently used"
stop_daemon
: >"$LOG"
LIMIT=$((200 * 1024))
start_herdccd 127.0.0.2 3632 --cache-dir "$CACHE" --cache-size 200K \
  --stats --stats-port 3633
[ "$(cache_bytes)" -le "$LIMIT" ] || fail "start-up left $(cache_bytes) bytes"
through small "$HERDCC_BIN" 127.0.0.2:3632
[ "$(cache_bytes)" -le "$LIMIT" ] || fail "$(cache_bytes) bytes in a 200K cache"
actual=$(entry_files -printf '%s\n' | awk '{s += $1} END {print s + 0}')
[ "$actual" -le "$LIMIT" ] || fail "$actual bytes on disk in a 200K cache"
[ "$(entries)" -lt "$nsources" ] || fail "nothing was evicted"
say "$(entries) entries, $actual bytes in a cache of $LIMIT"
evictions=$(cache_stat evictions)
[ "$evictions" -gt 0 ] || fail "the status counts no evictions"
wait_stat entries "$(entries)"
say "the status counts $evictions evictions"

# The chunk store of native clients' sources is not the result cache:
# --chunk-store-size 0 turns it off (herd.sh tests it).
for off in --no-cache --cache-size=0; do
  say "$off: no cache"
  stop_daemon
  rm -rf "$CACHE"
  : >"$LOG"
  start_herdccd 127.0.0.2 3632 --cache-dir "$CACHE" "$off" --chunk-store-size 0 \
    --stats --stats-port 3633
  for k in 1 2; do
    (cd "$T/g1" && HERDCC_HOSTS=127.0.0.2:3632 "$HERDCC_BIN" gcc -g \
      -gno-record-gcc-switches -O1 -c src/g.c -o remote.o) ||
      fail "$off: remote compile"
    cmp -s "$T/g1/remote.o" "$T/g1/local.o" || fail "$off: the object differs"
    idle
  done
  [ "$(grep -c "exit 0" "$LOG")" -eq 2 ] || fail "$off: not two compiles"
  [ "$(hits)" -eq 0 ] || fail "$off: served from a cache"
  [ ! -e "$CACHE" ] || fail "$off: a cache directory was made"
  [ "$(cache_stat enabled)" = false ] || fail "$off: the status says on"
done

say "PASS"
