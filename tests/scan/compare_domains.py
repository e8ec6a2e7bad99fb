#!/usr/bin/env python3
"""Compares starttls-scan domain records with smtp-lab's domain truth (domains.ndjson).

usage: compare_domains.py DOMAIN_TRUTH.ndjson RECORDS.ndjson [unbound|direct]

Per truth domain: exactly one `domain` record; its verdict, MX kind and exchanges (name,
preference, addresses) equal the truth's; its DNS outcome too, except for the lame
delegation, where SERVFAIL and TIMEOUT are both what a resolver may say (and, asking the
authoritative server directly, a referral: NOERROR without answer), and wherever a truth row
lists other acceptable outcomes in `dns_also` (dns-lab's hostile.ndjson). Prints every
mismatch; exit 1 if any.
"""
import json
import sys


def main():
    direct = len(sys.argv) > 3 and sys.argv[3] == "direct"
    truth = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[t["domain"]] = t
    records = {}
    problems = []
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") != "domain":
                continue
            if r["domain"] in records:
                problems.append(f"{r['domain']}: doubled")
            records[r["domain"]] = r
    for name, t in truth.items():
        r = records.get(name)
        if r is None:
            problems.append(f"{name} ({t['kind']}): no domain record")
            continue
        if r["verdict"] != t["verdict"]:
            problems.append(f"{name} ({t['kind']}): verdict {r['verdict']} != {t['verdict']}; {r.get('error')}")
        want_kind = t["mx_kind"] or "none"
        if r.get("mx_kind") != want_kind:
            problems.append(f"{name} ({t['kind']}): mx_kind {r.get('mx_kind')} != {want_kind}")
        allowed_dns = {"SERVFAIL", "TIMEOUT"} if t["kind"] == "lame" else {t["dns"]}
        if t["kind"] == "lame" and direct:
            allowed_dns.add("NOERROR")
        allowed_dns.update(t.get("dns_also", []))  # rows where two outcomes are both right
        if r.get("dns") not in allowed_dns:
            problems.append(f"{name} ({t['kind']}): dns {r.get('dns')} not in {sorted(allowed_dns)}")
        # An exchange listed twice (two MX records, two preferences) is one server, which a
        # sending MTA tries at its lowest preference: the record keeps that one.
        lowest = {}
        for e in sorted(t["exchanges"], key=lambda e: e["preference"]):
            lowest.setdefault(e["name"], e)
        want = sorted((e["name"], e["preference"], tuple(sorted(e["addresses"]))) for e in lowest.values())
        if t["mx_kind"] == "null":
            want = [(".", 0, ())]  # the record shows the null MX itself (RFC 7505: MX 0 .)
        got = sorted((e["name"], e["preference"], tuple(sorted(e["addresses"]))) for e in r.get("exchanges", []))
        if got != want:
            problems.append(f"{name} ({t['kind']}): exchanges {got} != {want}")
    for name in records.keys() - truth.keys():
        problems.append(f"{name}: record for a domain not in the input")
    for p in problems:
        print(p)
    print(f"{len(truth)} truth domains, {len(records)} domain records, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
