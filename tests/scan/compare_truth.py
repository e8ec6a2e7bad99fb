#!/usr/bin/env python3
"""Compares starttls-scan host records with smtp-lab's truth file.

usage: compare_truth.py TRUTH.ndjson RECORDS.ndjson [--tls | --starttls-never]

Per truth address: exactly one record (none missing, none doubled, none extra); status, class,
anomalies equal. With --tls (a scan that did STARTTLS, with the lab CA as --ca-file) also:
`starttls` (sent,
reason, code) equal; `tls` outcome equal, and for outcome ok: version, leaf key type and size,
validation (trusted = chain_valid, hostname_match, expired, self_signed); for
starttls-refused the STARTTLS code. Also: a completed handshake has cipher, SNI = the MX name,
a leaf SHA-256 and an EHLO over TLS. With --starttls-never (a scan that never sent STARTTLS) the
anomalies only the STARTTLS reply or the session after it can show are not expected.
Prints every mismatch; exit 1 if any.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# Anomalies seen only in the STARTTLS reply or over TLS (bench/README.md truth table):
# tls_garbage's bytes are the STARTTLS reply's trailing data; readvertising is in the EHLO over TLS.
AFTER_STARTTLS = {"tls_garbage": {"trailing_data"}, "starttls_readvertised": {"starttls_readvertised"}}


def compare(expected, record, check_tls, starttls_never=False):
    problems = []

    def check(what, got, want):
        if got != want:
            problems.append(f"{what} {got!r} != truth {want!r}")

    want_anomalies = expected.get("anomalies")
    if starttls_never and want_anomalies is not None:
        hidden = AFTER_STARTTLS.get(expected.get("behaviour"), set())
        want_anomalies = [a for a in want_anomalies if a not in hidden]
    check("status", record.get("status"), expected.get("status"))
    check("class", record.get("class"), expected.get("class"))
    check("anomalies", record.get("anomalies"), want_anomalies)
    if not check_tls:
        return problems
    want_starttls = expected.get("starttls")
    got_starttls = record.get("starttls")
    if want_starttls is None:
        check("starttls", got_starttls, None)
    else:
        got_starttls = got_starttls or {}
        check("starttls.sent", got_starttls.get("sent"), want_starttls["sent"])
        if want_starttls["sent"]:
            check("starttls.reason", got_starttls.get("reason"), want_starttls.get("reason"))
            check("starttls.code", got_starttls.get("code"), want_starttls.get("code"))
    want_tls = expected.get("tls")
    got_tls = record.get("tls")
    if want_tls is None:
        check("tls", got_tls, None)
        return problems
    got_tls = got_tls or {}
    check("tls.outcome", got_tls.get("outcome"), want_tls["outcome"])
    if want_tls["outcome"] == "starttls-refused":
        check("starttls.code", (record.get("starttls") or {}).get("code"), want_tls.get("code"))
    if want_tls["outcome"] != "ok" or got_tls.get("outcome") != "ok":
        return problems
    check("tls.version", got_tls.get("version"), want_tls["version"])
    chain = got_tls.get("chain") or [{}]
    leaf = chain[0]
    check("leaf.key_type", leaf.get("key_type"), want_tls["key_type"])
    check("leaf.key_bits", leaf.get("key_bits"), want_tls["key_bits"])
    if len(leaf.get("sha256", "")) != 64:
        problems.append(f"leaf.sha256 missing: {leaf.get('sha256')!r}")
    validation = got_tls.get("validation") or {}
    check("validation.trusted", validation.get("trusted"), want_tls["chain_valid"])
    for field in ("hostname_match", "expired", "self_signed"):
        check("validation." + field, validation.get(field), want_tls[field])
    check("tls.sni", got_tls.get("sni"), expected["mx"])
    if not got_tls.get("cipher"):
        problems.append("tls.cipher missing")
    if want_tls.get("phase"):
        # A failure after a completed handshake: outcome stays ok, the phase names where.
        check("tls.phase", got_tls.get("phase"), want_tls["phase"])
        if not got_tls.get("error"):
            problems.append("tls.error missing")
        return problems
    ehlo = got_tls.get("ehlo") or {}
    check("tls.ehlo.code", ehlo.get("code"), 250)
    return problems


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check_tls = "--tls" in sys.argv
    starttls_never = "--starttls-never" in sys.argv
    truth = {(t["ip"], t["port"]): t for t in load(args[0])}
    records = {}
    problems = []
    for record in load(args[1]):
        if record.get("type") != "host":
            problems.append(f"unexpected record: {record}")
            continue
        key = (record["ip"], record["port"])
        if key in records:
            problems.append(f"{key}: doubled")
        records[key] = record
    for key, expected in sorted(truth.items()):
        record = records.get(key)
        if record is None:
            problems.append(f"{key} ({expected['behaviour']}): missing")
            continue
        for problem in compare(expected, record, check_tls, starttls_never):
            tls = record.get("tls") or {}
            problems.append(f"{key} ({expected['behaviour']}): {problem}; "
                            f"error={record.get('error')!r} tls.error={tls.get('error')!r}")
    for key in records.keys() - truth.keys():
        problems.append(f"{key}: record for an address the lab does not serve")
    for problem in problems:
        print(problem)
    print(f"{len(truth)} truth rows, {len(records)} records, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
