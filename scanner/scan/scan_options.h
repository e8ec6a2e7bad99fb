// The flags of `starttls-scan scan` (docs/rules.md §7, ZMap/ZGrab2 idiom) and their defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/ip_address.h"
#include "scanner/flags/flag_table.h"

namespace starttls {

struct ScanOptions {
  std::string input_file = "-";  // "-" is stdin
  bool input_file_given = false;
  std::string output_file = "-";         // "-" is stdout; .gz / .zst: compressed frames
  std::string output_format = "ndjson";  // or "csv"
  std::string output_fields;             // CSV columns, comma-separated (default: the table's)
  std::string metadata_file;             // "-" is stderr (ZGrab2's meaning)
  std::string status_updates_file;       // ZMap's per-second CSV
  std::string log_file;                  // diagnostics instead of stderr
  std::vector<std::string> targets;      // positional targets (exclusive with --input-file)
  std::vector<uint16_t> ports = {25};    // address targets: every (ip, port) is an endpoint
  uint64_t mx_port = 25;                 // the port MX hosts of domain targets are scanned on
  uint64_t concurrency = 1000;
  double rate = 1000;  // new connections per second; 0 = unlimited
  uint64_t max_per_ip = 1;
  uint64_t max_per_prefix = 8;  // sessions at once per IPv4 /24 and IPv6 /48; 0 = no cap
  uint64_t retries = 1;         // further attempts after a 421 or a connect timeout
  uint64_t max_targets = 0;     // 0 = all
  double max_runtime_s = 0;     // 0 = no limit
  double connect_timeout_s = 10;
  double banner_timeout_s = 30;  // >= 30 s: postscreen and greet_pause delay greetings
  double command_timeout_s = 30;
  double session_timeout_s = 120;
  double tls_timeout_s = 10;           // the TLS handshake
  std::string starttls = "offered";    // never | offered | always
  std::string policy = "all";          // all | none: domain policy lookups (DANE, MTA-STS, TLS-RPT)
  uint64_t mta_sts_port = 443;         // where MTA-STS policy hosts are asked (labs and tests)
  std::string tls_chain = "none";      // none | leaf | full: DER in the record
  std::string ca_file;                 // default: the system CA bundle
  std::vector<std::string> resolvers;  // IP[:PORT]; default: /etc/resolv.conf
  double dns_rate = 0;                 // queries per second; 0 = no cap
  double dns_timeout_s = 2;
  uint64_t dns_tries = 2;
  std::string address_families = "both";  // ipv4 | ipv6 | both: MX hosts' A and/or AAAA
  uint64_t max_domains_in_flight = 2000;
  uint64_t dns_queries_in_flight = 1000;  // a recursive resolver drops what it cannot hold
  double backoff_s = 60;                  // after a 421, no new session to that IP for this long
  std::string ehlo_name;                  // default: this host's FQDN
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
  bool shard_given = false;
  uint64_t threads = 1;
  bool resume = false;
  bool dryrun = false;
  bool quiet = false;
  bool help = false;
  bool version = false;

  // Every flag as given on the command line (long names), for the metadata file.
  std::vector<std::pair<std::string, std::string>> given;
};

// The flag table bound to `options`.
std::vector<FlagSpec> ScanFlagTable(ScanOptions* options);

// Cross-flag checks after parsing (sharding needs --seed and --shard, --resume needs an
// output file, ...): a one-line reason, or "" when the flags fit together.
std::string ValidateScanOptions(const ScanOptions& options);

}  // namespace starttls
