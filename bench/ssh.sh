#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A hello-world compile over ssh against the same over plain TCP, herdcc
# and Debian's distcc 3.4 in the same run: a real sshd on 127.0.0.4 (keys
# made here, /root a tmpfs of this run's mount namespace), herdccd --inetd
# and distccd --inetd behind it, herdccd and distccd on TCP beside it.
# herdcc shares one master connection per host (ControlPersist); distcc
# makes a new ssh connection for every job. Medians over RUNS interleaved
# runs (default 60) of the wall time of one compile.
#
#   bench/ssh.sh [BUILD_DIR]      (default: build)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-60}
herdcc=$build/src/client/herdcc
start_daemons

K=$T/keys
mkdir -p "$K" /run/sshd "$T/hstate"
ssh-keygen -q -t ed25519 -N "" -f "$K/host"
ssh-keygen -q -t ed25519 -N "" -f "$K/client"
mount -t tmpfs -o mode=0700 tmpfs /root
mkdir -m 700 /root/.ssh
cp "$K/client.pub" /root/.ssh/authorized_keys
printf 'Host *\n  IdentityFile %s\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n' \
  "$K/client" >/root/.ssh/config
/usr/sbin/sshd -D -e -f /dev/null -o ListenAddress=127.0.0.4 -o HostKey="$K/host" \
  -o PermitRootLogin=prohibit-password -o AuthorizedKeysFile=/root/.ssh/authorized_keys \
  -o PidFile=none -o UsePAM=no -o MaxStartups=100 2>"$T/sshd.log" &
pids+=($!)
wait_port 127.0.0.4 22

cd "$T"
cat >hello.c <<'SRC'
#include <stdio.h>
int main(void) { puts("hello, world"); return 0; }
SRC
time_us() {
  local file=$1 start end
  shift
  start=$(now_ns)
  "$@" >/dev/null
  end=$(now_ns)
  echo $(((end - start) / 1000)) >>"$file"
}
ms() { awk '{ printf "%.2f", $1 / 1000 }'; }

hd=$build/src/daemon/herdccd
for w in htcp hssh dtcp dssh; do : >"$T/t.$w"; done
for i in $(seq 0 "$runs"); do
  HERDCC_DIR=$T/hstate DISTCC_HOSTS=127.0.0.1:3632 \
    time_us "$T/t.htcp" "$herdcc" gcc -O2 -c hello.c -o out.o
  HERDCC_DIR=$T/hstate DISTCC_HOSTS=@127.0.0.4:$hd \
    time_us "$T/t.hssh" "$herdcc" gcc -O2 -c hello.c -o out.o
  DISTCC_HOSTS=127.0.0.2:3632 time_us "$T/t.dtcp" distcc gcc -O2 -c hello.c -o out.o
  DISTCC_HOSTS=@127.0.0.4:/usr/bin/distccd \
    time_us "$T/t.dssh" distcc gcc -O2 -c hello.c -o out.o
done
for w in htcp hssh dtcp dssh; do sed -i 1d "$T/t.$w"; done
ht=$(median <"$T/t.htcp" | ms); hs=$(median <"$T/t.hssh" | ms)
dt=$(median <"$T/t.dtcp" | ms); ds=$(median <"$T/t.dssh" | ms)

echo "medians over $runs interleaved runs, $(nproc) cores, $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wall ms per hello-world compile"
printf '%-8s | %8s %8s | %8s\n' client tcp ssh ssh/tcp
printf '%-8s | %8s %8s | %8s\n' herdcc "$ht" "$hs" "$(ratio "$hs" "$ht")"
printf '%-8s | %8s %8s | %8s\n' distcc "$dt" "$ds" "$(ratio "$ds" "$dt")"
echo "summary: over ssh/over TCP: herdcc $(ratio "$hs" "$ht") (shared master), distcc $(ratio "$ds" "$dt"); herdcc/distcc over ssh $(ratio "$hs" "$ds")"
