#include "scanner/scan/scan_options.h"

namespace starttls {
namespace {

constexpr uint64_t kMaxU64 = ~0ULL;

// Wraps a setter so every accepted flag is also remembered for the metadata file.
FlagSpec Flag(ScanOptions* options, std::string_view name, std::string_view value_name,
              std::string_view help, std::function<std::string(std::string_view)> set) {
  return FlagSpec{name, value_name, help,
                  [options, name, set = std::move(set)](std::string_view value) {
                    std::string error = set(value);
                    if (error.empty()) options->given.emplace_back(name, value);
                    return error;
                  }};
}

std::function<std::string(std::string_view)> Text(std::string* out) {
  return [out](std::string_view value) {
    if (value.empty()) return std::string("must not be empty");
    *out = std::string(value);
    return std::string();
  };
}

std::function<std::string(std::string_view)> Switch(bool* out) {
  return [out](std::string_view) {
    *out = true;
    return std::string();
  };
}

std::function<std::string(std::string_view)> Uint(uint64_t* out, uint64_t min, uint64_t max) {
  return [=](std::string_view value) { return ParseUint(value, min, max, out); };
}

// --source-ip: one address per family; given twice, the two must differ in family.
std::function<std::string(std::string_view)> SourceIp(ScanOptions* o) {
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

std::function<std::string(std::string_view)> Seconds(double* out, double min) {
  return [=](std::string_view value) { return ParseDouble(value, min, 86400, out); };
}

}  // namespace

std::vector<FlagSpec> ScanFlagTable(ScanOptions* o) {
  return {
      Flag(o, "input-file", "FILE", "targets, one per line: IP, CIDR, 'ip,name', domain (default: stdin)",
           Text(&o->input_file)),
      Flag(o, "output-file", "FILE", "NDJSON records (default: stdout)", Text(&o->output_file)),
      Flag(o, "metadata-file", "FILE", "write the run's summary (flags, seed, counts) here",
           Text(&o->metadata_file)),
      Flag(o, "port", "N", "SMTP port to scan (default 25)", Uint(&o->port, 1, 65535)),
      Flag(o, "concurrency", "N", "sessions open at once (default 1000)",
           Uint(&o->concurrency, 1, 10'000'000)),
      Flag(o, "rate", "N", "new connections per second, 0 = unlimited (default 1000)",
           [o](std::string_view v) { return ParseDouble(v, 0, 1e9, &o->rate); }),
      Flag(o, "max-per-ip", "N", "sessions open at once per IP, 0 = no cap (default 1)",
           Uint(&o->max_per_ip, 0, 1'000'000)),
      Flag(o, "connect-timeout", "SECONDS", "TCP connect deadline (default 10)",
           Seconds(&o->connect_timeout_s, 0.001)),
      Flag(o, "banner-timeout", "SECONDS",
           "deadline for the 220 banner (default 30: postscreen delays greetings 15-20 s)",
           Seconds(&o->banner_timeout_s, 0.001)),
      Flag(o, "command-timeout", "SECONDS", "deadline for each command's reply (default 30)",
           Seconds(&o->command_timeout_s, 0.001)),
      Flag(o, "session-timeout", "SECONDS", "deadline for a whole session (default 120)",
           Seconds(&o->session_timeout_s, 0.001)),
      Flag(o, "tls-timeout", "SECONDS", "deadline for the TLS handshake (default 10)",
           Seconds(&o->tls_timeout_s, 0.001)),
      Flag(o, "starttls", "WHEN",
           "never | offered (default: compliant hosts, and starttls_misordered as a probe) |"
           " always (no_starttls hosts too, as 'forced')",
           [o](std::string_view v) {
             if (v != "never" && v != "offered" && v != "always") {
               return std::string("must be never, offered or always");
             }
             o->starttls = std::string(v);
             return std::string();
           }),
      Flag(o, "tls-chain", "WHICH",
           "none (default) | leaf | full: add the certificates' DER (base64) to the record",
           [o](std::string_view v) {
             if (v != "none" && v != "leaf" && v != "full") {
               return std::string("must be none, leaf or full");
             }
             o->tls_chain = std::string(v);
             return std::string();
           }),
      Flag(o, "ca-file", "FILE",
           "PEM trust anchors for chain validation (default /etc/ssl/certs/ca-certificates.crt)",
           Text(&o->ca_file)),
      Flag(o, "backoff", "SECONDS", "after a 421, leave that IP alone this long (default 300)",
           Seconds(&o->backoff_s, 0)),
      Flag(o, "ehlo-name", "NAME", "name sent with EHLO/HELO (default: this host's FQDN)",
           Text(&o->ehlo_name)),
      Flag(o, "blocklist-file", "FILE", "never scan these CIDRs (one per line, # comments)",
           Text(&o->blocklist_file)),
      Flag(o, "allowlist-file", "FILE", "scan only inside these CIDRs", Text(&o->allowlist_file)),
      Flag(o, "allow-reserved", "",
           "lift the built-in blocklist of IANA special-purpose ranges (loopback, RFC 1918, ...)",
           Switch(&o->allow_reserved)),
      Flag(o, "source-ip", "ADDR",
           "send from this local address (one IPv4 and/or one IPv6; default: the kernel's "
           "choice)",
           SourceIp(o)),
      Flag(o, "seed", "N", "seed of the target order and sharding (default: random, recorded)",
           [o](std::string_view v) {
             std::string error = ParseUint(v, 0, kMaxU64, &o->seed);
             o->seed_given = error.empty();
             return error;
           }),
      Flag(o, "shards", "N", "split the targets into N shards (default 1)",
           Uint(&o->shards, 1, 65536)),
      Flag(o, "shard", "K", "scan shard K of --shards, 0-indexed (default 0)",
           Uint(&o->shard, 0, 65535)),
      Flag(o, "resolver", "IP[:PORT]",
           "DNS resolver for domain targets; repeatable (default: /etc/resolv.conf)",
           [o](std::string_view v) {
             if (v.empty()) return std::string("must not be empty");
             o->resolvers.emplace_back(v);
             return std::string();
           }),
      Flag(o, "dns-rate", "N", "DNS queries per second, 0 = no cap (default 0)",
           [o](std::string_view v) { return ParseDouble(v, 0, 1e7, &o->dns_rate); }),
      Flag(o, "dns-timeout", "SECONDS", "first try's DNS timeout, doubled per retry (default 2)",
           Seconds(&o->dns_timeout_s, 0.01)),
      Flag(o, "dns-tries", "N", "DNS tries per query (default 2)", Uint(&o->dns_tries, 1, 10)),
      Flag(o, "address-families", "ipv4|ipv6|both",
           "which addresses of MX hosts to scan (default both)",
           [o](std::string_view v) {
             return ParseChoice(v, {"ipv4", "ipv6", "both"}, &o->address_families);
           }),
      Flag(o, "max-domains-in-flight", "N", "domains resolving at once (default 2000)",
           Uint(&o->max_domains_in_flight, 1, 10'000'000)),
      Flag(o, "dns-queries-in-flight", "N",
           "DNS queries outstanding at once; more wait their turn (default 1000)",
           Uint(&o->dns_queries_in_flight, 1, 1'000'000)),
      Flag(o, "threads", "N", "event-loop threads, one io_uring each (default 1)",
           Uint(&o->threads, 1, 64)),
      Flag(o, "resume", "",
           "continue a stopped or killed scan: skip what --output-file already holds, append",
           Switch(&o->resume)),
      Flag(o, "quiet", "", "no status line on stderr", Switch(&o->quiet)),
      Flag(o, "help", "", "show this help", Switch(&o->help)),
  };
}

std::string ValidateScanOptions(const ScanOptions& o) {
  if (o.shard >= o.shards) {
    return "flag --shard: " + std::to_string(o.shard) + " is not below --shards " +
           std::to_string(o.shards);
  }
  if (o.resume && o.output_file == "-") {
    return "flag --resume: needs --output-file (the file of the run to continue)";
  }
  if (o.resume && o.shards > 1 && !o.seed_given) {
    return "flag --resume: a sharded scan needs the --seed of the run it continues";
  }
  if (o.banner_timeout_s > o.session_timeout_s || o.connect_timeout_s > o.session_timeout_s) {
    return "flag --session-timeout: shorter than the connect or banner timeout";
  }
  return "";
}

}  // namespace starttls
