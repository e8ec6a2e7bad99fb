// The flags of `starttls-scan scan` (docs/rules.md §7, ZMap/ZGrab2 idiom) and their defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scanner/cli/flag_table.h"
#include "scanner/targets/ip_address.h"

namespace starttls {

struct ScanOptions {
  std::string input_file = "-";   // "-" is stdin
  std::string output_file = "-";  // "-" is stdout
  std::string metadata_file;
  std::vector<std::string> targets;  // positional targets; when any, the input file is unused
  uint64_t port = 25;
  uint64_t concurrency = 1000;
  double rate = 1000;  // new connections per second; 0 = unlimited
  uint64_t max_per_ip = 1;
  double connect_timeout_s = 10;
  double banner_timeout_s = 30;  // >= 30 s: postscreen and greet_pause delay greetings
  double command_timeout_s = 30;
  double session_timeout_s = 120;
  double tls_timeout_s = 10;     // the TLS handshake
  std::string starttls = "offered";  // never | offered | always
  std::string tls_chain = "none";    // none | leaf | full: DER in the record
  std::string ca_file;               // default: the system CA bundle
  std::vector<std::string> resolvers;  // IP[:PORT]; default: /etc/resolv.conf
  double dns_rate = 0;                 // queries per second; 0 = no cap
  double dns_timeout_s = 2;
  uint64_t dns_tries = 2;
  std::string address_families = "both";  // ipv4 | ipv6 | both: MX hosts' A and/or AAAA
  uint64_t max_domains_in_flight = 2000;
  uint64_t dns_queries_in_flight = 1000;  // a recursive resolver drops what it cannot hold
  double backoff_s = 300;        // after a 421, no new session to that IP for this long
  std::string ehlo_name;         // default: this host's FQDN
  std::string blocklist_file;
  std::string allowlist_file;
  bool allow_reserved = false;
  // --source-ip: the local address of outgoing connections, at most one per family.
  std::optional<IpAddress> source_v4;
  std::optional<IpAddress> source_v6;
  uint64_t seed = 0;
  bool seed_given = false;
  uint64_t shards = 1;
  uint64_t shard = 0;
  uint64_t threads = 1;
  bool resume = false;
  bool quiet = false;
  bool help = false;

  // Every flag as given on the command line, for the metadata file.
  std::vector<std::pair<std::string, std::string>> given;
};

// The flag table bound to `options`.
std::vector<FlagSpec> ScanFlagTable(ScanOptions* options);

// Cross-flag checks after parsing (shard < shards, --resume needs an output file, ...).
std::string ValidateScanOptions(const ScanOptions& options);

}  // namespace starttls
