#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What systemd does for a service, for the service tests.

notify SOCKET ADDR PORT -- CMD...
    Run CMD with NOTIFY_SOCKET=SOCKET (a datagram socket made here; a name
    starting with '@' is abstract), wait for READY=1 (at most 20 s), check
    that MAINPID names CMD and that ADDR:PORT accepts connections by then,
    stop CMD with SIGTERM and wait for STOPPING=1. Prints each datagram.
listen ADDR PORT -- CMD...
    Bind and listen on ADDR:PORT, then run CMD with the socket as
    descriptor 3, LISTEN_FDS=1 and LISTEN_PID set to CMD's own pid, as
    sd_listen_fds(3) expects; wait for CMD. Prints CMD's pid first.
"""
import os
import signal
import socket
import sys
import time


def split_cmd(argv):
    i = argv.index("--")
    return argv[:i], argv[i + 1:]


def notify(args, cmd):
    path, addr, port = args[0], args[1], int(args[2])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + path[1:] if path.startswith("@") else path)
    if not path.startswith("@"):
        os.chmod(path, 0o777)  # as /run/systemd/notify: a daemon drops root
    sock.settimeout(20)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    pid = os.spawnvpe(os.P_NOWAIT, cmd[0], cmd, env)
    seen = {}
    try:
        while "READY" not in seen:
            msg = sock.recv(4096).decode()
            print("datagram: " + msg.replace("\n", " | "), flush=True)
            for line in msg.split("\n"):
                key, _, value = line.partition("=")
                seen[key] = value
    except socket.timeout:
        print("no READY=1 within 20 s", file=sys.stderr)
        os.kill(pid, signal.SIGKILL)
        return 1
    if seen.get("MAINPID") != str(pid):
        print(f"MAINPID={seen.get('MAINPID')}, started {pid}", file=sys.stderr)
        return 1
    socket.create_connection((addr, port), timeout=5).close()
    print(f"ready: {addr}:{port} accepts connections", flush=True)
    os.kill(pid, signal.SIGTERM)
    seen = {}
    try:
        while "STOPPING" not in seen:
            for line in sock.recv(4096).decode().split("\n"):
                seen[line.partition("=")[0]] = True
    except socket.timeout:
        print("no STOPPING=1 within 20 s", file=sys.stderr)
        return 1
    print("stopping: STOPPING=1", flush=True)
    os.waitpid(pid, 0)
    return 0


def listen(args, cmd):
    addr, port = args[0], int(args[1])
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, port))
    sock.listen(128)
    pid = os.fork()
    if pid == 0:
        if sock.fileno() == 3:
            os.set_inheritable(3, True)
        else:
            os.dup2(sock.fileno(), 3, inheritable=True)
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_FDNAMES"] = "herdccd.socket"
        os.execvp(cmd[0], cmd)
    sock.close()
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main():
    args, cmd = split_cmd(sys.argv[2:])
    return {"notify": notify, "listen": listen}[sys.argv[1]](args, cmd)


if __name__ == "__main__":
    sys.exit(main())
