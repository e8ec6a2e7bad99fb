#!/usr/bin/env python3
"""The house's rooms and the arrows between them, drawn from the code.

A room is a folder of product code: base/, output/, resolver/, and each scanner/<stage>/.
For every room: its lines of code and the rooms its files include. An arrow that runs
against the declared order of the pipeline (ORDER below: a room may include only rooms
before it) is printed as a back-arrow; `--check` exits 1 when there is one, so CI keeps the
graph acyclic.

    scripts/rooms.py            # the room table and every arrow
    scripts/rooms.py --check    # only the back-arrows; exit 1 if any
"""
import collections
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The pipeline, ground floor first: a room may include rooms listed before it.
ORDER = [
    "base", "scanner/flags", "scanner/smtp", "scanner/targets", "scanner/schedule", "scanner/tls",
    "scanner/policy", "resolver", "scanner/session", "scanner/engine", "output",
    "scanner/classify", "scanner/scan", "scanner/datasets", "scanner/survey", "scanner/cli",
]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def room_of(path):
    parts = path.split("/")
    if parts[0] == "scanner" and len(parts) > 2:
        return "scanner/" + parts[1]
    return parts[0] if len(parts) > 1 else None


def main(argv):
    check = "--check" in argv
    lines = collections.Counter()
    files = collections.Counter()
    arrows = collections.defaultdict(set)  # (from, to) -> example files
    for root in ("base", "output", "resolver", "scanner"):
        for folder, _, names in os.walk(os.path.join(TOP, root)):
            for name in names:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.relpath(os.path.join(folder, name), TOP)
                room = room_of(path)
                if room is None:
                    continue
                text = open(os.path.join(TOP, path), encoding="utf-8", errors="replace").read()
                lines[room] += text.count("\n")
                files[room] += 1
                for target in INCLUDE.findall(text):
                    other = room_of(target)
                    if other and other != room and os.path.exists(os.path.join(TOP, target)):
                        arrows[(room, other)].add(path)
    rank = {room: i for i, room in enumerate(ORDER)}
    back = [(a, b) for (a, b) in arrows
            if rank.get(a, len(ORDER)) <= rank.get(b, len(ORDER))]
    if not check:
        print(f"{'room':20} {'files':>5} {'lines':>7}  includes")
        for room in sorted(lines, key=lambda r: rank.get(r, len(ORDER))):
            uses = sorted({b for (a, b) in arrows if a == room}, key=lambda r: rank.get(r, 99))
            print(f"{room:20} {files[room]:5} {lines[room]:7}  {', '.join(uses)}")
        unknown = sorted(set(lines) - set(ORDER))
        if unknown:
            print("rooms missing from ORDER:", ", ".join(unknown))
    for a, b in sorted(back):
        print(f"back-arrow: {a} -> {b}  ({', '.join(sorted(arrows[(a, b)])[:3])})")
    if check and not back:
        print(f"rooms: {len(lines)} rooms, no include runs back up the pipeline")
    return 1 if check and back else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
