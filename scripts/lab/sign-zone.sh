#!/usr/bin/env bash
# Signs the lab zone for DNSSEC (docs/rules.md §8: DANE needs it) with Debian's ldnsutils:
# RUNDIR/lab.test.zone -> RUNDIR/lab.test.zone.signed (NSEC, ECDSA P-256 KSK + ZSK kept in
# RUNDIR/dnssec and reused when run again), and RUNDIR/lab.test.anchor, the KSK's DNSKEY, for
# a validating resolver's trust anchor (unbound.sh --validate). Then, for every "OWNER TYPE"
# line of RUNDIR/dnssec-bogus.txt (written by smtp-lab --policy-address), the signature over
# that RRset is corrupted, so a validating resolver answers SERVFAIL for it ("bogus").
# RUNDIR/insecure.lab.test.zone, when present, stays unsigned (delegated without DS).
#   sign-zone.sh RUNDIR
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 RUNDIR" >&2; exit 2; }
rundir=$(cd "$1" && pwd)
zone=$rundir/lab.test.zone
[[ -f $zone ]] || { echo "sign-zone.sh: $zone missing" >&2; exit 1; }
command -v ldns-signzone >/dev/null || apt-get install -y ldnsutils >/dev/null
dir=$rundir/dnssec
mkdir -p "$dir"
cd "$dir"
if [[ ! -f ksk.name || ! -f zsk.name ]]; then
  ldns-keygen -a ECDSAP256SHA256 -k lab.test >ksk.name
  ldns-keygen -a ECDSAP256SHA256 lab.test >zsk.name
fi
ksk=$(cat ksk.name) zsk=$(cat zsk.name)
ldns-signzone -f "$zone.signed.tmp" -o lab.test "$zone" "$dir/$zsk" "$dir/$ksk"
cp "$dir/$ksk.key" "$rundir/lab.test.anchor"

broken=0
if [[ -s $rundir/dnssec-bogus.txt ]]; then
  # ldns-signzone writes one record per line: OWNER TTL IN RRSIG COVERED ... SIGNATURE.
  awk 'NR == FNR { if (NF == 2) bad[tolower($1) " " $2] = 1; next }
       $4 == "RRSIG" && ((tolower($1) " " $5) in bad) {
         sig = $NF; c = substr(sig, 1, 1) == "A" ? "B" : "A"
         $NF = c substr(sig, 2); broken++
       }
       { print }
       END { print broken > "/dev/stderr" }' \
    "$rundir/dnssec-bogus.txt" "$zone.signed.tmp" >"$zone.signed.tmp2" 2>"$dir/broken.count"
  broken=$(cat "$dir/broken.count")
  want=$(grep -c . "$rundir/dnssec-bogus.txt")
  [[ $broken -ge $want ]] || { echo "sign-zone.sh: broke $broken of $want signatures" >&2; exit 1; }
  mv "$zone.signed.tmp2" "$zone.signed.tmp"
fi
mv "$zone.signed.tmp" "$zone.signed"
echo "sign-zone.sh: signed $zone (KSK $ksk, ZSK $zsk), $broken signature(s) broken on purpose"
