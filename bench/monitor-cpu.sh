#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The GTK monitor's CPU use, as a share of one core, from its own
# utime+stime in /proc over a measured period (after a warm-up):
#   1. idle: no server, no job, the window shown;
#   2. idle in the tray (--hidden);
#   3. a farm of N simulated servers (default 50, 4 slots each) whose
#      status documents turn over RATE jobs per second in all (default
#      500): every request sees new jobs in every slot and jobs_done grown
#      by RATE/N per second; the window on the farm view;
#   4. the same on the timeline view (Alt+2), which redraws every row;
#   5. the same in the tray.
# The simulated servers are one Python process answering "GET /json" on
# 127.0.0.2 ... on port 3633 inside this script's own network namespace;
# the monitor asks each one every 2 s, as it asks real herdccd.
# Usage: bench/monitor-cpu.sh [BUILD_DIR] (env: SECONDS_PER_CASE, N, RATE).
. "$(dirname "$0")/lib.sh"
MONITOR=$build/monitor/gtk/herdcc-monitor
[ -x "$MONITOR" ] || { echo "no $MONITOR (built without the monitor?)"; exit 1; }
MEASURE=${SECONDS_PER_CASE:-30}
N=${N:-50}
RATE=${RATE:-500}
ip link set lo up

mkdir -p /tmp/.X11-unix
mount -t tmpfs tmpfs /tmp/.X11-unix
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x960x24 3>"$T/display" 2>"$T/xvfb.log" &
for _ in $(seq 1 50); do [ -s "$T/display" ] && break; sleep 0.1; done
export DISPLAY=:$(cat "$T/display")
dbus-daemon --session --nofork --print-address=3 3>"$T/bus" 2>/dev/null &
for _ in $(seq 1 50); do [ -s "$T/bus" ] && break; sleep 0.1; done
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$T/bus")
export DBUS_SESSION_BUS_ADDRESS NO_AT_BRIDGE=1 GDK_BACKEND=x11
export HERDCC_DIR=$T/state HERDCC_BACKOFF_PERIOD=0
mkdir -p "$HERDCC_DIR"

cat >"$T/farm.py" <<'PY'
import asyncio, json, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
slots = 4
per_server = rate / n          # jobs finished per second per server
start = time.time()
served = [0]
def doc(i):
    now = time.time()
    seq = int((now - start) * per_server)
    jobs = [{"client": "10.1.%d.%d:%d" % (i // 250, i % 250, 40000 + s),
             "source": "src/unit%d_%d.c" % (seq, s), "compiler": "gcc",
             "size": 20000 + seq % 997, "phase": ("receive", "compile", "send", "compile")[s],
             "started": int(now) - 1, "pid": 1000 + seq * slots + s,
             "phase_ms": 300, "receive_ms": 20} for s in range(slots)]
    done = int((now - start) * per_server)
    return {"format": 1, "version": "sim", "host": "sim%d" % i, "now": int(now),
            "uptime_s": int(now - start),
            "config": {"port": 3632, "stats_port": 3633, "jobs": slots,
                       "zeroconf": False, "codecs": ["lzo"], "allow": ["private"]},
            "results": {"ok": done, "compile_error": 0, "refused": 0, "timeout": 0,
                        "client_gone": 0, "busy": 0, "protocol": 0, "other": 0},
            "jobs_done": done, "bytes_in": done * 20000, "bytes_out": done * 5000,
            "jobs_per_min": per_server * 60, "load": [3.0, 3.0, 3.0], "cpus": 4,
            "running": slots, "jobs": jobs,
            "phase_ms": {"waiting": 0, "receive": done * 20, "compile": done * 300,
                         "send": done * 5}}
async def serve(reader, writer, i):
    await reader.readline()
    body = json.dumps(doc(i)).encode()
    writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    writer.close()
    served[0] += 1
async def main():
    for i in range(n):
        await asyncio.start_server(lambda r, w, i=i: serve(r, w, i),
                                   "127.0.0.%d" % (i + 2), 3633)
    print("ready", flush=True)
    while True:
        await asyncio.sleep(1)
        open(sys.argv[3], "w").write("%d\n" % served[0])
asyncio.run(main())
PY

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# measure LABEL: the monitor's share of a core over MEASURE seconds.
measure() {
  local a b
  a=$(cpu_ticks "$MON")
  sleep "$MEASURE"
  b=$(cpu_ticks "$MON")
  awk -v l="$1" -v a="$a" -v b="$b" -v t="$ticks" -v m="$MEASURE" \
    'BEGIN { printf "%-44s %6.2f%%\n", l, (b - a) * 100 / t / m }'
}
start_monitor() {
  "$MONITOR" "$@" >"$T/monitor.log" 2>&1 &
  MON=$!
  sleep 5 # start-up and the first round of requests
}
stop_monitor() { kill "$MON"; wait "$MON" 2>/dev/null || true; }
window_id() { xwininfo -root -tree | awk '/"herdcc monitor"/ && !/ 10x10\+/ { print $1; exit }'; }

echo "herdcc-monitor CPU, share of one core over ${MEASURE} s per case (load $(cut -d' ' -f1 /proc/loadavg))"
export HERDCC_HOSTS=127.0.0.1:1/1
start_monitor
measure "idle (one server, no jobs), window shown"
stop_monitor
start_monitor --hidden
measure "idle (one server, no jobs), in the tray"
stop_monitor

python3 "$T/farm.py" "$N" "$RATE" "$T/served" >"$T/farm.log" 2>&1 &
FARM=$!
for _ in $(seq 1 50); do grep -q ready "$T/farm.log" && break; sleep 0.1; done
hosts=
for i in $(seq 0 $((N - 1))); do hosts+="127.0.0.$((i + 2)):3632/4 "; done
export HERDCC_HOSTS=$hosts
start_monitor
s0=$(cat "$T/served" 2>/dev/null || echo 0)
measure "$N servers, $RATE jobs/s, farm view"
s1=$(cat "$T/served")
if command -v xdotool >/dev/null; then
  xdotool windowfocus --sync "$(window_id)" key alt+2
  measure "$N servers, $RATE jobs/s, timeline view"
  xdotool windowfocus --sync "$(window_id)" key alt+3
  measure "$N servers, $RATE jobs/s, overview"
fi
stop_monitor
start_monitor --hidden
measure "$N servers, $RATE jobs/s, in the tray"
stop_monitor
kill "$FARM"
echo "status requests answered during the farm view: $((s1 - s0)) in ${MEASURE} s" \
  "(every server every 2 s: $((N * MEASURE / 2)))"
