#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The delay between a job slot's release and a waiting compile getting it
# (bench/slot-wake.c over src/client/slots.c): rung by slots_release()'s
# futex doorbell, and found by the 200 ms timer after a bare close (a
# holder that was killed). The slot wait before the doorbell polled with
# pauses growing from 5 to 200 ms.
#
#   bench/slot-wake.sh      (ROUNDS=21)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/herdcc-wake.XXXXXX)
trap 'rm -rf "$T"' EXIT
gcc -O2 -Wall -D_GNU_SOURCE -o "$T/slot-wake" "$top/bench/slot-wake.c" \
  "$top/src/client/slots.c" "$top/src/common/io.c" -I"$top/src/client" -I"$top/src/common"
"$T/slot-wake" "$T" "${ROUNDS:-21}"
