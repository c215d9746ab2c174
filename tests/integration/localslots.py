# SPDX-License-Identifier: GPL-2.0-or-later
"""Watch this machine's slot files while a build runs: how many local
compile slots (localhost_N) and preprocessor slots (cpp_localhost_N) are
held at once, read from /proc/locks (nothing is locked to look).

usage: localslots.py LOCKDIR STOPFILE  -> prints "max_total max_local max_cpp samples"
"""
import glob
import os
import sys


def held_now(lock_dir):
    inodes = {}
    for pattern in ("localhost_[0-9]*", "cpp_localhost_[0-9]*"):
        for path in glob.glob(os.path.join(lock_dir, pattern)):
            try:
                inodes[os.stat(path).st_ino] = os.path.basename(path)
            except FileNotFoundError:
                pass
    held = set()
    with open("/proc/locks") as locks:
        for line in locks:
            parts = line.split()
            if len(parts) < 6 or parts[1] != "FLOCK":
                continue  # a waiter ("->") or another kind of lock
            ino = int(parts[5].split(":")[2])
            if ino in inodes:
                held.add(inodes[ino])
    local = sum(1 for n in held if n.startswith("localhost_"))
    return local, len(held) - local


def main():
    lock_dir, stop = sys.argv[1], sys.argv[2]
    max_total = max_local = max_cpp = samples = 0
    while not os.path.exists(stop):
        local, cpp = held_now(lock_dir)
        max_total = max(max_total, local + cpp)
        max_local = max(max_local, local)
        max_cpp = max(max_cpp, cpp)
        samples += 1
    print(max_total, max_local, max_cpp, samples)


main()
