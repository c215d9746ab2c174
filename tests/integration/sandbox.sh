#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every compiler herdccd runs is confined. A hostile compiler on the
# allow-list tries to read world-readable files outside the toolchain
# (a file beside its own directory, /srv, /home, /etc/passwd), to write
# outside its job directory (a world-writable directory, /tmp, /dev/shm),
# to connect to a listener on 127.0.0.1, to make a user namespace (where
# it would hold capabilities) and to see the daemon's process:
# every attempt fails, checked from outside too (no file appears, the
# listener sees no connection). The same compiler under --no-sandbox
# succeeds at each, which shows the checks can fail. The compiler runs in
# namespaces of its own (user, mount, network, IPC, PID, UTS), with the
# resource limits, not as root and without capabilities; a normal project
# through the same daemon, from herdcc and from Debian's distcc, compiles
# identical to local. herdccd started as an ordinary user confines its
# compilers too. Where user namespaces cannot be made, herdccd says so
# once at start-up, keeps serving and refuses jobs with the reason, and
# --no-sandbox runs them.
. "$(dirname "$0")/lib.sh"
isolate "$@"

# ---- the hostile compiler and what it aims at -------------------------------

LISTEN_PORT=4999
mkdir -p "$T/toolchain/bin" "$T/drop" "$T/client-bin" "$T/src" "$T/state"
chmod 1777 "$T/drop"
echo "secret beside the toolchain" >"$T/secret"
chmod 644 "$T/secret"
# A private /srv and /home (this test's mount namespace): files any user
# may read, which no compiler has a business reading.
mount -t tmpfs tmpfs /srv
mount -t tmpfs tmpfs /home
echo "service data" >/srv/data && chmod 644 /srv/data
mkdir -p /home/alice && echo "alice's notes" >/home/alice/notes
chmod 755 /home/alice && chmod 644 /home/alice/notes

# A listener on 127.0.0.1 that writes down every connection it accepts.
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    with open(sys.argv[2], "a") as f:
        f.write("connection from %s\n" % (a,))
    c.close()
' "$LISTEN_PORT" "$T/listener.log" &
STARTED_PIDS+=($!)
wait_for port_open 127.0.0.1 "$LISTEN_PORT" || fail "the listener did not start"
: >"$T/listener.log" # the probe above connected once
sleep 0.2
: >"$T/listener.log"

# Each attempt is reported as "attempt: NAME: ok" or "...: denied".
cat >"$T/toolchain/bin/evilcc" <<EOF
#!/bin/bash
try() {
  local name=\$1; shift
  if "\$@" >/dev/null 2>&1; then
    echo "attempt: \$name: ok" >&2
  else
    echo "attempt: \$name: denied" >&2
  fi
}
# Controls: what a compiler needs works, so a "denied" means something.
try control-read-usr cat /usr/include/stdio.h
try control-write-job sh -c 'echo x >./own-file'
try read-beside cat "$T/secret"
try read-srv cat /srv/data
try read-home cat /home/alice/notes
try read-passwd cat /etc/passwd
try list-var ls /var/log
try write-drop sh -c 'echo x >"$T/drop/evil"'
try write-tmp sh -c 'echo x >/tmp/herdcc-sandbox-evil'
try write-shm sh -c 'echo x >/dev/shm/herdcc-sandbox-evil'
try write-root sh -c 'echo x >/evil'
try connect bash -c 'exec 3<>/dev/tcp/127.0.0.1/$LISTEN_PORT'
try nested-userns unshare --user --map-current-user true
try see-daemon sh -c 'cat /proc/[0-9]*/comm | grep -qx herdccd'
exec gcc "\$@"
EOF
# nscc shows what it runs in: its namespaces, its limits, its identity.
cat >"$T/toolchain/bin/nscc" <<'EOF'
#!/bin/sh
for ns in user mnt net ipc pid uts; do
  echo "ns $ns $(readlink /proc/self/ns/$ns)" >&2
done
grep -E '^Max (file size|address space|processes|core file size)' \
  /proc/self/limits | sed 's/^/limit /' >&2
grep -E '^(Uid|CapEff|NoNewPrivs):' /proc/self/status | sed 's/^/status /' >&2
exec gcc "$@"
EOF
chmod 755 "$T/toolchain/bin/evilcc" "$T/toolchain/bin/nscc"
for cc in evilcc nscc; do
  printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/client-bin/$cc"
  chmod 755 "$T/client-bin/$cc"
done
printf 'evilcc %s\nnscc %s\n' "$T/toolchain/bin/evilcc" \
  "$T/toolchain/bin/nscc" >"$T/compilers"
export PATH=$T/client-bin:$PATH

printf 'int answer(void) { return 42; }\n' >"$T/src/x.c"
(cd "$T/src" && gcc -O2 -c x.c -o ref.o)

export HERDCC_FALLBACK=0 HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0

# compile_on PORT CC ERRFILE: one remote compile of x.c, its object checked.
compile_on() {
  local port=$1 cc=$2 err=$3
  rm -f "$T/src/x.o"
  (cd "$T/src" && HERDCC_HOSTS=127.0.0.1:$port "$HERDCC_BIN" "$cc" -O2 -c x.c \
    -o x.o) 2>"$err" || { cat "$err" >&2; fail "$cc on port $port failed"; }
  cmp -s "$T/src/x.o" "$T/src/ref.o" ||
    fail "$cc on port $port: the object differs from the local compile"
}

outside_traces() {
  local found=
  for f in "$T/drop/evil" /tmp/herdcc-sandbox-evil /dev/shm/herdcc-sandbox-evil \
    /evil; do
    [ -e "$f" ] && found="$found $f"
  done
  [ -s "$T/listener.log" ] && found="$found (listener: $(cat "$T/listener.log"))"
  echo "$found"
}

clear_traces() {
  rm -f "$T/drop/evil" /tmp/herdcc-sandbox-evil /dev/shm/herdcc-sandbox-evil \
    /evil
  : >"$T/listener.log"
}

ATTEMPTS="read-beside read-srv read-home read-passwd list-var write-drop
  write-tmp write-shm connect nested-userns see-daemon"

# ---- the sandboxed daemon ---------------------------------------------------

start_herdccd 127.0.0.1 3632 --compilers "$T/compilers"
DAEMON_PID=${STARTED_PIDS[-1]}

say "a hostile compiler in the sandbox: every attempt fails"
compile_on 3632 evilcc "$T/evil.err"
for a in control-read-usr control-write-job; do
  grep -q "^attempt: $a: ok$" "$T/evil.err" ||
    { cat "$T/evil.err" >&2; fail "sandboxed: $a failed"; }
done
for a in $ATTEMPTS write-root; do
  grep -q "^attempt: $a: denied$" "$T/evil.err" ||
    { cat "$T/evil.err" >&2; fail "sandboxed: $a was not denied"; }
done
traces=$(outside_traces)
[ -z "$traces" ] || fail "sandboxed: the compiler left traces:$traces"
say "denied: $(grep -c ': denied$' "$T/evil.err") attempts, no trace outside, object identical"

say "the compiler's namespaces, limits and identity"
compile_on 3632 nscc "$T/ns.err"
for ns in user mnt net ipc pid uts; do
  inside=$(sed -n "s/^ns $ns //p" "$T/ns.err")
  outside=$(readlink "/proc/$DAEMON_PID/ns/$ns")
  [ -n "$inside" ] || { cat "$T/ns.err" >&2; fail "no $ns namespace reported"; }
  [ "$inside" != "$outside" ] || fail "the compiler shares the daemon's $ns namespace"
done
grep -qE '^limit Max file size +1073741824 +1073741824' "$T/ns.err" &&
  grep -qE '^limit Max address space +8589934592 +8589934592' "$T/ns.err" &&
  grep -qE '^limit Max processes +4096 +4096' "$T/ns.err" &&
  grep -qE '^limit Max core file size +0 +0' "$T/ns.err" ||
  { cat "$T/ns.err" >&2; fail "the resource limits are not all there"; }
grep -qE '^status Uid:\s+([1-9][0-9]*)\s' "$T/ns.err" &&
  grep -qE '^status CapEff:\s+0+$' "$T/ns.err" &&
  grep -qE '^status NoNewPrivs:\s+1$' "$T/ns.err" ||
  { cat "$T/ns.err" >&2; fail "the compiler runs with privileges"; }
say "own user, mount, net, ipc, pid and uts namespaces; limits; no root, no capabilities"

say "a project through the sandboxed daemon, herdcc and Debian's distcc"
build_project "$T/ref" gcc
HERDCC_HOSTS=127.0.0.1:3632 build_project "$T/farm" "$HERDCC_BIN" gcc ||
  fail "the project failed through the sandboxed daemon"
same_objects "$T/farm" "$T/ref"
if command -v distcc >/dev/null; then
  mkdir -p "$T/distcc"
  DISTCC_DIR=$T/distcc DISTCC_HOSTS=127.0.0.1:3632,lzo DISTCC_FALLBACK=0 \
    DISTCC_BACKOFF_PERIOD=0 build_project "$T/farm-distcc" distcc gcc ||
    fail "distcc failed through the sandboxed daemon"
  same_objects "$T/farm-distcc" "$T/ref"
fi

# ---- the same compiler without the sandbox ------------------------------------

say "the same compiler under --no-sandbox succeeds at every attempt"
start_herdccd 127.0.0.1 3633 --compilers "$T/compilers" --no-sandbox
grep -q -- "--no-sandbox: compilers run unconfined" "$T/herdccd-3633.log" ||
  fail "--no-sandbox gives no warning"
compile_on 3633 evilcc "$T/open.err"
for a in $ATTEMPTS; do
  grep -q "^attempt: $a: ok$" "$T/open.err" ||
    { cat "$T/open.err" >&2; fail "unconfined: $a failed, so the check proves nothing"; }
done
[ -e "$T/drop/evil" ] && [ -s "$T/listener.log" ] ||
  fail "unconfined: the traces the checks look for did not appear"
clear_traces

# ---- an ordinary user ---------------------------------------------------------

say "herdccd started as an ordinary user confines its compilers"
mkdir -p "$T/nobody-log" && chown nobody "$T/nobody-log"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$HERDCCD_BIN" \
  --no-detach --log-file "$T/nobody-log/herdccd.log" --listen 127.0.0.1 \
  --port 3634 --compilers "$T/compilers" &
STARTED_PIDS+=($!)
wait_for port_open 127.0.0.1 3634 || fail "herdccd as nobody did not start"
compile_on 3634 evilcc "$T/user.err"
for a in control-read-usr control-write-job; do
  grep -q "^attempt: $a: ok$" "$T/user.err" || fail "as nobody: $a failed"
done
for a in $ATTEMPTS; do
  grep -q "^attempt: $a: denied$" "$T/user.err" ||
    { cat "$T/user.err" >&2; fail "as nobody: $a was not denied"; }
done
traces=$(outside_traces)
[ -z "$traces" ] || fail "as nobody: the compiler left traces:$traces"

# ---- no user namespaces -------------------------------------------------------

say "where no user namespace can be made, jobs are refused with the reason"
# start_without_userns PORT ARGS...: herdccd as root of a user namespace
# of the test's own (uids and gids 0-65535 mapped, by this root) whose
# limit on nested user namespaces is 0; the machine's setting stays as it
# is. Logs to $T/herdccd-PORT.log.
start_without_userns() {
  local port=$1 go=$T/go-$1 pid i
  shift
  mkfifo "$go"
  unshare --user bash -c 'read -r _ <"$0" && exec bash -c '\''
    echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"'\'' bash "$@"' \
    "$go" "$HERDCCD_BIN" --no-detach --log-stderr --listen 127.0.0.1 \
    --port "$port" "$@" 2>"$T/herdccd-$port.log" &
  pid=$!
  STARTED_PIDS+=($pid)
  for i in $(seq 1 100); do
    [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ] &&
      break
    sleep 0.05
  done
  echo "0 0 65536" >"/proc/$pid/uid_map" && echo "0 0 65536" >"/proc/$pid/gid_map" ||
    fail "cannot map the test's user namespace"
  echo go >"$go"
  wait_for port_open 127.0.0.1 "$port" ||
    { cat "$T/herdccd-$port.log" >&2; fail "herdccd without user namespaces did not serve"; }
}

start_without_userns 3635 --compilers "$T/compilers"
n=$(grep -c "Failed to confine compilers" "$T/herdccd-3635.log" || true)
[ "$n" -eq 1 ] || { cat "$T/herdccd-3635.log" >&2; fail "the start-up report is missing"; }
rm -f "$T/src/x.o"
if (cd "$T/src" && HERDCC_HOSTS=127.0.0.1:3635 "$HERDCC_BIN" gcc -c x.c -o x.o \
  2>"$T/refused.err"); then
  fail "a job ran although the compiler could not be confined"
fi
grep -q "cannot confine compilers" "$T/refused.err" ||
  { cat "$T/refused.err" >&2; fail "the refusal does not say why"; }
say "refused: $(grep -o 'cannot confine compilers[^;]*' "$T/refused.err" | head -1)"
(cd "$T/src" && HERDCC_HOSTS=127.0.0.1:3635 "$HERDCC_BIN" gcc -c x.c -o x.o \
  2>"$T/refused2.err") && fail "a second job ran unconfined"
n=$(grep -c "Failed to confine compilers" "$T/herdccd-3635.log" || true)
[ "$n" -eq 1 ] || fail "the report was repeated ($n times)"

start_without_userns 3636 --no-sandbox
grep -q -- "--no-sandbox: compilers run unconfined" "$T/herdccd-3636.log" ||
  fail "--no-sandbox gives no warning"
compile_on 3636 gcc "$T/nosandbox.err"
say "--no-sandbox runs them, with its warning"
say "PASS"
