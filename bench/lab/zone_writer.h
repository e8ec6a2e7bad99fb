// The DNS side of the population: a zone file for lab.test (NSD/Knot syntax) whose domains
// point at lab hosts in every way docs/rules.md §2/§6 must handle (several preferences, shared MX,
// implicit MX, null MX, CNAME'd target, MX without address, NXDOMAIN, lame delegation), and
// the domain truth: per domain the DNS outcome, MX set and the verdict docs/rules.md §6 prescribes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bench/lab/lab_certs.h"
#include "bench/lab/lab_options.h"
#include "bench/lab/population.h"

namespace starttls::lab {

// Writes RUN_DIR/lab.test.zone and RUN_DIR/domains.ndjson for `addresses` (the lab hosts).
// With --policy-address also the domain-policy cases (policy_domains.h), whose TLSA records
// need the lab's keys (`certs`), and RUN_DIR/insecure.lab.test.zone, mta-sts-sites.tsv and
// dnssec-bogus.txt.
bool WriteZoneAndDomainTruth(const LabOptions& options, const Population& population,
                             const std::vector<uint32_t>& addresses, const CertStore* certs,
                             std::string& error);

}  // namespace starttls::lab
