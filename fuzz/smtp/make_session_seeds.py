#!/usr/bin/env python3
"""Writes the hand-made seeds of session_fuzzer into a folder (default: corpus_session/).

The encoding is session_fuzzer.cc's: two config bytes, then ops. Re-run after changing it;
scripts/fuzz.sh --long then grows and minimises the corpus from these seeds.
"""
import hashlib
import os
import sys

BYTES, REPEAT, PEER_CLOSED, IO_ERROR, TIMEOUT, STALE, SENT, INTERRUPT, CLOCK, CONNECTED, \
    CONNECT_FAILED, START, DELIVER, SERVER_WRITE, SERVER_CLOSE, CORRUPT = range(16)
NONE, GARBAGE, SERVER, NEVER = 0, 1, 2, 3
ALWAYS, SMALL, SNI, MANUAL, AUTO_SENT, AUTO_DELIVER = 4, 8, 16, 32, 64, 128

BANNER = b"220 mx.example ESMTP ready\r\n"
COMPLIANT = b"250-mx.example hello\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
MISORDERED = b"250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
PLAIN = b"250-mx.example\r\n250 SIZE 1000\r\n"
READY = b"220 2.0.0 ready\r\n"
BYE = b"221 bye\r\n"


def data(op, payload):
    out = bytearray()
    while True:  # long payloads become several ops
        out += bytes([op, min(len(payload), 255)]) + payload[:255]
        payload = payload[255:]
        if not payload:
            return bytes(out)


def b(payload):
    return data(BYTES, payload)


def w(payload):
    return data(SERVER_WRITE, payload)


def seed(flags, *ops, name_length=5):
    return bytes([flags, name_length]) + b"".join(
        bytes([op]) if isinstance(op, int) else op for op in ops)


SEEDS = [
    seed(AUTO_SENT, b(BANNER), b(COMPLIANT), b(BYE)),
    seed(AUTO_SENT, b(BANNER[:5]), b(BANNER[5:]), b(COMPLIANT[:30]), b(COMPLIANT[30:]), b(BYE)),
    seed(AUTO_SENT, b(BANNER), b(b"502 no EHLO\r\n"), b(b"250 hello\r\n"), b(BYE)),
    seed(AUTO_SENT, b(b"421 busy\r\n")),
    seed(AUTO_SENT, b(b"554 go away\r\n"), b(BYE)),
    seed(AUTO_SENT, b(BANNER), b(MISORDERED), b(BYE)),
    seed(AUTO_SENT, b(BANNER + b"250 early\r\n"), b(PLAIN + b"junk"), PEER_CLOSED),
    seed(AUTO_SENT, b(b"HTTP/1.1 400 Bad Request\r\n")),
    seed(AUTO_SENT, b(BANNER), b(b"250-x\n250 y\n"), IO_ERROR, 0),
    seed(AUTO_SENT | SMALL, b(BANNER), data(REPEAT, b"250-" + b"A" * 50 + b"\r\n"), b(BYE)),
    seed(AUTO_SENT, b(BANNER), bytes([REPEAT, 255, 255]) + b"250-" + b"B" * 251, b(BYE)),
    seed(MANUAL, START, CONNECT_FAILED, 0),
    seed(MANUAL, START, TIMEOUT),
    seed(MANUAL, START, CONNECTED, b(BANNER), SENT, b(COMPLIANT), SENT, b(BYE)),
    seed(0, b(BANNER), b(COMPLIANT), SENT, SENT, b(BYE)),
    seed(AUTO_SENT, TIMEOUT),
    seed(AUTO_SENT, b(BANNER), STALE, 0, STALE, 1, CLOCK, 200, TIMEOUT),
    seed(AUTO_SENT, b(BANNER), INTERRUPT),
    seed(GARBAGE | AUTO_SENT | SNI, b(BANNER), b(COMPLIANT), b(READY),
         b(b"\x16\x03\x03\x00\x04\x02\x00\x00\x00"), TIMEOUT),
    seed(GARBAGE | AUTO_SENT, b(BANNER), b(COMPLIANT), b(READY + b"\x15\x03\x03\x00\x02\x02\x28")),
    seed(GARBAGE | AUTO_SENT, b(BANNER), b(COMPLIANT), b(b"454 TLS not available\r\n"), b(BYE)),
    seed(GARBAGE | ALWAYS | AUTO_SENT, b(BANNER), b(PLAIN), b(READY), PEER_CLOSED),
    seed(GARBAGE | AUTO_SENT, b(BANNER), b(MISORDERED), b(READY), IO_ERROR, 1),
    seed(NEVER | AUTO_SENT, b(BANNER), b(COMPLIANT), b(BYE)),
    seed(SERVER | AUTO_SENT | AUTO_DELIVER | SNI, b(BANNER), b(COMPLIANT), b(READY),
         w(b"250-mx.example\r\n250 PIPELINING\r\n"), w(BYE), SERVER_CLOSE),
    seed(SERVER | AUTO_SENT | AUTO_DELIVER, b(BANNER), b(COMPLIANT), b(READY),
         w(COMPLIANT), SERVER_CLOSE),
    seed(SERVER | AUTO_SENT, b(BANNER), b(COMPLIANT), b(READY), DELIVER, 0, DELIVER, 7, DELIVER, 0,
         w(b"250 ok\r\n"), DELIVER, 3, DELIVER, 0, w(BYE), DELIVER, 0),
    seed(SERVER, b(BANNER), SENT, b(COMPLIANT), SENT, b(READY), SENT, DELIVER, 0, SENT, DELIVER, 0,
         SENT, w(b"250 ok\r\n"), DELIVER, 0, SENT, w(BYE), DELIVER, 0),
    seed(SERVER | AUTO_SENT | AUTO_DELIVER, b(BANNER), b(COMPLIANT), b(READY), w(b"250 ok\r\n"),
         CORRUPT, 9, 1, DELIVER, 0),
    seed(SERVER | AUTO_SENT | AUTO_DELIVER, b(BANNER), b(COMPLIANT), b(READY), TIMEOUT),
    seed(SERVER | AUTO_SENT | AUTO_DELIVER | SMALL, b(BANNER), b(COMPLIANT), b(READY),
         w(b"250-" + b"x" * 60 + b"\r\n"), w(b"250-a\r\n250-b\r\n250-c\r\n250-d\r\n250 e\r\n")),
    seed(SERVER | AUTO_SENT, b(BANNER), b(COMPLIANT), b(READY), CORRUPT, 0, 0x40, DELIVER, 0),
]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus_session")
    os.makedirs(folder, exist_ok=True)
    for content in SEEDS:
        with open(os.path.join(folder, hashlib.sha1(content).hexdigest()), "wb") as out:
            out.write(content)


if __name__ == "__main__":
    main()
