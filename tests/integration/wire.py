#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A client for the distcc wire protocol (versions 1 and 2), for tests.

It speaks the protocol well, and badly on purpose: the attack suite
(attack.sh) uses it to send whole requests, raw bytes, idle connections
and slow ones to a herdccd, and to read what comes back.

Every message is a 4-letter token and 8 lowercase hex digits, a value or
the length of a body that follows. Request: DIST v, ARGC n, n x ARGV,
DOTI. Reply: DONE v, STAT, SERR, SOUT, DOTO. Version 2 carries the
DOTI/SERR/SOUT/DOTO bodies as raw LZO1X streams: a small decoder and a
literal-only encoder live below, so that no module beyond the standard
library is needed.

    wire.py [--host H] [--port P] [--bind ADDR] [--timeout S] COMMAND ...

    compile [--version V] [--source FILE] [--object FILE] ARGV...
        Send a whole request and print the reply: "STAT <hex>", one
        "SERR <line>" per line of its standard error, "SOUT <n>",
        "DOTO <n>". Exit 0 when a whole reply came, 3 when the server
        closed without one, 4 on a timeout.
    raw [--hold S] [--no-shut] DATA...
        Send each DATA (Python escapes: \\x00, \\n) in turn, half-close
        the connection (unless --no-shut), then print what came back as
        "REPLY <repr>" and "END closed|timeout|reset".
    idle N HOLD
        Open N connections that send nothing and keep them for HOLD
        seconds; print "OPEN <n>" once they are open, then "CLOSED <k>":
        how many the server closed in that time.
    trickle --prefix DATA --interval S --max S
        Send DATA, then one byte (the first byte of a valid ARGV header
        onwards) every S seconds until the server closes the connection or
        --max seconds pass; print "CLOSED_AFTER <s>" or "OPEN_AFTER <s>".
"""

import argparse
import errno
import os
import select
import socket
import sys
import time


# ---- LZO1X ------------------------------------------------------------------


def lzo_decompress(src):
    """Decode a raw LZO1X stream (as lzo1x_decompress_safe does)."""
    out = bytearray()
    ip = 0

    def byte():
        nonlocal ip
        if ip >= len(src):
            raise ValueError("LZO input overrun")
        b = src[ip]
        ip += 1
        return b

    def literals(n):
        nonlocal ip
        if ip + n > len(src):
            raise ValueError("LZO input overrun")
        out.extend(src[ip : ip + n])
        ip += n

    def extended(t, base):
        while True:
            b = byte()
            if b != 0:
                return t + base + b
            t += 255

    def copy_match(dist, n):
        start = len(out) - dist
        if start < 0:
            raise ValueError("LZO lookbehind overrun")
        for k in range(n):
            out.append(out[start + k])

    state = 0  # literals copied just before: 0, 1-3, or 4 (a run)
    t = byte()
    if t > 17:
        t -= 17
        literals(t)
        state = 4 if t >= 4 else t
    else:
        ip -= 1
    while True:
        t = byte()
        if t < 16:
            if state == 0:
                n = extended(0, 15) if t == 0 else t
                literals(n + 3)
                state = 4
                continue
            if state == 4:  # a 3-byte match at distance 2049...3072
                dist = 1 + 0x0800 + (t >> 2) + (byte() << 2)
                copy_match(dist, 3)
            else:  # a 2-byte match near by
                dist = 1 + (t >> 2) + (byte() << 2)
                copy_match(dist, 2)
        elif t >= 64:
            dist = 1 + ((t >> 2) & 7) + (byte() << 3)
            copy_match(dist, (t >> 5) - 1 + 2)
        elif t >= 32:
            n = t & 31
            if n == 0:
                n = extended(0, 31)
            lo, hi = byte(), byte()
            dist = 1 + ((lo | hi << 8) >> 2)
            copy_match(dist, n + 2)
        else:
            n = t & 7
            if n == 0:
                n = extended(0, 7)
            lo, hi = byte(), byte()
            dist = ((t & 8) << 11) + ((lo | hi << 8) >> 2)
            if dist == 0:
                if ip != len(src):
                    raise ValueError("LZO input not consumed")
                return bytes(out)
            copy_match(dist + 0x4000, n + 2)
        # the low two bits of the last offset byte: literals that follow
        t = src[ip - 2] & 3
        literals(t)
        state = t


def lzo_compress_literals(data):
    """A valid LZO1X stream that stores data as literals (no compression)."""
    n = len(data)
    out = bytearray()
    if n == 0:
        pass
    elif n <= 238:
        out.append(17 + n)
    else:
        rest = n - 18
        zeros = (rest - 1) // 255
        out.append(0)
        out.extend(b"\0" * zeros)
        out.append(rest - 255 * zeros)
    out.extend(data)
    out.extend(b"\x11\x00\x00")
    return bytes(out)


# ---- the protocol ---------------------------------------------------------------


def header(token, value):
    return b"%s%08x" % (token.encode(), value)


def body(token, data, lzo=False):
    if lzo and data:
        data = lzo_compress_literals(data)
    return header(token, len(data)) + data


def request(version, argv, source):
    msg = header("DIST", version) + header("ARGC", len(argv))
    for arg in argv:
        msg += body("ARGV", arg.encode("utf-8", "surrogateescape"))
    if source is not None:
        msg += body("DOTI", source, lzo=version >= 2)
    return msg


class Closed(Exception):
    pass


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Closed(bytes(buf))
        buf.extend(chunk)
    return bytes(buf)


def read_header(sock, token):
    raw = read_exact(sock, 12)
    if raw[:4] != token.encode():
        raise ValueError("expected %s, got %r" % (token, raw))
    return int(raw[4:], 16)


def read_body(sock, token, lzo):
    data = read_exact(sock, read_header(sock, token))
    return lzo_decompress(data) if lzo and data else data


def connect(args):
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if args.bind:
        sock.bind((args.bind, 0))
    sock.settimeout(args.timeout)
    sock.connect((args.host, args.port))
    return sock


# ---- commands ----------------------------------------------------------------


def cmd_compile(args):
    source = None
    if args.source:
        with open(args.source, "rb") as f:
            source = f.read()
    sock = connect(args)
    try:
        sock.sendall(request(args.version, args.argv, source))
        version = read_header(sock, "DONE")
        lzo = version >= 2
        status = read_header(sock, "STAT")
        serr = read_body(sock, "SERR", lzo)
        sout = read_body(sock, "SOUT", lzo)
        obj = read_body(sock, "DOTO", lzo)
    except Closed as e:
        print("CLOSED after %d bytes of reply" % len(e.args[0]))
        return 3
    except socket.timeout:
        print("TIMEOUT")
        return 4
    except ConnectionResetError:
        print("CLOSED (reset)")
        return 3
    finally:
        sock.close()
    print("DONE %08x" % version)
    print("STAT %08x" % status)
    for line in serr.decode("utf-8", "replace").splitlines():
        print("SERR " + line)
    print("SOUT %d" % len(sout))
    print("DOTO %d" % len(obj))
    if args.object and status == 0:
        with open(args.object, "wb") as f:
            f.write(obj)
    return 0


def unescape(text):
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode(
        "latin-1"
    )


def cmd_raw(args):
    sock = connect(args)
    end = "closed"
    reply = bytearray()
    try:
        for chunk in args.data:
            sock.sendall(unescape(chunk))
        if args.hold:
            time.sleep(args.hold)
        if not args.no_shut:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # already reset by the server: read what it sent
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply.extend(chunk)
    except socket.timeout:
        end = "timeout"
    except (ConnectionResetError, BrokenPipeError):
        end = "reset"
    finally:
        sock.close()
    print("REPLY %r" % bytes(reply))
    print("END " + end)
    return 0


def cmd_idle(args):
    socks = []
    for _ in range(args.count):
        try:
            s = connect(args)
            s.setblocking(False)
            socks.append(s)
        except OSError as e:
            print("CONNECT_FAILED %s" % e, file=sys.stderr)
            break
    print("OPEN %d" % len(socks), flush=True)
    closed = set()
    deadline = time.monotonic() + args.hold
    while time.monotonic() < deadline and len(closed) < len(socks):
        left = [s for s in socks if s not in closed]
        ready, _, _ = select.select(left, [], [], max(0, deadline - time.monotonic()))
        for s in ready:
            try:
                if not s.recv(4096):
                    closed.add(s)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(s)
    print("CLOSED %d" % len(closed), flush=True)
    for s in socks:
        s.close()
    return 0


def cmd_trickle(args):
    sock = connect(args)
    sock.setblocking(False)
    start = time.monotonic()
    # After the prefix: an endless stream of the bytes of long ARGVs.
    pattern = b"ARGV0000ffff" + b"a" * 0xFFFF
    k = 0
    try:
        sock.sendall(unescape(args.prefix))
        while time.monotonic() - start < args.max:
            ready, _, _ = select.select([sock], [], [], args.interval)
            if ready:
                try:
                    if not sock.recv(4096):
                        raise Closed(b"")
                except BlockingIOError:
                    pass
                continue
            sock.send(pattern[k % len(pattern) : k % len(pattern) + 1])
            k += 1
    except (Closed, ConnectionResetError, BrokenPipeError):
        print("CLOSED_AFTER %.1f" % (time.monotonic() - start))
        return 0
    finally:
        sock.close()
    print("OPEN_AFTER %.1f" % (time.monotonic() - start))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.2")
    p.add_argument("--port", type=int, default=3632)
    p.add_argument("--bind", help="source address")
    p.add_argument("--timeout", type=float, default=30)
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile")
    c.add_argument("--version", type=int, default=1)
    c.add_argument("--source", help="DOTI body (none: the request stops after ARGV)")
    c.add_argument("--object", help="where to write DOTO")
    c.add_argument("argv", nargs="+")
    c.set_defaults(func=cmd_compile)

    r = sub.add_parser("raw")
    r.add_argument("--hold", type=float, default=0)
    r.add_argument("--no-shut", action="store_true")
    r.add_argument("data", nargs="+")
    r.set_defaults(func=cmd_raw)

    i = sub.add_parser("idle")
    i.add_argument("count", type=int)
    i.add_argument("hold", type=float)
    i.set_defaults(func=cmd_idle)

    t = sub.add_parser("trickle")
    t.add_argument("--prefix", default="")
    t.add_argument("--interval", type=float, default=1)
    t.add_argument("--max", type=float, default=30)
    t.set_defaults(func=cmd_trickle)

    args = p.parse_args()
    try:
        return args.func(args)
    except OSError as e:
        if e.errno == errno.ECONNREFUSED:
            print("REFUSED")
            return 5
        raise


if __name__ == "__main__":
    sys.exit(main())
