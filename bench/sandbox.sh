#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The per-job cost of herdccd's sandbox (its own user, mount, network, IPC,
# PID and UTS namespaces and a pivot into a built view, for every job):
# one herdccd confining its compilers (127.0.0.1) against one started with
# --no-sandbox (127.0.0.3), and Debian's distccd 3.4 (127.0.0.2, which
# confines nothing) in the same run. Prints medians over RUNS interleaved
# runs (default 100) of the wall time of one whole compile through each:
#
#   null   a "compiler" that only creates its output file (a static C
#          program, on both sides): the job's fixed costs alone, where
#          the sandbox's share is the easiest to see
#   hello  gcc -O2 -c on hello world
#
#   bench/sandbox.sh [BUILD_DIR]      (default: build)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-100}
herdcc=$build/src/client/herdcc

cd "$T"
mkdir -p bin
cat >nullcc.c <<'SRC'
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
/* Creates the file -o names; with -E writes nothing: an empty unit. */
int main(int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "-o") == 0) {
      int fd = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
      return fd < 0;
    }
  }
  return 0;
}
SRC
gcc -O2 -static -o bin/nullcc nullcc.c
printf 'nullcc %s\n' "$T/bin/nullcc" >compilers
export PATH=$T/bin:$PATH

"$build/src/daemon/herdccd" --no-detach --log-stderr --log-level=error \
  --listen 127.0.0.1 --port 3632 --compilers "$T/compilers" --no-cache \
  2>"$T/herdccd.log" &
pids+=($!)
"$build/src/daemon/herdccd" --no-detach --log-stderr --log-level=error \
  --listen 127.0.0.3 --port 3632 --compilers "$T/compilers" --no-sandbox --no-cache \
  2>"$T/herdccd-open.log" &
pids+=($!)
distccd --no-detach --daemon --log-stderr --log-level=error --listen 127.0.0.2 \
  --port 3632 --allow 127.0.0.0/8 --enable-tcp-insecure 2>"$T/distccd.log" &
pids+=($!)
wait_port 127.0.0.1 3632 && wait_port 127.0.0.3 3632 && wait_port 127.0.0.2 3632

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

# row LABEL CC: the three servers, interleaved run by run.
row() {
  local label=$1 cc=$2 i w
  for w in sb open d; do : >"$T/t.$w"; done
  for i in $(seq 0 "$runs"); do
    DISTCC_HOSTS=127.0.0.1:3632 time_us "$T/t.sb" "$herdcc" "$cc" -O2 -c hello.c -o out.o
    DISTCC_HOSTS=127.0.0.3:3632 time_us "$T/t.open" "$herdcc" "$cc" -O2 -c hello.c -o out.o
    DISTCC_HOSTS=127.0.0.2:3632 time_us "$T/t.d" distcc "$cc" -O2 -c hello.c -o out.o
  done
  for w in sb open d; do sed -i 1d "$T/t.$w"; done
  local sb open d
  sb=$(median <"$T/t.sb" | ms)
  open=$(median <"$T/t.open" | ms)
  d=$(median <"$T/t.d" | ms)
  printf '%-6s | %8s %8s %8s | %+7.2f | %5s %5s\n' "$label" "$sb" "$open" "$d" \
    "$(awk -v a="$sb" -v b="$open" 'BEGIN { print a - b }')" \
    "$(ratio "$sb" "$open")" "$(ratio "$sb" "$d")"
  summary+=" $label +$(awk -v a="$sb" -v b="$open" 'BEGIN { printf "%.2f", a - b }') ms"
}
summary=

echo "medians over $runs interleaved runs, $(nproc) cores, $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo "wall ms per compile: herdccd with its sandbox, herdccd --no-sandbox, distccd 3.4"
printf '%-6s | %8s %8s %8s | %7s | %5s %5s\n' job sandbox open distccd "cost" sb/open sb/d
row null nullcc
row hello gcc
echo "summary: the sandbox's per-job cost (median wall difference):$summary"
