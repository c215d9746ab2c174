#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# herdccd against the real distcc 3.4 client (Debian's /usr/bin/distcc):
# objects byte-identical to a local compile over protocols 1 and 2, C and
# C++, compile errors passed through, refusals explained in SERR (options,
# compilers, access), the option exit codes, --daemon readiness on the pid
# file, privilege drop, malformed requests, --inetd (through a stand-in for
# ssh), --lifetime, --job-lifetime, --enable-tcp-insecure and a client that
# goes away mid-compile.
#
# Runs itself in new network, PID, mount and UTS namespaces: network traffic
# stays on that namespace's loopback, and everything started here dies with
# it. Needs root (namespaces, and the privilege drop is part of the test).
# Env: HERDCCD_BIN (required), HERDCC_BIN and HERDCC_SOURCE_ROOT (unused).
#
# "A && pass ... || fail ..." is meant: pass always succeeds.
# shellcheck disable=SC2015
set -euo pipefail

DISTCC=/usr/bin/distcc
if [[ ! -x $DISTCC ]]; then
  echo "SKIP: $DISTCC (Debian's distcc 3.4 client) is not installed"
  exit 77
fi
: "${HERDCCD_BIN:?set HERDCCD_BIN to the herdccd binary}"

if [[ -z ${HERDCCD_TEST_ISOLATED:-} ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "FAIL: this test creates namespaces and checks the privilege drop:" \
      "run it as root" >&2
    exit 1
  fi
  export HERDCCD_TEST_ISOLATED=1
  exec unshare --net --mount --uts --pid --fork --mount-proc --kill-child \
    bash "$0" "$@"
fi

ip link set lo up

tmp=$(mktemp -d /tmp/herdccd-basics.XXXXXX)
chmod 0755 "$tmp" # the unprivileged daemon reaches its directories below
started=()
cleanup() {
  for pid in "${started[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/src" "$tmp/run" "$tmp/jobs" "$tmp/d" "$tmp/bin" "$tmp/own"
chmod 1777 "$tmp/run" "$tmp/jobs" # pid files and job directories
chown nobody "$tmp/own"           # a log directory an ordinary user owns

export DISTCC_DIR=$tmp/d DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0
export DISTCC_IO_TIMEOUT=60
unset DISTCC_HOSTS DISTCC_VERBOSE DISTCC_LOG DISTCC_SSH TMPDIR

failures=0
step() { printf -- '--- %s\n' "$*"; }
pass() { printf '    ok: %s\n' "$*"; }
fail() {
  printf '    FAIL: %s\n' "$*"
  failures=$((failures + 1))
}

# Wait (polling, bounded) until a command succeeds: wait_for SECONDS CMD...
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

alive() {
  [[ -r /proc/$1/stat ]] || return 1
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [[ -n $state && $state != Z ]]
}
gone() { ! alive "$1"; }

# Processes of this PID namespace whose command name is $1.
count_procs() {
  local n=0 f
  for f in /proc/[0-9]*/comm; do
    [[ $(cat "$f" 2>/dev/null) == "$1" ]] && n=$((n + 1))
  done
  echo "$n"
}
no_procs() { [[ $(count_procs "$1") -eq 0 ]]; }
# A compiler the daemon runs: not root's (the client's cpp runs as root).
server_compiler_runs() {
  local f pid
  for f in /proc/[0-9]*/comm; do
    [[ $(cat "$f" 2>/dev/null) == "$1" ]] || continue
    pid=${f#/proc/}
    pid=${pid%/comm}
    awk '/^Uid:/ {exit $2 == 0}' "/proc/$pid/status" 2>/dev/null && return 0
  done
  return 1
}
jobs_dir_empty() { [[ -z $(ls -A "$tmp/jobs") ]]; }
file_has() { grep -qF -- "$2" "$1"; }

# Run the stock client in the source directory: dcc HOSTS ARGS...
# Sets rc; stdout and stderr land in $tmp/out and $tmp/err.
dcc() {
  local hosts=$1
  shift
  rc=0
  (cd "$tmp/src" && DISTCC_HOSTS=$hosts timeout 120 "$DISTCC" "$@") \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# Run herdccd expecting an exit code: expect_exit CODE WHAT ARGS...
expect_exit() {
  local want=$1 what=$2 got=0
  shift 2
  timeout 20 "$HERDCCD_BIN" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [[ $got -eq $want ]]; then
    pass "$what: exit $got"
  else
    fail "$what: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
  fi
}

# Start a detaching daemon on 127.0.0.1: start_daemon NAME PORT [ARGS...].
# Sets daemon_pid. The command returns once the daemon serves.
start_daemon() {
  local name=$1 port=$2 rc=0
  shift 2
  local pid_file=$tmp/run/$name.pid
  TMPDIR=$tmp/jobs timeout 20 "$HERDCCD_BIN" --daemon --pid-file "$pid_file" \
    --log-file "$tmp/$name.log" --listen 127.0.0.1 -p "$port" "$@" || rc=$?
  if [[ $rc -ne 0 || ! -s $pid_file ]]; then
    fail "daemon $name did not start (exit $rc): $(cat "$tmp/$name.log")"
    echo "cannot go on without daemon $name"
    exit 1
  fi
  daemon_pid=$(<"$pid_file")
  started+=("$daemon_pid")
  if alive "$daemon_pid"; then
    pass "daemon $name serves on port $port as pid $daemon_pid once" \
      "--daemon returns, pid file written"
  else
    fail "daemon $name: pid $daemon_pid from the pid file is not running"
  fi
}

# Stop a daemon with SIGTERM and check that it cleaned up after itself.
stop_daemon() {
  local name=$1 pid=$2
  kill -TERM "$pid"
  if wait_for 10 gone "$pid"; then
    pass "daemon $name stopped on SIGTERM"
  else
    fail "daemon $name still runs 10 s after SIGTERM"
  fi
  if [[ -e $tmp/run/$name.pid ]]; then
    fail "daemon $name left its pid file behind"
  else
    pass "daemon $name removed its pid file"
  fi
}

# Send raw bytes to a port, print what comes back (until the server closes).
raw_exchange() {
  local port=$1 bytes=$2 fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf '%b' "$bytes" 1>&"$fd" 2>/dev/null || true
  timeout 10 cat <&"$fd" 2>/dev/null | tr -d '\0' || true
  exec {fd}>&-
}

# Send raw bytes to a port and hang up at once.
raw_send() {
  local port=$1 bytes=$2 fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf '%b' "$bytes" 1>&"$fd" 2>/dev/null || true
  exec {fd}>&-
}

# ---- sources ---------------------------------------------------------------

cat >"$tmp/src/x.c" <<'EOF'
#include <stdio.h>
static int twice(int v) { return 2 * v; }
int main(void) { printf("%d\n", twice(21)); return 0; }
EOF
cat >"$tmp/src/y.cpp" <<'EOF'
#include <string>
#include <vector>
std::string join(const std::vector<std::string> &v)
{
  std::string out;
  for (const auto &s : v) out += s;
  return out;
}
EOF
cat >"$tmp/src/bad.c" <<'EOF'
int broken(void) { return undeclared_thing_here; }
EOF
# Constant evaluation that runs for minutes: a compile to interrupt.
cat >"$tmp/src/slow.cpp" <<'EOF'
constexpr unsigned long spin(unsigned long n)
{
  unsigned long s = 0;
  for (unsigned long i = 0; i < n; i++) s += i ^ (s >> 3);
  return s;
}
constexpr unsigned long value = spin(4000000000ul);
unsigned long get() { return value; }
EOF
slow_flags=(-fconstexpr-loop-limit=2147483647
  -fconstexpr-ops-limit=1099511627776)

# Compilers the server does not know; they work on the client side.
for cc in mycc ghostcc privcc; do
  printf '#!/bin/sh\nexec gcc "$@"\n' >"$tmp/bin/$cc"
  chmod 755 "$tmp/bin/$cc"
done
# privcc, on the server, is a script that shows who runs it, waits to be
# looked at through /proc, then compiles.
cat >"$tmp/bin/privcc-server" <<'EOF'
#!/bin/sh
grep -E '^(Uid|Gid|Groups|NoNewPrivs|CapEff):' "/proc/$$/status"
sleep 1.5
exec gcc "$@"
EOF
chmod 755 "$tmp/bin/privcc-server"
printf '# extra compilers\nmycc /usr/bin/gcc  # by path\nghostcc\nprivcc %s\n' \
  "$tmp/bin/privcc-server" >"$tmp/compilers"

(cd "$tmp/src" && gcc -c x.c -o x-local.o && g++ -c y.cpp -o y-local.o)

# ---- options ---------------------------------------------------------------

step "option handling and exit codes"
expect_exit 101 "unknown option --bogus-option" --bogus-option
expect_exit 101 "stray arguments (herdccd gcc --bogus-option)" gcc \
  --bogus-option
expect_exit 101 "stray argument (herdccd gcc)" --no-detach gcc
expect_exit 101 "--allow 10.0.0.0/33 (bad mask)" --allow 10.0.0.0/33
expect_exit 101 "--allow ::1/129 (bad mask)" --allow ::1/129
expect_exit 101 "--allow 10.0.0.0/ (empty mask)" --allow 10.0.0.0/
expect_exit 101 "--allow not-an-address" --allow not-an-address
expect_exit 101 "--port 70000" --no-detach -p 70000 \
  --pid-file "$tmp/run/badport.pid"
if [[ -e $tmp/run/badport.pid ]]; then
  fail "a bad --port left a pid file"
else
  pass "a bad --port leaves no pid file"
fi
expect_exit 101 "--port abc" --no-detach --port abc
expect_exit 101 "--jobs 0" --no-detach --jobs 0
expect_exit 101 "--log-level loud" --no-detach --log-level loud
expect_exit 101 "--listen not-an-address" --no-detach --listen nowhere
# No avahi-daemon in this namespace: --zeroconf serves anyway, with a warning.
expect_exit 0 "--zeroconf without avahi-daemon" --no-detach --log-stderr \
  --listen 127.0.0.1 --port 3699 --lifetime 1 --zeroconf
file_has "$tmp/err" "avahi-daemon is not reachable" &&
  pass "--zeroconf without avahi-daemon warns" ||
  fail "--zeroconf message: $(cat "$tmp/err")"
expect_exit 101 "--stats-port 0" --no-detach --stats --stats-port 0
expect_exit 101 "--stats-port abc" --no-detach --stats --stats-port abc
# The stats port is bound before serving: taken, it is exit 102 as well.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 3699)); s.listen(1); time.sleep(30)' &
holder=$!
started+=("$holder")
wait_for 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/3699' 2>/dev/null
expect_exit 102 "--stats-port already taken" --no-detach --log-stderr \
  --listen 127.0.0.1 --port 3698 --stats --stats-port 3699 --lifetime 1
kill "$holder"
expect_exit 101 "--compilers with a missing file" --no-detach \
  --compilers "$tmp/no-such-file"
expect_exit 0 "--help" --help
head -1 "$tmp/out" | grep -q '^Usage: ' && pass "--help starts with Usage:" ||
  fail "--help: $(head -1 "$tmp/out")"
grep -q -- '--allow-private' "$tmp/out" && pass "--help lists the options" ||
  fail "--help lacks --allow-private"
expect_exit 0 "--version" --version
if head -1 "$tmp/out" | grep -Eq '^herdccd [0-9][^ ]* [^ ]+$' &&
  sed -n 2p "$tmp/out" | grep -qF '  (protocols 1 and 2) (default port 3632)' &&
  [[ $(wc -l <"$tmp/out") -ge 3 ]]; then
  pass "--version: $(head -1 "$tmp/out")"
else
  fail "--version output: $(cat "$tmp/out")"
fi
ln -s "$HERDCCD_BIN" "$tmp/bin/distccd"
"$tmp/bin/distccd" --version >"$tmp/out"
head -1 "$tmp/out" | grep -Eq '^distccd [0-9]' &&
  pass "invoked as distccd, --version says distccd" ||
  fail "--version as distccd: $(head -1 "$tmp/out")"
expect_exit 112 "--user root (never run jobs as root)" --no-detach \
  --user root -p 3790
expect_exit 112 "--user of a user that does not exist" --no-detach \
  --user no-such-user-herdccd -p 3790

# ---- daemon A: defaults (private networks allowed) ---------------------------

step "--daemon: bound, privileges dropped, ready when the pid file appears"
start_daemon A 3701 --verbose
pid_a=$daemon_pid
user_a=$(ps -o user= -p "$pid_a" 2>/dev/null || echo "?")
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid_a/status")
if [[ " $uids " != *" 0 "* && $user_a != root ]]; then
  pass "daemon runs as '$user_a' (uids $uids), not root"
else
  fail "daemon runs as '$user_a' (uids $uids)"
fi
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid_a/status" &&
  pass "daemon has no_new_privs set" || fail "no_new_privs is not set"

step "bind failure: a second daemon on the same port exits 102"
expect_exit 102 "bind to a port in use" --no-detach --listen 127.0.0.1 \
  -p 3701 --pid-file "$tmp/run/second.pid"
file_has "$tmp/err" "Failed to bind" && pass "the reason is on stderr" ||
  fail "bind failure message: $(cat "$tmp/err")"
[[ ! -e $tmp/run/second.pid ]] && pass "no pid file after a bind failure" ||
  fail "pid file written although bind failed"

for hosts in 127.0.0.1:3701 127.0.0.1:3701,lzo; do
  proto=1
  [[ $hosts == *,lzo ]] && proto=2
  step "protocol $proto: stock distcc gcc -c x.c (DISTCC_HOSTS=$hosts)"
  DISTCC_VERBOSE=1 dcc "$hosts" gcc -c x.c -o "x-p$proto.o"
  if [[ $rc -eq 0 ]] && grep -q 'completed ok' "$tmp/err" &&
    cmp -s "$tmp/src/x-local.o" "$tmp/src/x-p$proto.o"; then
    pass "compiled remotely, object identical to a local gcc -c"
  else
    fail "exit $rc; $(tail -3 "$tmp/err")"
  fi
  step "protocol $proto: stock distcc g++ -c y.cpp"
  dcc "$hosts" g++ -c y.cpp -o "y-p$proto.o"
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/src/y-local.o" "$tmp/src/y-p$proto.o"; then
    pass "C++ object identical to a local g++ -c"
  else
    fail "exit $rc; $(tail -3 "$tmp/err")"
  fi
done
grep -q 'Job from 127.0.0.1:[0-9]*: .*gcc x.c: exit 0' "$tmp/A.log" &&
  pass "the log names client, compiler, source and result" ||
  fail "no job line in the log: $(tail -5 "$tmp/A.log")"

step "a compile error comes back as the compiler's message and status"
dcc 127.0.0.1:3701,lzo gcc -c bad.c -o bad.o
if [[ $rc -ne 0 ]] && grep -q "error: .*undeclared_thing_here" "$tmp/err" &&
  [[ ! -e $tmp/src/bad.o ]]; then
  pass "exit $rc, gcc's error printed, no object"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi

# The stock client sends -fplugin=x.so, but only after its local cpp has
# loaded the plugin; -B is sent as it is.
step "a refused option is explained to the stock client (-B/tmp/)"
dcc 127.0.0.1:3701 gcc -B/tmp/ -c x.c -o refused.o
want="herdccd: refused: option -B/tmp/ is not allowed on this server"
if [[ $rc -eq 101 ]] && file_has "$tmp/err" "$want"; then
  pass "stock distcc prints '$want', exit 101"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi
file_has "$tmp/A.log" "refused: option -B/tmp/" &&
  pass "the refusal is logged" || fail "refusal not logged"

step "a refused option in a raw request (-fplugin=x.so): source read, then reply"
reply=$(raw_exchange 3701 \
  'DIST00000001ARGC00000004ARGV00000003gccARGV0000000d-fplugin=x.soARGV00000002-cARGV00000003x.cDOTI00000006int x;')
want="herdccd: refused: option -fplugin=x.so is not allowed on this server"
[[ $reply == DONE00000001STAT00006500SERR*"$want"*SOUT00000000DOTO00000000 ]] &&
  pass "reply: STAT 101<<8, SERR '$want', no object" ||
  fail "reply '$reply'"

step "a compiler not on the allow-list is refused (mycc)"
PATH=$tmp/bin:$PATH dcc 127.0.0.1:3701 mycc -c x.c -o mycc.o
want="herdccd: refused: compiler mycc is not allowed on this server"
if [[ $rc -eq 110 ]] && file_has "$tmp/err" "$want"; then
  pass "stock distcc prints '$want', exit 110"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi

step "malformed requests: the daemon answers or drops them and keeps serving"
reply=$(raw_exchange 3701 'this is not a request at all\n')
[[ -z $reply ]] && pass "garbage: connection closed without a reply" ||
  fail "garbage got a reply: $reply"
reply=$(raw_exchange 3701 'DIST00000001ARGCffffffff')
[[ $reply == DONE00000001STAT00006d00SERR* && $reply == *refused* ]] &&
  pass "ARGC over the cap: protocol-error reply (STAT 109<<8)" ||
  fail "ARGC over the cap: reply '$reply'"
reply=$(raw_exchange 3701 'DIST00000003')
[[ $reply == DONE00000003STAT00006d00* ]] &&
  pass "protocol 3: refused in protocol 3 (STAT 109<<8)" ||
  fail "protocol 3: reply '$reply'"
raw_send 3701 'DIST00000001ARGC00000003ARGV00000003gcc'
wait_for 10 file_has "$tmp/A.log" "connection closed before the request was complete" &&
  pass "truncated request: dropped and logged" ||
  fail "truncated request not logged: $(tail -3 "$tmp/A.log")"
raw_send 3701 \
  'DIST00000001ARGC00000003ARGV00000003gccARGV00000002-cARGV00000003x.cDOTI00000010int x;'
wait_for 10 file_has "$tmp/A.log" "closed the connection before sending the source" &&
  pass "truncated source: dropped and logged" ||
  fail "truncated source not logged: $(tail -3 "$tmp/A.log")"
dcc 127.0.0.1:3701 gcc -c x.c -o x-after.o
if alive "$pid_a" && [[ $rc -eq 0 ]] &&
  cmp -s "$tmp/src/x-local.o" "$tmp/src/x-after.o"; then
  pass "a good job still works afterwards"
else
  fail "after malformed requests: exit $rc; $(tail -3 "$tmp/err")"
fi

step "the client goes away mid-compile: the compiler is killed, job dir removed"
(cd "$tmp/src" && DISTCC_HOSTS=127.0.0.1:3701 exec "$DISTCC" g++ \
  "${slow_flags[@]}" -c slow.cpp -o slow.o) >/dev/null 2>&1 &
client=$!
if wait_for 30 server_compiler_runs cc1plus; then
  pass "the server's cc1plus runs"
else
  fail "no cc1plus started"
fi
kill -KILL "$client"
wait "$client" 2>/dev/null || true
if wait_for 15 file_has "$tmp/A.log" "client went away, compile killed"; then
  pass "the daemon noticed and logged it"
else
  fail "no 'client went away' in the log: $(tail -3 "$tmp/A.log")"
fi
wait_for 10 no_procs cc1plus && pass "no compiler left running" ||
  fail "cc1plus still runs"
wait_for 10 jobs_dir_empty && pass "no job directory left" ||
  fail "left in the job dir: $(ls -A "$tmp/jobs")"

# ---- daemon B: --allow 10.0.0.0/8 --------------------------------------------

step "--allow 10.0.0.0/8 refuses 127.0.0.1 with an explained reply"
start_daemon B 3702 --allow 10.0.0.0/8
pid_b=$daemon_pid
dcc 127.0.0.1:3702 gcc -c x.c -o denied.o
if [[ $rc -eq 113 ]] && file_has "$tmp/err" "herdccd: refused: access denied"; then
  pass "exit 113: $(grep -F 'access denied' "$tmp/err" | head -1)"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi
file_has "$tmp/B.log" "access denied" && pass "the refusal is logged" ||
  fail "access refusal not logged"
stop_daemon B "$pid_b"

# ---- daemon C: --compilers FILE, --job-lifetime --------------------------------

step "--compilers FILE: a listed name with a path runs that compiler"
start_daemon C 3703 --compilers "$tmp/compilers" --job-lifetime 3
pid_c=$daemon_pid
PATH=$tmp/bin:$PATH dcc 127.0.0.1:3703 mycc -c x.c -o x-mycc.o
if [[ $rc -eq 0 ]] && cmp -s "$tmp/src/x-local.o" "$tmp/src/x-mycc.o"; then
  pass "mycc -> /usr/bin/gcc compiled it"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi

step "a daemon started as root runs the compiler as nobody: no root, no groups, no capabilities, no_new_privs, the job limits"
(cd "$tmp/src" && DISTCC_HOSTS=127.0.0.1:3703 PATH=$tmp/bin:$PATH \
  exec timeout 60 "$DISTCC" privcc -c x.c -o x-priv.o) \
  >"$tmp/priv.out" 2>"$tmp/priv.err" &
client=$!
privcc_pid() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    if tr '\0' ' ' <"$f" 2>/dev/null | grep -q 'privcc-server'; then
      priv_pid=${f#/proc/}
      priv_pid=${priv_pid%/cmdline}
      return 0
    fi
  done
  return 1
}
nobody_ids="$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
nogroup_ids="$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)"
if wait_for 20 privcc_pid; then
  status=$(cat "/proc/$priv_pid/status")
  limits=$(cat "/proc/$priv_pid/limits")
  ppid=$(awk '/^PPid:/ {print $2}' <<<"$status")
  job_uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$ppid/status")
  nice=$(ps -o ni= -p "$priv_pid" | tr -d ' ')
  uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")
  gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$status")
  [[ $uids == "$nobody_ids" && $gids == "$nogroup_ids" ]] &&
    pass "the compiler (pid $priv_pid) runs as uid/gid $uids / $gids (nobody)" ||
    fail "the compiler runs as uids '$uids' gids '$gids'"
  [[ $job_uids == "$nobody_ids" ]] && pass "its job process (pid $ppid) too" ||
    fail "the job process runs as '$job_uids'"
  grep -qP '^Groups:\s*$' <<<"$status" && pass "no supplementary groups" ||
    fail "groups: $(grep Groups <<<"$status")"
  grep -qP '^NoNewPrivs:\s*1$' <<<"$status" && pass "no_new_privs" ||
    fail "$(grep NoNewPrivs <<<"$status")"
  grep -qP '^CapEff:\s*0+$' <<<"$status" && pass "no effective capabilities" ||
    fail "$(grep CapEff <<<"$status")"
  grep -qP '^Max core file size\s+0\s+0\s' <<<"$limits" &&
    grep -qP '^Max file size\s+1073741824\s+1073741824\s' <<<"$limits" &&
    grep -qP '^Max cpu time\s+4\s+5\s' <<<"$limits" &&
    pass "limits: no core, 1 GiB files, CPU 4 s (--job-lifetime 3 + 1)" ||
    fail "limits: $(grep -E 'core|file size|cpu' <<<"$limits")"
  [[ $nice == 5 ]] && pass "niceness 5 (the default --nice)" || fail "niceness $nice"
else
  fail "privcc-server never ran"
fi
rc=0
wait "$client" || rc=$?
if [[ $rc -eq 0 ]] && cmp -s "$tmp/src/x-local.o" "$tmp/src/x-priv.o" &&
  grep -qP "^Uid:\s+$(id -u nobody)\s" "$tmp/priv.out"; then
  pass "it compiled, and said so itself: $(grep Uid "$tmp/priv.out" | tr -s '\t' ' ')"
else
  fail "exit $rc; $(cat "$tmp/priv.out" "$tmp/priv.err")"
fi

step "--compilers FILE: a listed name that is not installed is 'failed to exec'"
PATH=$tmp/bin:$PATH dcc 127.0.0.1:3703 ghostcc -c x.c -o ghost.o
want="herdccd: failed to exec ghostcc: compiler not found on this server"
if [[ $rc -eq 110 ]] && file_has "$tmp/err" "$want"; then
  pass "exit 110, '$want'"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi

step "--job-lifetime 3 kills an overrunning compile"
start=$SECONDS
dcc 127.0.0.1:3703 g++ "${slow_flags[@]}" -c slow.cpp -o slow.o
took=$((SECONDS - start))
if [[ $rc -ne 0 ]] && ((took < 30)) && file_has "$tmp/err" "killed after 3 s"; then
  pass "exit $rc after ${took}s: $(grep -F 'killed after' "$tmp/err")"
else
  fail "exit $rc after ${took}s; $(cat "$tmp/err")"
fi
wait_for 10 no_procs cc1plus && pass "no compiler left running" ||
  fail "cc1plus still runs"
wait_for 10 jobs_dir_empty && pass "no job directory left" ||
  fail "left in the job dir: $(ls -A "$tmp/jobs")"
stop_daemon C "$pid_c"

# ---- daemon G: --enable-tcp-insecure -----------------------------------------

step "--enable-tcp-insecure runs any compiler on PATH, with a loud warning"
PATH=$tmp/bin:$PATH start_daemon G 3707 --enable-tcp-insecure
pid_g=$daemon_pid
grep -q 'WARNING: --enable-tcp-insecure' "$tmp/G.log" &&
  pass "the start-up warning is logged" || fail "no warning: $(cat "$tmp/G.log")"
PATH=$tmp/bin:$PATH dcc 127.0.0.1:3707 mycc -c x.c -o x-insecure.o
if [[ $rc -eq 0 ]] && cmp -s "$tmp/src/x-local.o" "$tmp/src/x-insecure.o"; then
  pass "mycc, on no list, ran from the daemon's PATH"
else
  fail "exit $rc; $(cat "$tmp/err")"
fi
dcc 127.0.0.1:3707 gcc -B/tmp/ -c x.c -o insecure-refused.o
[[ $rc -eq 101 ]] && pass "the argument checks still apply (-B refused)" ||
  fail "exit $rc; $(cat "$tmp/err")"
stop_daemon G "$pid_g"

# ---- --inetd, through a stand-in for ssh ---------------------------------------

step "--inetd: distcc's ssh mode (@host) with a stand-in for ssh"
cat >"$tmp/bin/fakessh" <<EOF
#!/bin/bash
# Stands in for ssh: distcc runs "\$DISTCC_SSH [-l USER] HOST distccd --inetd".
TMPDIR=$tmp/jobs exec "$HERDCCD_BIN" --inetd --log-file "$tmp/inetd.log"
EOF
chmod 755 "$tmp/bin/fakessh"
for hosts in @fakehost @fakehost,lzo; do
  DISTCC_SSH=$tmp/bin/fakessh dcc "$hosts" gcc -c x.c -o x-inetd.o
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/src/x-local.o" "$tmp/src/x-inetd.o"; then
    pass "$hosts: object identical to a local gcc -c"
  else
    fail "$hosts: exit $rc; $(cat "$tmp/err") $(cat "$tmp/inetd.log" 2>/dev/null)"
  fi
  rm -f "$tmp/src/x-inetd.o"
done
file_has "$tmp/inetd.log" "Job from local:" &&
  pass "the inetd job is logged (peer: local)" ||
  fail "inetd log: $(cat "$tmp/inetd.log" 2>/dev/null)"

# ---- --no-detach, --lifetime, an ordinary user -----------------------------------

step "--no-detach stays in the foreground and writes the pid file"
TMPDIR=$tmp/jobs "$HERDCCD_BIN" --no-detach --pid-file "$tmp/run/D.pid" \
  --log-file "$tmp/D.log" --listen 127.0.0.1 -p 3704 &
pid_d=$!
started+=("$pid_d")
if wait_for 10 test -s "$tmp/run/D.pid" && [[ $(<"$tmp/run/D.pid") == "$pid_d" ]]; then
  pass "pid file holds the foreground process $pid_d"
else
  fail "pid file of --no-detach: $(cat "$tmp/run/D.pid" 2>/dev/null)"
fi
stop_daemon D "$pid_d"
wait "$pid_d" 2>/dev/null || true

step "--lifetime 2: the daemon exits by itself"
start_daemon E 3705 --lifetime 2
pid_e=$daemon_pid
if wait_for 15 gone "$pid_e"; then
  pass "exited after its lifetime"
else
  fail "still running 15 s after a 2 s lifetime"
fi
[[ ! -e $tmp/run/E.pid ]] && pass "pid file removed" ||
  fail "pid file left after the lifetime"

step "as an ordinary user (nobody), with its log in a directory it owns"
rc=0
TMPDIR=$tmp/jobs timeout 20 setpriv --reuid=nobody --regid=nogroup \
  --clear-groups "$HERDCCD_BIN" --daemon --pid-file "$tmp/run/F.pid" \
  --log-file "$tmp/own/F.log" --listen 127.0.0.1 -p 3706 || rc=$?
if [[ $rc -eq 0 && -s $tmp/run/F.pid ]]; then
  pid_f=$(<"$tmp/run/F.pid")
  started+=("$pid_f")
  pass "started as $(ps -o user= -p "$pid_f" 2>/dev/null || echo nobody)"
  dcc 127.0.0.1:3706,lzo gcc -c x.c -o x-user.o
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/src/x-local.o" "$tmp/src/x-user.o"; then
    pass "it compiles"
  else
    fail "exit $rc; $(cat "$tmp/err")"
  fi
  stop_daemon F "$pid_f"
else
  fail "did not start as nobody (exit $rc): $(cat "$tmp/own/F.log" 2>/dev/null)"
fi

step "SIGTERM ends daemon A cleanly"
stop_daemon A "$pid_a"
jobs_dir_empty && pass "no job directory left" ||
  fail "left in the job dir: $(ls -A "$tmp/jobs")"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
