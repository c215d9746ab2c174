#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The body codec to a herdccd, chosen per link (herdcc(1), HERDCC_ZLIB):
# a link not measured yet gets zlib bodies; the first source of 64 KiB or
# more leaves the delivery rate to that address in STATE/links/; a
# loopback link, measured fast, then gets LZO bodies; HERDCC_ZLIB=1 sends
# zlib anyway. The codec is read in herdcc-top's local jobs while each
# compile runs (a server compiler that sleeps); every object is a local
# compile's.
. "$(dirname "$0")/lib.sh"
isolate "$@"

: "${HERDCC_TOP_BIN:?HERDCC_TOP_BIN must name the built herdcc-top}"
mkdir -p "$T/bin" "$T/src" "$T/state" "$T/jobs"
cat >"$T/bin/slowcc" <<'CC'
#!/bin/sh
case " $* " in *" -E "*) ;; *) sleep 2 ;; esac
exec gcc "$@"
CC
chmod 755 "$T/bin/slowcc"
printf 'slowcc %s\n' "$T/bin/slowcc" >"$T/compilers"
export PATH=$T/bin:$PATH HERDCC_DIR=$T/state HERDCC_JOBS_DIR=$T/jobs HERDCC_FALLBACK=0
unset HERDCC_ZLIB DISTCC_ZLIB
for i in $(seq 1 4000); do
  printf 'const int v%d[] = { %d, 1, 2, 3, 4, 5, 6, 7 };\n' "$i" "$i"
done >"$T/src/big.c"
(cd "$T/src" && gcc -O2 -c big.c -o "$T/ref.o")
start_herdccd 127.0.0.2 3632 --jobs 2 --compilers "$T/compilers"
entry=$T/state/links/127.0.0.2:3632

# compile N [ENV...]: big.c through the herdccd; prints the codec that
# herdcc-top showed while it ran.
compile() {
  local n=$1
  shift
  (cd "$T/src" && env "$@" HERDCC_HOSTS="127.0.0.2,herd" HERDCC_VERBOSE=1 \
    HERDCC_LOG="$T/c$n.log" "$HERDCC_BIN" slowcc -O2 -c big.c -o "$T/c$n.o") &
  local pid=$! codec=
  for _ in $(seq 1 100); do
    codec=$(HERDCC_HOSTS="127.0.0.2,herd" "$HERDCC_TOP_BIN" --once 2>/dev/null |
      grep -oE 'tcp:3632/(none|lzo|zlib) .*big\.c$' | grep -oE '/(none|lzo|zlib)' | tr -d / | head -1) || true
    [ -n "$codec" ] && break
    sleep 0.1
  done
  wait "$pid" || { cat "$T/c$n.log" >&2; fail "compile $n failed"; }
  grep -q 'on 127.0.0.2:3632 completed ok' "$T/c$n.log" || { cat "$T/c$n.log" >&2; fail "compile $n did not run on the server"; }
  cmp -s "$T/ref.o" "$T/c$n.o" || fail "compile $n: the object differs from the local compile"
  echo "$codec"
}

say "a link not measured yet: zlib bodies"
[ ! -e "$entry" ] || fail "a link entry before any compile"
c=$(compile 1)
[ "$c" = zlib ] || fail "the first compile went with '$c', not zlib"
[ -s "$entry" ] || fail "no link entry after a source of 64 KiB or more"
rate=$(cat "$entry")
say "loopback measured at $rate bytes/s"
awk -v r="$rate" 'BEGIN { exit !(r >= 250e6) }' || fail "loopback measured slow: $rate"

say "the link measured fast: LZO bodies"
c=$(compile 2)
[ "$c" = lzo ] || fail "the second compile went with '$c', not lzo"

say "HERDCC_ZLIB=1: zlib bodies all the same; HERDCC_ZLIB=0 on an unknown link: LZO"
c=$(compile 3 HERDCC_ZLIB=1)
[ "$c" = zlib ] || fail "HERDCC_ZLIB=1 went with '$c'"
rm -f "$entry"
c=$(compile 4 HERDCC_ZLIB=0)
[ "$c" = lzo ] || fail "HERDCC_ZLIB=0 went with '$c'"
say "PASS"
