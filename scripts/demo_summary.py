#!/usr/bin/env python3
"""Prints the demo's closing figures from `starttls-scan report --format json` on stdin:
verdict shares for domains and hosts, the clients that would send in clear text, and the
domain-policy counts when the records carry policy."""
import json
import sys


def shares(title, counts, total):
    parts = sorted(counts.items(), key=lambda kv: -kv[1])
    print(f"{title} ({total}): "
          + ", ".join(f"{k} {100.0 * v / max(total, 1):.1f}%" for k, v in parts))


def nonzero(counts):
    parts = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v}" for k, v in parts if v)


def main():
    report = json.load(sys.stdin)
    shares("domains", report["domains"]["by_verdict"], report["domains"]["total"])
    shares("hosts", report["hosts"]["by_class"], report["hosts"]["total"])
    clear = {name: c["clear"] for name, c in report["clients"].items() if c["clear"]}
    print("hosts where a client sends in clear text: " + nonzero(clear))
    policy = report.get("policy")
    if policy:
        print(f"domain policy ({policy['domains_with_policy']} domains with one):"
              f" DANE [{nonzero(policy['dane_state'])}];"
              f" MTA-STS [{nonzero(policy['mta_sts_mode'])}];"
              f" TLS-RPT [{nonzero(policy['tls_rpt_state'])}]")
        print("domains whose policy-enforcing senders defer mail because of STARTTLS"
              f" misordering: {policy['defer_misordered']}"
              f" (DANE {policy['defer_misordered_dane']},"
              f" MTA-STS {policy['defer_misordered_mta_sts']})")


if __name__ == "__main__":
    main()
