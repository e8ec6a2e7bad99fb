#include "scanner/scan/scan_options.h"

#include <algorithm>

namespace starttls {
namespace {

constexpr uint64_t kMaxU64 = ~0ULL;
constexpr double kDay = 86400;

using Setter = std::function<std::string(std::string_view)>;

// Wraps a setter so every accepted flag is also remembered (by its long name) for the
// metadata file.
FlagSpec Flag(ScanOptions* options, char letter, std::string_view name, std::string_view value_name,
              std::string_view help, Setter set) {
  return FlagSpec{name, value_name, help,
                  [options, name, set = std::move(set)](std::string_view value) {
                    std::string error = set(value);
                    if (error.empty()) options->given.emplace_back(name, value);
                    return error;
                  },
                  letter};
}

Setter Text(std::string* out, bool* given = nullptr) {
  return [out, given](std::string_view value) {
    if (value.empty()) return std::string("must not be empty");
    *out = std::string(value);
    if (given != nullptr) *given = true;
    return std::string();
  };
}

Setter Switch(bool* out) {
  return [out](std::string_view) {
    *out = true;
    return std::string();
  };
}

Setter Uint(uint64_t* out, uint64_t min, uint64_t max, bool* given = nullptr) {
  return [=](std::string_view value) {
    std::string error = ParseUint(value, min, max, out);
    if (error.empty() && given != nullptr) *given = true;
    return error;
  };
}

Setter Duration(double* out, double min_s, double max_s = kDay) {
  return [=](std::string_view value) { return ParseDuration(value, min_s, max_s, out); };
}

// --port: one port or a comma list ("25,587"), each 1-65535, no repeats.
Setter Ports(std::vector<uint16_t>* out) {
  return [out](std::string_view value) {
    std::vector<uint16_t> ports;
    while (true) {
      size_t comma = value.find(',');
      uint64_t port = 0;
      std::string error = ParseUint(value.substr(0, comma), 1, 65535, &port);
      if (!error.empty()) return error;
      if (std::find(ports.begin(), ports.end(), port) != ports.end()) {
        return "port " + std::to_string(port) + " given twice";
      }
      ports.push_back(static_cast<uint16_t>(port));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
    *out = std::move(ports);
    return std::string();
  };
}

// --source-ip: one address per family; given twice, the two must differ in family.
Setter SourceIp(ScanOptions* o) {
  return [o](std::string_view value) {
    std::optional<IpAddress> ip = IpAddress::Parse(value);
    if (!ip.has_value()) return "'" + std::string(value) + "' is not an IP address";
    std::optional<IpAddress>& slot = ip->is_v4() ? o->source_v4 : o->source_v6;
    if (slot.has_value()) {
      return std::string("an ") + (ip->is_v4() ? "IPv4" : "IPv6") +
             " source is already given (one per family)";
    }
    slot = *ip;
    return std::string();
  };
}

Setter Choice(std::string* out, std::initializer_list<std::string_view> choices) {
  std::vector<std::string_view> list(choices);
  return [out, list](std::string_view value) {
    for (std::string_view choice : list) {
      if (choice == value) {
        *out = std::string(value);
        return std::string();
      }
    }
    std::string names;
    for (std::string_view choice : list) names += (names.empty() ? "" : ", ") + std::string(choice);
    return "must be one of " + names;
  };
}

}  // namespace

std::vector<FlagSpec> ScanFlagTable(ScanOptions* o) {
  Setter concurrency = Uint(&o->concurrency, 1, 10'000'000);
  return {
      Flag(o, 'f', "input-file", "FILE",
           "targets, one per line: IP, CIDR, 'ip,name', domain, or ZMap CSV (default: stdin)",
           Text(&o->input_file, &o->input_file_given)),
      Flag(o, 'o', "output-file", "FILE",
           "records (default: stdout); a name ending .zst or .gz is written compressed",
           Text(&o->output_file)),
      Flag(o, 0, "output-format", "ndjson|csv",
           "records as NDJSON lines (default) or CSV rows, a header first (docs/datasets.md)",
           Choice(&o->output_format, {"ndjson", "csv"})),
      Flag(o, 0, "output-fields", "a,b.c,...",
           "CSV columns: dotted field names of host, domain and error records (as convert's)",
           Text(&o->output_fields)),
      Flag(o, 'm', "metadata-file", "FILE",
           "write the run's summary (flags, seed, accounting, counts) here; - for stderr",
           Text(&o->metadata_file)),
      Flag(o, 'p', "port", "N[,N...]",
           "ports of address targets; every (ip, port) is a target (default 25)", Ports(&o->ports)),
      Flag(o, 0, "mx-port", "N",
           "port of the MX hosts of domain targets (default 25; for labs and tests)",
           Uint(&o->mx_port, 1, 65535)),
      Flag(o, 0, "concurrency", "N", "sessions open at once (default 1000)", concurrency),
      Flag(o, 0, "senders", "N", "ZGrab2's name for --concurrency", concurrency),
      Flag(o, 'r', "rate", "N", "new connections per second, 0 = unlimited (default 1000)",
           [o](std::string_view v) { return ParseDouble(v, 0, 1e9, &o->rate); }),
      Flag(o, 0, "max-per-ip", "N", "sessions open at once per IP, 0 = no cap (default 1)",
           Uint(&o->max_per_ip, 0, 1'000'000)),
      Flag(o, 0, "max-per-prefix", "N",
           "sessions open at once per IPv4 /24 and per IPv6 /48, 0 = no cap (default 8)",
           Uint(&o->max_per_prefix, 0, 1'000'000)),
      Flag(o, 0, "retries", "N",
           "further attempts after a 421 (after --backoff) or a connect timeout (default 1)",
           Uint(&o->retries, 0, 10)),
      Flag(o, 0, "backoff", "DURATION", "after a 421, leave that IP alone this long (default 60s)",
           Duration(&o->backoff_s, 0)),
      Flag(o, 'n', "max-targets", "N",
           "stop starting sessions after N targets of this shard; the rest can be --resume'd",
           Uint(&o->max_targets, 1, kMaxU64)),
      Flag(o, 't', "max-runtime", "DURATION",
           "stop starting sessions after this long; open ones finish (e.g. 30m)",
           Duration(&o->max_runtime_s, 0.001, 366 * kDay)),
      Flag(o, 0, "connect-timeout", "DURATION", "TCP connect deadline (default 10s)",
           Duration(&o->connect_timeout_s, 0.001)),
      Flag(o, 0, "banner-timeout", "DURATION",
           "deadline for the 220 banner (default 30s: postscreen delays greetings 15-20 s)",
           Duration(&o->banner_timeout_s, 0.001)),
      Flag(o, 0, "command-timeout", "DURATION", "deadline for each command's reply (default 30s)",
           Duration(&o->command_timeout_s, 0.001)),
      Flag(o, 0, "session-timeout", "DURATION", "deadline for a whole session (default 120s)",
           Duration(&o->session_timeout_s, 0.001)),
      Flag(o, 0, "tls-timeout", "DURATION", "deadline for the TLS handshake (default 10s)",
           Duration(&o->tls_timeout_s, 0.001)),
      Flag(o, 0, "starttls", "WHEN",
           "never | offered (default: compliant hosts, and starttls_misordered as a probe) |"
           " always (no_starttls hosts too, as 'forced')",
           Choice(&o->starttls, {"never", "offered", "always"})),
      Flag(o, 0, "policy", "all|none",
           "domain policy of domain targets: DANE (TLSA under DNSSEC), MTA-STS, TLS-RPT and "
           "what strict senders do (default all; none skips the lookups)",
           Choice(&o->policy, {"all", "none"})),
      Flag(o, 0, "mta-sts-port", "N",
           "port of MTA-STS policy hosts (default 443; for labs and tests)",
           Uint(&o->mta_sts_port, 1, 65535)),
      Flag(o, 0, "tls-chain", "WHICH",
           "none (default) | leaf | full: add the certificates' DER (base64) to the record",
           Choice(&o->tls_chain, {"none", "leaf", "full"})),
      Flag(o, 0, "ca-file", "FILE",
           "PEM trust anchors for chain validation (default /etc/ssl/certs/ca-certificates.crt)",
           Text(&o->ca_file)),
      Flag(o, 0, "ehlo-name", "NAME", "name sent with EHLO/HELO (default: this host's FQDN)",
           Text(&o->ehlo_name)),
      Flag(o, 'b', "blocklist-file", "FILE", "never scan these CIDRs (one per line, # comments)",
           Text(&o->blocklist_file)),
      Flag(o, 'w', "allowlist-file", "FILE", "scan only inside these CIDRs",
           Text(&o->allowlist_file)),
      Flag(o, 0, "allow-reserved", "",
           "lift the built-in blocklist of IANA special-purpose ranges (loopback, RFC 1918, ...)",
           Switch(&o->allow_reserved)),
      Flag(o, 'S', "source-ip", "ADDR",
           "send from this local address (one IPv4 and/or one IPv6; default: the kernel's "
           "choice)",
           SourceIp(o)),
      Flag(o, 'e', "seed", "N",
           "seed of the target order and sharding, 0-18446744073709551615 (default: random, "
           "recorded)",
           Uint(&o->seed, 0, kMaxU64, &o->seed_given)),
      Flag(o, 0, "shards", "N", "split the targets into N shards (needs --seed and --shard)",
           Uint(&o->shards, 1, 65536)),
      Flag(o, 0, "shard", "K", "scan shard K of --shards, 0-indexed",
           Uint(&o->shard, 0, 65535, &o->shard_given)),
      Flag(o, 0, "resolver", "IP[:PORT]",
           "DNS resolver for domain targets; repeatable (default: /etc/resolv.conf)",
           [o](std::string_view v) {
             if (v.empty()) return std::string("must not be empty");
             o->resolvers.emplace_back(v);
             return std::string();
           }),
      Flag(o, 0, "dns-rate", "N", "DNS queries per second, 0 = no cap (default 0)",
           [o](std::string_view v) { return ParseDouble(v, 0, 1e7, &o->dns_rate); }),
      Flag(o, 0, "dns-timeout", "DURATION",
           "first try's DNS timeout, doubled per retry (default 2s)",
           Duration(&o->dns_timeout_s, 0.01)),
      Flag(o, 0, "dns-tries", "N", "DNS tries per query (default 2)", Uint(&o->dns_tries, 1, 10)),
      Flag(o, 0, "address-families", "ipv4|ipv6|both",
           "which addresses of MX hosts to scan (default both)",
           Choice(&o->address_families, {"ipv4", "ipv6", "both"})),
      Flag(o, 0, "max-domains-in-flight", "N", "domains resolving at once (default 2000)",
           Uint(&o->max_domains_in_flight, 1, 10'000'000)),
      Flag(o, 0, "dns-queries-in-flight", "N",
           "DNS queries outstanding at once; more wait their turn (default 1000)",
           Uint(&o->dns_queries_in_flight, 1, 1'000'000)),
      Flag(o, 'T', "threads", "N", "event-loop threads, one io_uring each (default 1)",
           Uint(&o->threads, 1, 64)),
      Flag(o, 0, "resume", "",
           "continue a stopped or killed scan: skip what --output-file already holds, append",
           Switch(&o->resume)),
      Flag(o, 'u', "status-updates-file", "FILE",
           "the status line's figures once a second as CSV (header first)",
           Text(&o->status_updates_file)),
      Flag(o, 'l', "log-file", "FILE", "diagnostics to this file instead of stderr",
           Text(&o->log_file)),
      Flag(o, 'd', "dryrun", "",
           "send nothing, resolve nothing: print this shard's targets in scan order and exit",
           Switch(&o->dryrun)),
      Flag(o, 'q', "quiet", "", "no status line on stderr", Switch(&o->quiet)),
      Flag(o, 'V', "version", "", "print the version and the libraries' versions",
           Switch(&o->version)),
      Flag(o, 'h', "help", "", "show this help", Switch(&o->help)),
  };
}

std::string ValidateScanOptions(const ScanOptions& o) {
  // As ZMap: a shard of a scan means nothing without the scan's seed and its own number.
  if (o.shards > 1 && !o.seed_given) {
    return "flag --shards: a sharded scan needs --seed (every shard must use the same one)";
  }
  if (o.shards > 1 && !o.shard_given) {
    return "flag --shards: a sharded scan needs --shard (which of the " + std::to_string(o.shards) +
           " shards this run scans)";
  }
  if (o.shard >= o.shards) {
    return "flag --shard: " + std::to_string(o.shard) + " is not below --shards " +
           std::to_string(o.shards);
  }
  if (!o.targets.empty() && o.input_file_given) {
    return "targets given both as arguments and with --input-file: use one or the other";
  }
  for (const std::string& target : o.targets) {
    if (target == "-") return "'-' is not a target (read standard input with --input-file -)";
  }
  if (o.resume && o.output_file == "-") {
    return "flag --resume: needs --output-file (the file of the run to continue)";
  }
  // The output is --resume's journal, read back as NDJSON; a CSV scan is resumed by scanning
  // to NDJSON and converting (`starttls-scan convert --to csv`).
  if (o.resume && o.output_format != "ndjson") {
    return "flag --resume: needs --output-format ndjson (convert the finished scan to CSV)";
  }
  if (!o.output_fields.empty() && o.output_format != "csv") {
    return "flag --output-fields: needs --output-format csv";
  }
  if (o.resume && o.dryrun) return "flag --dryrun: cannot be combined with --resume";
  if (o.banner_timeout_s > o.session_timeout_s || o.connect_timeout_s > o.session_timeout_s) {
    return "flag --session-timeout: shorter than the connect or banner timeout";
  }
  return "";
}

}  // namespace starttls
