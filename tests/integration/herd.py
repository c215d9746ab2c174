#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The native extension's first exchange (docs/protocol.md, "The invitation"),
spoken directly to a herdccd, for herd.sh. Each command prints what the server
said, one line per connection, and exits 1 when the protocol was broken.

  herd.py --host H --port P [--bind A] hold N SECONDS [GRACE]
      open N connections, say HERD on each; print "I STATE VALUE" for each
      first state (INVITED, WAITING, BUSY); hold them SECONDS, printing every
      later state as it comes; then close them all, but one still waiting
      waits up to GRACE seconds more (0 unless given) for its invitation
  herd.py ... expire
      be invited, send nothing; print the milliseconds until the server
      closes the connection
  herd.py ... compile SOURCE.i -- ARGV...
      be invited (waiting as long as it takes), then send the classic
      request (protocol 1) and print the reply's STAT
  herd.py ... chunks [--wrong] [--version V] SOURCE.i -- ARGV...
      say HERD version 4, be invited, send the classic request's command
      line (protocol 1), the source's digest and its list of chunks (HCKL:
      one chunk per 1000 bytes), the chunks the server asks for (HNED) in
      DOTI; print "NEED I/N" (the chunks asked for) and the reply's STAT and
      SERR; --wrong flips a byte of every chunk sent, so none is what the
      list says; --version 2 or 3 speaks an older client: the digest alone,
      then the whole source after HSRC ("NEED ALL")
  herd.py ... sizes SIZE...
      one connection per SIZE, in order, each saying HERD version 3 and,
      once in the waiting room, HSIZ SIZE; print "INVITED SIZE" as each is
      invited, and decline that invitation at once (closing), so that the
      next is invited; a connection invited at once prints "FIRST SIZE"
  herd.py ... work
      version 6's work ahead, on a server of one free slot: A is invited
      and says HSIZ 1000 HEXP 5000 (holding the slot); B and C wait, B
      saying HSIZ 1000 HEXP 1000, then C HSIZ 3000 HEXP 2500 (so C goes
      ahead of B); D speaks version 5. Print "NAME STATE VALUE" for every
      message each gets within a second (WORK: the HWRK value)
"""
import argparse
import hashlib
import select
import socket
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
import wire  # noqa: E402

STATES = {b"HINV": "INVITED", b"HWAI": "WAITING", b"HBSY": "BUSY",
          b"HWRK": "WORK"}


def hello(args, version=1):
    sock = wire.connect(args)
    sock.sendall(wire.header("HERD", version))
    return sock


def read_hello(sock):
    """The server's HERD, HSPD, HSLT, HRSV; then its first state."""
    got = {}
    for token in ("HERD", "HSPD", "HSLT", "HRSV"):
        raw = wire.read_exact(sock, 12)
        if raw[:4] == b"DONE" and token == "HERD":
            return got, ("REFUSED", 0)
        if raw[:4] != token.encode():
            raise ValueError("expected %s, got %r" % (token, raw))
        got[token] = int(raw[4:], 16)
    return got, read_state(sock)


def read_state(sock):
    raw = wire.read_exact(sock, 12)
    if raw[:4] not in STATES:
        raise ValueError("expected a state, got %r" % raw)
    return STATES[raw[:4]], int(raw[4:], 16)


def cmd_hold(args):
    socks, last = [], []
    for i in range(args.n):
        sock = hello(args)
        info, (state, value) = read_hello(sock)
        print(i, state, value, "slots=%d" % info.get("HSLT", 0),
              "speed=%d" % info.get("HSPD", 0), flush=True)
        socks.append(sock)
        last.append(state)
    end = time.monotonic() + args.seconds
    live = {s.fileno(): (i, s) for i, s in enumerate(socks)}
    while live:
        now = time.monotonic()
        if now >= end:
            # Held long enough: what is not waiting closes now, so that a
            # waiting connection (here or in another client) is invited.
            for fd, (i, sock) in list(live.items()):
                if last[i] != "WAITING" or now >= end + args.grace:
                    sock.close()
                    del live[fd]
            if not live:
                break
        timeout = (end if now < end else end + args.grace) - now
        ready, _, _ = select.select(list(live), [], [], max(timeout, 0))
        for fd in ready:
            i, sock = live[fd]
            try:
                state, value = read_state(sock)
            except wire.Closed:
                print(i, "CLOSED", 0, flush=True)
                del live[fd]
                continue
            print(i, state, value, flush=True)
            last[i] = state
            if state != "WAITING":
                del live[fd]
    for sock in socks:
        sock.close()


def cmd_expire(args):
    sock = hello(args)
    _, (state, _) = read_hello(sock)
    if state != "INVITED":
        print("not invited:", state)
        return 1
    start = time.monotonic()
    sock.settimeout(30)
    try:
        extra = sock.recv(1)
    except ConnectionResetError:
        extra = b""
    print(int((time.monotonic() - start) * 1000), "CLOSED" if not extra else "DATA")
    return 0


def cmd_compile(args):
    sock = hello(args)
    sock.settimeout(args.timeout)
    _, (state, value) = read_hello(sock)
    while state == "WAITING":
        state, value = read_state(sock)
    if state != "INVITED":
        print(state)
        return 1
    with open(args.source, "rb") as f:
        source = f.read()
    sock.sendall(wire.request(1, args.argv, source))
    wire.read_header(sock, "DONE")
    print("STAT", wire.read_header(sock, "STAT"), flush=True)
    return 0


def cmd_chunks(args):
    sock = hello(args, args.version)
    sock.settimeout(args.timeout)
    info, (state, _) = read_hello(sock)
    while state == "WAITING":
        state, _ = read_state(sock)
    if state != "INVITED" or info.get("HERD") != args.version:
        print(state, "version", info.get("HERD"))
        return 1
    with open(args.source, "rb") as f:
        source = f.read()
    if args.version < 4:
        sock.sendall(wire.request(1, args.argv, None)
                     + wire.body("HDIG", hashlib.sha256(source).digest()))
        wire.read_header(sock, "HSRC")
        print("NEED ALL", flush=True)
        sock.sendall(wire.body("DOTI", source))
        wire.read_header(sock, "DONE")
        print("STAT %08x" % wire.read_header(sock, "STAT"), flush=True)
        return 0
    pieces = [source[i:i + 1000] for i in range(0, len(source), 1000)]
    listed = b"".join(len(c).to_bytes(4, "big") + hashlib.sha256(c).digest()
                      for c in pieces)
    sock.sendall(wire.request(1, args.argv, None)
                 + wire.body("HDIG", hashlib.sha256(source).digest())
                 + wire.body("HCKL", listed))
    need = wire.read_body(sock, "HNED", False)
    asked = [i for i in range(len(pieces)) if need[i // 8] >> (i % 8) & 1]
    print("NEED %d/%d" % (len(asked), len(pieces)), flush=True)
    sent = b"".join(pieces[i] for i in asked)
    if args.wrong and sent:
        sent = bytes(b ^ 1 for b in sent)
    sock.sendall(wire.body("DOTI", sent))
    wire.read_header(sock, "DONE")
    print("STAT %08x" % wire.read_header(sock, "STAT"))
    print("SERR", wire.read_body(sock, "SERR", False).decode().strip(), flush=True)
    return 0


def cmd_sizes(args):
    live = {}
    for size in args.sizes:
        sock = hello(args, 3)
        info, (state, _) = read_hello(sock)
        if info.get("HERD") != 3:
            print("the server speaks version", info.get("HERD"))
            return 1
        if state == "INVITED":
            print("FIRST", size, flush=True)
            sock.close()
            continue
        if state != "WAITING":
            print(state, size)
            return 1
        sock.sendall(wire.header("HSIZ", size))
        live[sock.fileno()] = (size, sock)
    end = time.monotonic() + args.timeout
    while live and time.monotonic() < end:
        ready, _, _ = select.select(list(live), [], [], end - time.monotonic())
        for fd in ready:
            size, sock = live[fd]
            state, _ = read_state(sock)
            if state == "WAITING":
                continue
            print(state, size, flush=True)
            sock.close()
            del live[fd]
    return 1 if live else 0


def cmd_work(args):
    plan = (("A", 6, 1000, 5000), ("B", 6, 1000, 1000), ("C", 6, 3000, 2500),
            ("D", 5, 0, 0))
    live = {}
    for name, version, size, expect in plan:
        sock = hello(args, version)
        info, (state, value) = read_hello(sock)
        print(name, state, value, flush=True)
        if info.get("HERD") != version:
            print("the server speaks version", info.get("HERD"))
            return 1
        live[sock.fileno()] = (name, sock)
        if size:
            sock.sendall(wire.header("HSIZ", size) + wire.header("HEXP", expect))
        end = time.monotonic() + 0.4
        while time.monotonic() < end:
            ready, _, _ = select.select(list(live), [], [],
                                        max(end - time.monotonic(), 0))
            for fd in ready:
                who, s = live[fd]
                state, value = read_state(s)
                print(who, state, value, flush=True)
    for _, sock in live.values():
        sock.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3632)
    p.add_argument("--bind")
    p.add_argument("--timeout", type=float, default=30)
    sub = p.add_subparsers(dest="command", required=True)
    h = sub.add_parser("hold")
    h.add_argument("n", type=int)
    h.add_argument("seconds", type=float)
    h.add_argument("grace", type=float, nargs="?", default=0)
    sub.add_parser("expire")
    c = sub.add_parser("compile")
    c.add_argument("source")
    c.add_argument("argv", nargs="+")
    k = sub.add_parser("chunks")
    k.add_argument("--wrong", action="store_true")
    k.add_argument("--version", type=int, default=4, choices=(2, 3, 4))
    k.add_argument("source")
    k.add_argument("argv", nargs="+")
    z = sub.add_parser("sizes")
    z.add_argument("sizes", type=int, nargs="+")
    sub.add_parser("work")
    args = p.parse_args()
    return {"hold": cmd_hold, "expire": cmd_expire, "compile": cmd_compile,
            "sizes": cmd_sizes, "chunks": cmd_chunks, "work": cmd_work}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
