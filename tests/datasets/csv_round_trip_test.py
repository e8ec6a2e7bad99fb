#!/usr/bin/env python3
"""CSV and NDJSON hold the same values: `starttls-scan convert --to csv` on a lab scan, read
back with Python's csv module (an independent RFC 4180 reader), each row joined to its NDJSON
record by type and key, and every cell compared with the value computed here from the record
by the rules docs/datasets.md states (raw bytes escaped as in NDJSON, lists joined with ';',
members of lists of objects one item per object). The same CSV must come out of the gzip and
zstd forms of the file (compression told by the first bytes, whatever the name).

Usage: csv_round_trip_test.py STARTTLS_SCAN SCAN.ndjson WORKDIR
"""
import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys

# Fields holding server bytes (docs/rules.md §6), by their last name segment and parent.
RAW = {"raw", "trailing", "greeting", "keyword", "params", "text", "subject", "issuer", "dns_names", "input"}
RAW_PARENT_SPECIFIC = {("exchanges", "name")}


def escape(text):
    """The inside of a JSON string as starttls-scan writes it."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    return "".join(out)


def is_raw(path):
    last = path[-1]
    return last in RAW or (len(path) > 1 and (path[-2], last) in RAW_PARENT_SPECIFIC)


def scalar(value, path, as_item):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] == "\x00" and value.startswith("\x00num:"):
        return value[5:]
    if isinstance(value, str):
        if as_item:
            return escape(value).replace(";", "\\u003b")
        return escape(value) if is_raw(path) else value
    raise AssertionError("unexpected value %r at %s" % (value, ".".join(path)))


def items(value, path, rest):
    """The list items of a cell for `rest` below `value`, or None when not a list cell."""
    if not rest:
        if isinstance(value, list):
            return [scalar(v, path, True) for v in value]
        return None
    if isinstance(value, list):  # a list of objects: one item (or several, flattened) per object
        out = []
        for element in value:
            below = element.get(rest[0]) if isinstance(element, dict) else None
            got = items(below, path + [rest[0]], rest[1:])
            if got is None:
                got = [scalar(below, path + [rest[0]], True)]
            elif not got and not rest[1:]:
                got = [""]
            out.extend(got)
        return out
    if isinstance(value, dict):
        return items(value.get(rest[0]), path + [rest[0]], rest[1:])
    return None


def expected_cell(record, column):
    parts = column.split(".")
    got = items(record.get(parts[0]), [parts[0]], parts[1:])
    if got is not None:
        return ";".join(got)
    value = record
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, (dict, list)):
        raise AssertionError("column %s names a whole object" % column)
    return scalar(value, parts, False)


def plain(value):
    return scalar(value, ["-"], False)


def key_of(record):
    if record["type"] == "domain":
        return ("domain", record["domain"])
    if record["type"] == "error":
        return ("error", plain(record.get("line")))
    return (record["type"], "%s:%s" % (record.get("ip"), plain(record.get("port"))))


def keep_number_text(text):
    return "\x00num:" + text


def convert(scan, args, source):
    result = subprocess.run([scan, "convert", "--to", "csv"] + args + [source], capture_output=True, check=False)
    if result.returncode != 0:
        raise AssertionError("convert %s exited %d: %s" % (args, result.returncode, result.stderr.decode()))
    return result.stdout


def check(csv_bytes, records, label, skip=lambda column: False):
    """Every cell of every row against its record (columns `skip` says yes to are left out);
    returns how many cells were compared."""
    assert csv_bytes.endswith(b"\r\n"), "%s: rows must end with CRLF" % label
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(records), "%s: %d rows for %d records" % (label, len(body), len(records))
    by_key = {key_of(r): r for r in records}
    checked = 0
    for row in body:
        assert len(row) == len(header), "%s: ragged row %r" % (label, row[:3])
        cells = dict(zip(header, row))
        record_type = cells.get("type") or records[0]["type"]
        key = ("domain", cells["domain"]) if record_type == "domain" else \
              ("error", cells["line"]) if record_type == "error" else \
              (record_type, "%s:%s" % (cells["ip"], cells["port"]))
        record = by_key[key]
        for column in header:
            if skip(column):
                continue
            want = expected_cell(record, column)
            assert cells[column] == want, "%s: %s %s: CSV %r, NDJSON says %r" % (label, key, column, cells[column], want)
            checked += 1
    return checked


def main(argv):
    scan, source, work = argv[1], argv[2], argv[3]
    os.makedirs(work, exist_ok=True)
    with open(source, encoding="utf-8") as f:
        records = [json.loads(line, parse_float=keep_number_text, parse_int=keep_number_text) for line in f if line.strip()]

    plain = convert(scan, [], source)
    checked = check(plain, records, "default columns")
    print("default columns: %d cells agree" % checked)

    # The same bytes from gzip and zstd copies with misleading names.
    gz = os.path.join(work, "scan-gzip.ndjson")
    with open(source, "rb") as f, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(f, out)
    zst = os.path.join(work, "scan-zstd.json.gz")
    subprocess.run(["zstd", "-q", "-f", source, "-o", zst], check=True)
    for packed in (gz, zst):
        assert convert(scan, [], packed) == plain, "CSV from %s differs" % packed
    print("gzip and zstd inputs: identical CSV")

    hosts = [r for r in records if r["type"] == "host"]
    fields = "ip,port,status,class,anomalies,clients.postfix,banner.raw,ehlo.keywords.keyword,tls.chain.dns_names,tls.chain.sha256"
    named = convert(scan, ["--type", "host", "--output-fields", fields], source)
    assert named.split(b"\r\n", 1)[0].decode() == fields, "header is not the named fields"
    print("named fields: %d cells agree" % check(named, hosts, "named fields"))

    bad = subprocess.run([scan, "convert", "--to", "csv", "--output-fields", "ip,tls.versoin", source], capture_output=True)
    assert bad.returncode == 2 and b"tls.versoin" in bad.stderr, bad.stderr
    listing = subprocess.run([scan, "convert", "--list-fields", "--type", "change"], capture_output=True, check=True)
    assert b"new.fingerprint" in listing.stdout, listing.stdout
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
