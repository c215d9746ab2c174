#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# distcc's ssh transport with a real sshd on 127.0.0.2 (keys made here,
# /root a tmpfs of this test's mount namespace): herdcc @host runs
# herdccd --inetd over ssh, stock distcc @host:herdccd runs it too, herdcc
# @host:/usr/bin/distccd runs Debian's distccd --inetd; objects identical
# to local, both protocols. The master connection is shared (its socket
# in the state directory). Failures say what failed: authentication, the
# host key, a remote command that is not there; the host is then backed
# off like any other, and --ping reports it.
. "$(dirname "$0")/lib.sh"
for prog in sshd ssh ssh-keygen; do
  command -v "$prog" >/dev/null || [ -x "/usr/sbin/$prog" ] ||
    { echo "$prog is not installed"; exit 77; }
done
isolate "$@"

K=$T/keys
mkdir -p "$K" /run/sshd
ssh-keygen -q -t ed25519 -N "" -f "$K/host" -C host
ssh-keygen -q -t ed25519 -N "" -f "$K/other" -C other
ssh-keygen -q -t ed25519 -N "" -f "$K/client" -C client
mount -t tmpfs -o mode=0700 tmpfs /root
mkdir -m 700 /root/.ssh
cp "$K/client.pub" /root/.ssh/authorized_keys
# 127.0.0.3 presents another key than the one known for it.
echo "127.0.0.3 $(cut -d' ' -f1,2 "$K/host.pub")" >/root/.ssh/known_hosts_strict
cat >/root/.ssh/config <<EOF
Host 127.0.0.3
  StrictHostKeyChecking yes
  UserKnownHostsFile /root/.ssh/known_hosts_strict
Host *
  IdentityFile $K/client
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
EOF
chmod 600 /root/.ssh/*

start_sshd() {
  local addr=$1 key=$2
  /usr/sbin/sshd -D -e -f /dev/null -o ListenAddress="$addr" -o HostKey="$key" \
    -o PermitRootLogin=prohibit-password -o AuthorizedKeysFile=/root/.ssh/authorized_keys \
    -o PidFile=none -o UsePAM=no -o MaxStartups=100 -o MaxSessions=100 \
    2>>"$T/sshd-$addr.log" &
  STARTED_PIDS+=($!)
  wait_for port_open "$addr" 22 || fail "sshd on $addr did not start"
}
start_sshd 127.0.0.2 "$K/host"
start_sshd 127.0.0.3 "$K/other"
ssh -o BatchMode=yes 127.0.0.2 true || fail "ssh to 127.0.0.2 does not work"

# herdccd (and a distccd by another name) on the remote PATH, in this
# test's mount namespace only.
mount -t tmpfs tmpfs /usr/local/bin
ln -s "$HERDCCD_BIN" /usr/local/bin/herdccd

export HERDCC_DIR=$T/state HERDCC_FALLBACK=0 DISTCC_DIR=$T/dstate \
  DISTCC_FALLBACK=0 DISTCC_BACKOFF_PERIOD=0 DISTCC_VERBOSE=1
mkdir -p "$HERDCC_DIR" "$DISTCC_DIR"

say "reference: a local build"
build_project "$T/ref" gcc

say "herdcc @127.0.0.2: herdccd --inetd over ssh, protocol 1 and 2"
HERDCC_HOSTS=@127.0.0.2 build_project "$T/h1" "$HERDCC_BIN" gcc ||
  fail "herdcc @127.0.0.2 failed"
same_objects "$T/h1" "$T/ref"
HERDCC_HOSTS=root@127.0.0.2/4,lzo build_project "$T/h2" "$HERDCC_BIN" gcc ||
  fail "herdcc root@127.0.0.2,lzo failed"
same_objects "$T/h2" "$T/ref"

say "the master connection is shared, its socket in the state directory"
socket=$(find "$HERDCC_DIR/ssh" -type s | head -1)
[ -n "$socket" ] || fail "no control socket in $HERDCC_DIR/ssh"
ssh -o ControlPath="$socket" -O check 127.0.0.2 2>&1 | grep -q "Master running" ||
  fail "no master connection behind $socket"

say "stock distcc @127.0.0.2:herdccd"
DISTCC_HOSTS=@127.0.0.2:herdccd DISTCC_LOG=$T/distcc.log \
  build_project "$T/d1" distcc gcc || { cat "$T/distcc.log" >&2; fail "distcc over ssh failed"; }
same_objects "$T/d1" "$T/ref"
grep -q "completed ok" "$T/distcc.log" || fail "distcc did not compile over ssh"

say "herdcc @127.0.0.2:/usr/bin/distccd: Debian's distccd --inetd"
HERDCC_HOSTS=@127.0.0.2:/usr/bin/distccd,lzo build_project "$T/h3" "$HERDCC_BIN" gcc ||
  fail "herdcc to distccd over ssh failed"
same_objects "$T/h3" "$T/ref"

# ---- failures ----------------------------------------------------------------

printf 'int f(void) { return 1; }\n' >"$T/x.c"
# expect_failure HOSTS WORDS LABEL: the compile fails to distribute, the
# message names what failed, and the ssh host is backed off.
expect_failure() {
  local hosts=$1 words=$2 label=$3
  rm -rf "$T/fstate" && mkdir -p "$T/fstate"
  if (cd "$T" && HERDCC_DIR=$T/fstate HERDCC_BACKOFF_PERIOD=60 HERDCC_HOSTS=$hosts "$HERDCC_BIN" gcc -c x.c \
    -o x.o 2>"$T/fail.err"); then
    fail "$label: the compile did not fail"
  fi
  grep -q "$words" "$T/fail.err" || { cat "$T/fail.err" >&2; fail "$label: no '$words'"; }
  ls "$T/fstate/backoff" 2>/dev/null | grep -q ssh ||
    fail "$label: the host is not backed off"
  say "$label: $(grep -m1 "WARNING" "$T/fail.err")"
}
say "failures say what failed"
expect_failure nobody@127.0.0.2 "authentication failed" "a user without a key"
expect_failure @127.0.0.3 "host key" "a host key that is not the known one"
expect_failure @127.0.0.2:no-such-herdccd "remote command is not there" \
  "a remote command that is not there"
expect_failure @127.0.0.9 "no ssh server there" "an address without sshd"

(HERDCC_DIR=$T/fstate HERDCC_BACKOFF_PERIOD=60 HERDCC_HOSTS=@127.0.0.9 \
  "$HERDCC_BIN" --show-hosts) | grep -q '^@127.0.0.9.* backed off' ||
  fail "--show-hosts does not show the ssh host backed off"

say "with the fallback, a failed ssh host gives a local compile"
(cd "$T" && HERDCC_FALLBACK=1 HERDCC_DIR=$T/fstate2 HERDCC_HOSTS=nobody@127.0.0.2 \
  "$HERDCC_BIN" gcc -c x.c -o x.o 2>"$T/fb.err") || fail "the fallback failed"
grep -q "running locally instead" "$T/fb.err" || fail "no fallback message"

say "--ping: an ssh host like any other"
HERDCC_HOSTS="@127.0.0.2 nobody@127.0.0.2" "$HERDCC_BIN" --ping >"$T/ping.out" || true
cat "$T/ping.out"
grep -qE '^ssh:127.0.0.2 - list up ' "$T/ping.out" ||
  { cat "$T/ping.out" >&2; fail "--ping does not show the ssh host up"; }
grep -qE '^ssh:nobody@127.0.0.2 - list down .*authentication failed' "$T/ping.out" ||
  { cat "$T/ping.out" >&2; fail "--ping does not say why the ssh host is down"; }
say "PASS"
