#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# This machine is a host like the others (herdcc(1), "localhost"): a build
# with more compiles at once than every slot of the farm (a herdccd with
# one slot, whose compiles are slow, and localhost/2), on a machine budget
# of two ($HERDCC_LOCAL_CPUS): the local preprocessors and local compiles
# held at once, read from the slot files' locks as the build runs, are
# never more than the budget; the build ends (no deadlock between a
# preprocessor slot and a compile slot); with the server busy, compiles
# run here; the objects are those of a local compile. Then the same with
# a stock distccd in the classic way.
. "$(dirname "$0")/lib.sh"
isolate "$@"

mkdir -p "$T/bin" "$T/src" "$T/state" "$T/ref"
cat >"$T/bin/slowcc" <<'CC'
#!/bin/sh
case " $* " in *" -E "*) ;; *) sleep 1 ;; esac
exec gcc "$@"
CC
chmod 755 "$T/bin/slowcc"
printf 'slowcc %s\n' "$T/bin/slowcc" >"$T/compilers"
export PATH=$T/bin:$PATH HERDCC_DIR=$T/state HERDCC_LOCAL_CPUS=2
for i in $(seq 1 12); do
  printf '#include <stdio.h>\nint f%d(int x) { printf("%%d", x); return x * %d; }\n' \
    "$i" "$i" >"$T/src/f$i.c"
done
(cd "$T/src" && for i in $(seq 1 12); do gcc -O2 -c "f$i.c" -o "$T/ref/f$i.o"; done)

# build NAME HOSTS: the twelve sources, eight at a time, watched.
build() {
  local name=$1 hosts=$2
  rm -f "$T/stop" "$T/state/lock"/* 2>/dev/null || true
  mkdir -p "$T/state/lock" "$T/$name"
  python3 "$HERDCC_SOURCE_ROOT/tests/integration/localslots.py" "$T/state/lock" \
    "$T/stop" >"$T/$name.watch" &
  local watcher=$!
  local status=0
  (cd "$T/src" && ls f*.c | HERDCC_HOSTS=$hosts HERDCC_VERBOSE=1 HERDCC_LOG=$T/$name.log \
    xargs -P 8 -I{} sh -c 'exec "$0" slowcc -O2 -c {} -o "$1/$(basename {} .c).o"' \
    "$HERDCC_BIN" "$T/$name") || status=$?
  touch "$T/stop"
  wait "$watcher"
  [ "$status" = 0 ] || { cat "$T/$name.log"; fail "the $name build failed"; }
  for i in $(seq 1 12); do
    cmp -s "$T/ref/f$i.o" "$T/$name/f$i.o" || fail "$name: f$i.o differs from the local compile"
  done
  read -r total local cpp samples <"$T/$name.watch"
  say "$name: at most $total held at once ($local local compiles, $cpp preprocessors; $samples samples)"
  [ "$samples" -gt 0 ] && [ "$total" -gt 0 ] || fail "$name: no slot was seen held"
  [ "$total" -le 2 ] || fail "$name: $total local slots held at once, over the budget of 2"
  here=$(grep -c 'compile .* on localhost' "$T/$name.log" || true)
  away=$(grep -c 'on 127.0.0.2:3632 completed ok' "$T/$name.log" || true)
  say "$name: $here compiles here, $away on the server"
  [ "$here" -gt 0 ] || { cat "$T/$name.log"; fail "$name: the server busy, nothing ran here"; }
  [ "$away" -gt 0 ] || { cat "$T/$name.log"; fail "$name: nothing ran on the server"; }
}

say "a herdccd of one slot and localhost/2, a budget of 2, eight at a time"
start_herdccd 127.0.0.2 3632 --jobs 1 --compilers "$T/compilers"
build native "127.0.0.2,herd localhost/2"

say "the same in the classic way (the server's own slot file)"
build classic "127.0.0.2/1 localhost/2"
say "PASS"
