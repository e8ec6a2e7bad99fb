#!/usr/bin/env python3
"""Tiny SMTP client of the MTA harness's own: reads the banner, optionally sends EHLO and QUIT.

Why not an SMTP library: the tests must see the raw reply lines exactly as the server sent
them (the scanner classifies those bytes), and every wait needs a hard deadline.

  smtp_probe.py ADDR PORT                 -> prints the banner reply, exits 0 if it is a 220
  smtp_probe.py ADDR PORT --ehlo NAME     -> also prints the EHLO reply, exits 0 if it is a 250
Output: one line per reply line, prefixed "banner: " or "ehlo: ". Exit 1 on any failure.
"""
import argparse
import socket
import sys
import time

MAX_LINE = 4096      # RFC 5321 says 512; be generous but bounded
MAX_LINES = 200      # cap of lines in one multi-line reply
MAX_BYTES = 65536    # cap of everything read from the peer


class Peer:
    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""
        self.total = 0

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self.sock.settimeout(left)
        chunk = self.sock.recv(4096)
        if not chunk:
            raise ConnectionError("peer closed the connection")
        self.total += len(chunk)
        if self.total > MAX_BYTES:
            raise ValueError("peer sent too much")
        self.buf += chunk

    def line(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise ValueError("line too long")
            self._fill()
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw.rstrip(b"\r").decode("latin-1")

    def reply(self):
        """Returns (code, lines) of one complete, possibly multi-line, reply."""
        lines = []
        while len(lines) < MAX_LINES:
            text = self.line()
            if len(text) < 3 or not text[:3].isdigit():
                raise ValueError("malformed reply line: %r" % text)
            lines.append(text)
            if len(text) == 3 or text[3] != "-":
                return int(text[:3]), lines
        raise ValueError("reply has too many lines")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("addr")
    parser.add_argument("port", type=int)
    parser.add_argument("--ehlo", metavar="NAME")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds for everything")
    args = parser.parse_args()

    deadline = time.monotonic() + args.timeout
    family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(args.timeout)
            sock.connect((args.addr, args.port))
            peer = Peer(sock, deadline)
            code, lines = peer.reply()
            for text in lines:
                print("banner: " + text)
            if code != 220:
                return 1
            if args.ehlo is None:
                sock.sendall(b"QUIT\r\n")
                return 0
            sock.sendall(("EHLO %s\r\n" % args.ehlo).encode("ascii"))
            code, lines = peer.reply()
            for text in lines:
                print("ehlo: " + text)
            sock.sendall(b"QUIT\r\n")
            try:
                quit_code, quit_lines = peer.reply()
                for text in quit_lines:
                    print("quit: " + text)
            except (OSError, ValueError):
                pass  # the EHLO reply is what matters; a lost QUIT reply is not a failure
            return 0 if code == 250 else 1
    except (OSError, ValueError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
