#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The attack suite: herdccd, started as root (it drops to an unprivileged
# user), is sent what an attacker would send, through a client that speaks
# the wire protocol directly (wire.py): distcc's CVE-2004-2687 shape,
# every argument family the server must refuse, output names that point
# elsewhere, lies and garbage in the framing, stalled and trickling
# clients, and hundreds of idle connections. After each one: no file
# appeared outside the job directory, no compiler ran when none should,
# the refusal (where one is owed) has a non-zero STAT and names its reason
# in SERR and in the log, and the daemon then compiles a good job that is
# byte-identical to a local gcc -c.
. "$(dirname "$0")/lib.sh"
isolate "$@"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
command -v "$PY" >/dev/null || { echo "python3 is not installed"; exit 77; }
WIRE=$HERDCC_SOURCE_ROOT/tests/integration/wire.py

# Private /tmp, /var/tmp and /dev/shm: any file that appears there now is
# this test's doing (or the daemon's).
rmdir "$T"
# The tree under test may itself live in /tmp (a CI clone): keep the old
# /tmp reachable at /mnt, in this test's own mount namespace only.
case "$HERDCCD_BIN $HERDCC_BIN $HERDCC_SOURCE_ROOT" in
  */tmp/*)
    mount --bind /tmp /mnt
    HERDCCD_BIN=${HERDCCD_BIN/#\/tmp\//\/mnt\/}
    HERDCC_BIN=${HERDCC_BIN/#\/tmp\//\/mnt\/}
    HERDCC_SOURCE_ROOT=${HERDCC_SOURCE_ROOT/#\/tmp\//\/mnt\/}
    WIRE=$HERDCC_SOURCE_ROOT/tests/integration/wire.py
    ;;
esac
for d in /tmp /var/tmp /dev/shm; do
  mount -t tmpfs -o mode=1777 tmpfs "$d"
done
T=$(mktemp -d /tmp/attack.XXXXXX)
chmod 755 "$T"
export CACHE_DIRECTORY=$T/herdccd-cache # lib.sh's is under the old /tmp
mkdir -m 777 "$T/cwd" # the daemon's working directory, writable by it

PORT=3632
IO_TIMEOUT=3
cd "$T/cwd"
start_herdccd 127.0.0.2 "$PORT" --jobs 1 --io-timeout "$IO_TIMEOUT" --verbose
DAEMON=${STARTED_PIDS[0]}
LOG=$T/herdccd-$PORT.log
cd "$T"

printf '%s\n' '#include <stdio.h>' 'static int twice(int v) { return 2 * v; }' \
  'int main(void) { printf("%d\n", twice(21)); return 0; }' >x.c
gcc -E x.c -o x.i
gcc -c x.i -o ref.o

marker=$T/marker
touch "$marker"
sleep 0.01

W() { timeout 60 "$PY" "$WIRE" --host 127.0.0.2 --port "${WPORT:-$PORT}" "$@"; }

# Files that appeared anywhere an attacker could reach, outside $T.
new_files() {
  find /tmp /var/tmp /dev/shm -xdev -mindepth 1 -newer "$marker" \
    -not -path "$T" -not -path "$T/*" 2>/dev/null
  find / -xdev -maxdepth 1 -newer "$marker" -not -type d 2>/dev/null
  find "$T/cwd" -mindepth 1 2>/dev/null
}
no_new_files() { [ -z "$(new_files)" ]; }
check_clean() {
  wait_for no_new_files || fail "$1: files appeared outside the job directory: $(new_files | head)"
  wait_for no_compilers || fail "$1: a compiler is left running"
  [ ! -e /tmp/pwned ] && [ ! -e /tmp/x ] && [ ! -e /tmp/evil.o ] ||
    fail "$1: an attacker's file exists"
  kill -0 "$DAEMON" 2>/dev/null || fail "$1: the daemon died"
  if grep -E 'killed by signal|AddressSanitizer|runtime error' "$LOG"; then
    fail "$1: a job process crashed"
  fi
}
count_runs() { grep -c 'DEBUG: Running ' "$LOG" || true; }
# No compiler of the daemon's is left running.
no_compilers() {
  local f
  for f in /proc/[0-9]*/comm; do
    case $(cat "$f" 2>/dev/null) in cc1 | cc1plus | as | gcc) return 1 ;; esac
  done
}
count_jobs() { grep -c 'Job from 127\.0\.0\.1:' "$LOG" || true; }
more_jobs_than() { [ "$(count_jobs)" -gt "$1" ]; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# good_job [SECONDS]: the daemon compiles x.c right (within SECONDS).
good_job() {
  local limit=${1:-30} start out took
  start=$(now)
  rm -f "$T/got.o"
  out=$(W compile --source "$T/x.i" --object "$T/got.o" -- gcc -O2 -c x.c -o x.o) ||
    fail "good job: no reply: $out"
  took=$(elapsed "$start")
  grep -qx 'STAT 00000000' <<<"$out" || fail "good job failed: $out"
  cmp -s "$T/got.o" "$T/ref-O2.o" || fail "good job: object differs from a local gcc -c"
  awk -v t="$took" -v l="$limit" 'BEGIN { exit !(t <= l) }' ||
    fail "good job took ${took}s, more than ${limit}s"
  GOOD_TOOK=$took
}
gcc -O2 -c x.i -o ref-O2.o
# A source that is also a response file, for compilers that would read the
# job directory's input.i as one ("--param @input.i").
printf '%s\n' "max-inline-insns-single=10 -wrapper 'sh,-c,id >/tmp/pwned'" >payload.i

# refused STAT TEXT [wire.py compile options] -- ARGV...: a request with a
# source that the daemon must refuse with STAT and a SERR line
# "herdccd: refused: TEXT...", running nothing.
refused() {
  local want_stat=$1 want_text=$2 runs out serr
  shift 2
  runs=$(count_runs)
  out=$(W compile --source "${SOURCE:-$T/x.i}" "$@") || fail "no reply to $*: $out"
  serr=$(sed -n 's/^SERR //p' <<<"$out")
  grep -qx "STAT $want_stat" <<<"$out" || fail "$*: wanted STAT $want_stat: $out"
  grep -qxF "herdccd: refused: $want_text" <<<"$serr" ||
    grep -qF "herdccd: refused: $want_text" <<<"$serr" ||
    fail "$*: wanted SERR 'herdccd: refused: $want_text...': $out"
  grep -qx 'DOTO 0' <<<"$out" || fail "$*: an object came back: $out"
  grep -qF "Job from 127.0.0.1:" "$LOG" && grep -qF "refused: $want_text" "$LOG" ||
    fail "$*: the refusal is not in the log"
  [ "$(count_runs)" = "$runs" ] || fail "$*: the daemon ran a compiler: $(grep Running "$LOG" | tail -1)"
  check_clean "$*"
  good_job
  while [ "$1" != -- ]; do shift; done
  shift
  printf '   %-44s -> STAT %s %s\n' "$(printf '%q ' "$@" | cut -c1-44)" \
    "$want_stat" "$serr"
}

# renamed ARGV...: a request the daemon runs, but with its own file names.
renamed() {
  local runs out line
  runs=$(count_runs)
  rm -f "$T/got.o"
  out=$(W compile --source "$T/x.i" --object "$T/got.o" -- "$@") || fail "no reply to $*: $out"
  grep -qx 'STAT 00000000' <<<"$out" || fail "$*: $out"
  cmp -s "$T/got.o" "$T/ref.o" || fail "$*: object differs from a local gcc -c"
  [ "$(count_runs)" -eq $((runs + 1)) ] || fail "$*: expected one compiler run"
  line=$(grep 'DEBUG: Running ' "$LOG" | tail -1)
  local want='-o ?/tmp/herdccd-[A-Za-z0-9]{6}/output\.o$'
  [[ $line =~ $want ]] && [[ $line != *evil* ]] &&
    [[ $line != *../* ]] || fail "$*: the compiler ran as: $line"
  check_clean "$*"
  printf '   %-44s -> STAT 0, compiled as %s\n' "$(printf '%q ' "$@" | cut -c1-44)" \
    "${line#*Running }"
}

# raw LABEL WANT DATA...: send raw bytes (Python escapes), half-close, and
# expect a refusal with STAT WANT, or "drop": the connection closed with
# nothing sent back. No compiler runs, unless HEAD_OK is set: the daemon
# starts the compiler for a checked command line before the source comes.
raw() {
  local label=$1 want=$2 runs jobs out reply
  shift 2
  runs=$(count_runs)
  jobs=$(count_jobs)
  out=$(W raw "$@") || fail "$label: $out"
  wait_for more_jobs_than "$jobs" || fail "$label: not logged"
  reply=$(sed -n 's/^REPLY //p' <<<"$out")
  if [ "$want" = drop ]; then
    [ "$reply" = "b''" ] || fail "$label: expected no reply, got $reply"
  else
    [[ $reply == "b'DONE0000000"?"STAT$want"* && $reply == *refused* ]] ||
      fail "$label: expected STAT $want, got $reply"
  fi
  if [ -z "${HEAD_OK:-}" ]; then
    [ "$(count_runs)" = "$runs" ] || fail "$label: the daemon ran a compiler"
  fi
  check_clean "$label"
  good_job
  printf '   %-44s -> %s\n' "$label" "$(cut -c1-110 <<<"$reply")"
}

start=$(now)
say "a good job first (protocols 1 and 2)"
good_job
out=$(W compile --version 2 --source x.i --object got2.o -- gcc -O2 -c x.c -o x.o)
grep -qx 'STAT 00000000' <<<"$out" && cmp -s got2.o ref-O2.o || fail "protocol 2: $out"

say "CVE-2004-2687: the command is the attacker's, not a compiler"
refused 00006e00 "compiler sh is not allowed" -- sh -c "touch /tmp/pwned"
refused 00006e00 "compiler sh is not allowed" -- \
  sh -c "touch /tmp/pwned" '#' -c main.c -o main.o
refused 00006e00 "compiler name /bin/sh is not allowed" -- \
  /bin/sh -c "touch /tmp/pwned" -c x.c -o x.o
refused 00006e00 "compiler name cc; touch /tmp/x is not allowed" -- \
  "cc; touch /tmp/x" -c x.c -o x.o
refused 00006e00 'compiler name $(touch /tmp/x) is not allowed' -- \
  '$(touch /tmp/x)' -c x.c -o x.o
refused 00006e00 "compiler name ../../../bin/sh is not allowed" -- \
  ../../../bin/sh -c x.c -o x.o
refused 00006e00 "compiler bash is not allowed" -- bash -c x.c -o x.o
refused 00006e00 "compiler sh is not allowed" --version 2 -- \
  sh -c "touch /tmp/pwned"

say "arguments that load code, name other programs, or read or write paths"
for arg in @/etc/passwd; do
  refused 00006500 "response file $arg is not allowed" -- gcc "$arg" -c x.c -o x.o
done
for opt in --param -target -o; do
  SOURCE=payload.i refused 00006500 "response file @input.i is not allowed" -- \
    gcc -c x.c "$opt" @input.i
done
for arg in -fplugin=/x.so -fplugin-arg-x-y=z -fpass-plugin=/x.so -specs=/tmp/s \
  --specs=/tmp/s -B/tmp/ -iplugindir=/x -fprofile-generate=/tmp/p \
  -fprofile-use=/tmp/p -fprofile-dir=/tmp -fprofile-instr-generate=/tmp/p \
  -fauto-profile=/tmp/p -save-temps=obj -save-temps -fdump-tree-all=/tmp/d \
  -fdump-rtl-all --sysroot=/ -I/etc -isystem/etc -fstack-usage \
  -fcallgraph-info=su -gsplit-dwarf -gsplit-dwarf=single \
  -Wa,-adhln=/tmp/x.lst -Wa,@/etc/passwd -Wp,-MD,/tmp/x.d -Wl,-o,/tmp/x \
  -fcompare-debug -frecord-gcc-switches -fdiagnostics-format=json-file \
  -mllvm=/x -fsomething=/etc/passwd -O/tmp -E -M; do
  refused 00006500 "option $arg is not allowed" -- gcc "$arg" -c x.c -o x.o
done
# the profile forms a herdcc client writes need the profile with the job
# (extension version 3): a classic request cannot bring it
refused 00006500 "option -fprofile-use needs the profile sent with the job" -- \
  gcc -fprofile-use -c x.c -o x.o
refused 00006500 "option -fprofile-use=herdcc-profile needs the profile" -- \
  clang -fprofile-use=herdcc-profile -c x.c -o x.o
refused 00006500 "option -fprofile-sample-use=/etc/passwd is not allowed" -- \
  clang -fprofile-sample-use=/etc/passwd -c x.c -o x.o
refused 00006500 "option -Xclang is not allowed" -- \
  gcc -Xclang -load -Xclang /x.so -c x.c -o x.o
refused 00006500 "option -Xclang is not allowed" -- \
  clang -Xclang -plugin -Xclang x -c x.c -o x.o
refused 00006500 "option -wrapper is not allowed" -- \
  gcc -wrapper "sh,-c,touch /tmp/x" -c x.c -o x.o
refused 00006500 "option -dumpdir is not allowed" -- \
  gcc -dumpdir /tmp/ -c x.c -o x.o
refused 00006500 "option -include is not allowed" -- \
  gcc -include /etc/passwd -c x.c -o x.o
refused 00006500 "option -aux-info is not allowed" -- \
  gcc -aux-info /tmp/x -c x.c -o x.o
refused 00006500 "option --param is not allowed" -- \
  gcc --param /tmp/x -c x.c -o x.o
refused 00006500 "option -target is not allowed" -- \
  gcc -target /tmp/x -c x.c -o x.o
refused 00006500 "option -o lacks its argument" -- gcc -c x.c -o
refused 00006500 "more than one -o" -- gcc -c x.c -o /tmp/evil.o -o x.o
refused 00006500 "more than one source file" -- gcc -c x.c /etc/passwd.c -o x.o
refused 00006500 "language c-header is not allowed" -- gcc -x c-header -c x.c -o x.o
refused 00006500 "not a compile (no -c or -S)" -- gcc x.c -o x
refused 00006500 "no source file named" -- gcc -c -o x.o
refused 00006500 "/etc/passwd is not a C-family source" -- gcc -c /etc/passwd -o x.o
refused 00006500 "option -B/tmp/ is not allowed" --version 2 -- gcc -B/tmp/ -c x.c -o x.o

say "output and source names that point elsewhere: the job directory's names are used"
renamed gcc -c x.c -o /tmp/evil.o
renamed gcc -c x.c -o/tmp/evil.o
renamed gcc -c x.c -o ../../../../tmp/evil.o
renamed gcc -c x.c -o ../x.o
renamed gcc -c ../../etc/x.c -o x.o
renamed gcc -c /tmp/evil.c -o x.o

say "framing: sizes over the caps, lies, truncation, garbage"
req='DIST00000001ARGC00000004ARGV00000003gccARGV00000002-cARGV00000003x.cARGV00000004-o/x'
raw "ARGC ffffffff" 00006d00 'DIST00000001ARGCffffffff'
raw "ARGC 00001001 (one over the cap)" 00006d00 'DIST00000001ARGC00001001'
raw "ARGV 7fffffff" 00006d00 'DIST00000001ARGC00000003ARGV7fffffffgcc'
raw "ARGV 00010001 (one over the cap)" 00006d00 'DIST00000001ARGC00000001ARGV00010001gcc'
HEAD_OK=1 raw "DOTI ffffffff" 00006d00 "${req}DOTIffffffff"
HEAD_OK=1 raw "DOTI 20000001 (one over the cap)" 00006d00 "${req}DOTI20000001"
HEAD_OK=1 raw "DOTI 1fffffff, 10 bytes, then closed" drop "${req}DOTI1fffffff0123456789"
raw "ARGC 0" drop 'DIST00000001ARGC00000000'
raw "ARGV says 16, sends 3, closes" drop 'DIST00000001ARGC00000001ARGV00000010gcc'
raw "ARGV says 2, sends 3" drop 'DIST00000001ARGC00000002ARGV00000002gccARGV00000002-c'
HEAD_OK=1 raw "DOTI says 256, sends 5, closes" drop "${req}DOTI00000100int x"
raw "ARGV with a NUL inside" drop 'DIST00000001ARGC00000001ARGV00000004gc\x00c'
raw "truncated: DIST0000" drop 'DIST0000'
raw "truncated: DIST00000001ARG" drop 'DIST00000001ARG'
raw "truncated: mid-ARGV" drop 'DIST00000001ARGC00000003ARGV00000003gccARGV000000'
raw "non-hex digits: DIST0000000g" drop 'DIST0000000g'
raw "non-hex digits: ARGC -0000001" drop 'DIST00000001ARGC-0000001'
raw "non-hex digits: ARGV ' 0000003'" drop 'DIST00000001ARGC00000001ARGV 0000003gcc'
HEAD_OK=1 raw "non-hex digits: DOTI 0x000010" drop "${req}DOTI0x000010"
raw "wrong token: DIZT" drop 'DIZT00000001ARGC00000001'
raw "wrong token: dist (lower case)" drop 'dist00000001'
raw "wrong token: ARGV before ARGC" drop 'DIST00000001ARGV00000003gcc'
HEAD_OK=1 raw "wrong token: DOTO for DOTI" drop "${req}DOTO00000005int x"
raw "wrong token: HTTP" drop 'GET / HTTP/1.0\r\n\r\n'
raw "binary garbage" drop '\xff\x00\xfe\x01DIST\x00\x00\x00\x00\x00\x00\x00\x00'
raw "version 0" 00006d00 'DIST00000000'
raw "version 3 (pump mode)" 00006d00 'DIST00000003'
raw "version ffffffff" drop 'DISTffffffff'
HEAD_OK=1 raw "version 2, DOTI not LZO" drop \
  'DIST00000002ARGC00000004ARGV00000003gccARGV00000002-cARGV00000003x.cARGV00000004-o/xDOTI00000005\xff\xff\xff\xff\xff'
say "attacks above: $(elapsed "$start") s"

start=$(now)
say "slowloris: a command line trickled a byte every 0.5 s is dropped after --io-timeout ($IO_TIMEOUT s), holding no slot"
W trickle --prefix 'DIST00000001ARGC00000003' --interval 0.5 --max 30 >"$T/trickle.out" &
trickler=$!
sleep 1
good_job 2
say "   a good job during the trickle took ${GOOD_TOOK}s (--jobs 1)"
wait "$trickler"
after=$(sed -n 's/^CLOSED_AFTER //p' "$T/trickle.out")
[ -n "$after" ] || fail "the trickling client was not dropped: $(cat "$T/trickle.out")"
awk -v t="$after" -v l="$IO_TIMEOUT" 'BEGIN { exit !(t >= l - 0.5 && t <= l + 2) }' ||
  fail "the trickling client was dropped after ${after}s"
grep -q 'dropped: no whole request within' "$LOG" || fail "the drop is not logged"
say "   dropped after ${after}s"

say "a client that stalls after its command line holds the slot for --io-timeout at most"
W raw --no-shut "${req}" >"$T/stall.out" &
staller=$!
sleep 0.5
good_job $((IO_TIMEOUT + 3))
say "   a good job waited ${GOOD_TOOK}s behind it (--jobs 1)"
wait "$staller"
grep -q '^END closed' "$T/stall.out" || fail "stalled client: $(cat "$T/stall.out")"

say "a client that stalls in the middle of its source, likewise"
W raw --no-shut "${req}DOTI00001000int x;" >"$T/stall.out" &
staller=$!
sleep 0.5
good_job $((IO_TIMEOUT + 3))
say "   a good job waited ${GOOD_TOOK}s behind it (--jobs 1)"
wait "$staller"
check_clean "stalled clients"

say "300 idle connections: a good job is still served at once, the idle ones are dropped"
W idle 300 $((IO_TIMEOUT + 5)) >"$T/idle.out" &
idler=$!
wait_for grep -q '^OPEN' "$T/idle.out" || fail "idle connections did not open"
grep -qx 'OPEN 300' "$T/idle.out" || fail "idle: $(cat "$T/idle.out")"
good_job 2
say "   a good job among 300 idle connections took ${GOOD_TOOK}s (--jobs 1)"
wait "$idler"
grep -qx 'CLOSED 300' "$T/idle.out" || fail "idle connections not all dropped: $(cat "$T/idle.out")"
check_clean "idle connections"

say "300 idle connections against --max-pending 20: the oldest idle ones make room"
start_herdccd 127.0.0.2 3633 --jobs 1 --max-pending 20 --io-timeout 60
WPORT=3633 W idle 300 4 >"$T/idle.out" &
idler=$!
wait_for grep -q '^OPEN' "$T/idle.out" || fail "idle connections did not open"
out=$(WPORT=3633 W compile --source x.i --object got.o -- gcc -O2 -c x.c -o x.o)
grep -qx 'STAT 00000000' <<<"$out" && cmp -s got.o ref-O2.o || fail "--max-pending 20: $out"
wait "$idler"
closed=$(sed -n 's/^CLOSED //p' "$T/idle.out")
[ "$closed" -ge 280 ] || fail "only $closed idle connections were evicted"
grep -q 'the oldest without a request is closed' "$T/herdccd-3633.log" ||
  fail "evictions are not logged"
say "   a good job was served; $closed idle connections were evicted"
say "every slot busy and the queue full of complete requests: a busy reply"
start_herdccd 127.0.0.2 3634 --jobs 1 --max-pending 2 --io-timeout 6
REQ='DIST00000001ARGC00000003ARGV00000003gccARGV00000002-cARGV00000003x.c'
holders=()
for n in 1 2 3; do # one takes the slot (waits for its source), two queue
  WPORT=3634 W raw --hold 4 --no-shut "$REQ" >/dev/null 2>&1 &
  holders+=($!)
  sleep 0.3
done
out=$(WPORT=3634 W compile --source x.i --object busy.o -- gcc -O2 -c x.c -o x.o) || true
grep -qx 'STAT 00007200' <<<"$out" && grep -q 'busy' <<<"$out" ||
  fail "no busy reply: $out"
wait "${holders[@]}" 2>/dev/null || true
grep -q 'refused: busy' "$T/herdccd-3634.log" || fail "the busy reply is not logged"
say "   busy: $(grep '^SERR' <<<"$out")"
say "slow clients: $(elapsed "$start") s"

check_clean "the whole suite"
say "PASS"
