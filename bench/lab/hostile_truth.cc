// The truth rows of hostile.test (see hostile_zone.h): what the scanner's `domain` record must
// say for each name, with the scanner's default resolver settings (2 tries, 32 exchanges per
// domain). Derived by hand from RFC 1035 / RFC 5452 / RFC 5321 §5.1 and docs/rules.md §6; the
// reasons are in bench/README.md ("Hostile DNS").
#include <algorithm>
#include <cstdio>

#include "bench/lab/domain_truth.h"
#include "bench/lab/hostile_zone.h"
#include "bench/lab/json_text.h"

namespace starttls::lab {
namespace {

struct Row {
  std::string label;
  std::string dns = "NOERROR";
  std::string mx_kind = "mx";  // empty: null (no usable MX answer)
  std::string exchanges;       // JSON array body
  std::string verdict;         // empty: from the exchanges
  std::string dns_also;        // another acceptable `dns` value
  std::string note;
  int weakest = kUnreachableRank;
};

}  // namespace

std::string HostileZone::DomainList() const {
  std::string out;
  for (uint32_t copy = 0; copy < copies_; ++copy) {
    const std::string origin = HostileOrigin(copy);
    for (std::string_view label : {"ok",
                                   "multi",
                                   "implicit",
                                   "nxdomain",
                                   "servfail",
                                   "silent",
                                   "ptr-loop",
                                   "ptr-cycle",
                                   "long-name",
                                   "long-name-ptr",
                                   "ancount-lie",
                                   "mx1000",
                                   "tc",
                                   "cname-chain",
                                   "cname-hop",
                                   "cname-loop",
                                   "mx-ip",
                                   "mx-bracket",
                                   "wrong-question",
                                   "wrong-question-then-right",
                                   "wrong-id",
                                   "wrong-id-then-right",
                                   "bad-host"})
      out += std::string(label) + "." + origin + "\n";
  }
  return out;
}

std::string HostileZone::TruthNdjson() const {
  std::string out;
  for (uint32_t copy = 0; copy < copies_; ++copy) out += TruthNdjson(HostileOrigin(copy));
  return out;
}

std::string HostileZone::TruthNdjson(const std::string& origin) const {
  std::vector<Row> rows;
  auto host_exchange = [](Row& r, std::string_view name, int pref, const LabHost* h) {
    if (!r.exchanges.empty()) r.exchanges += ',';
    int rank = AppendExchangeJson(r.exchanges, name, pref, h ? std::string_view(h->ip) : "",
                                  h ? h->port : 0, h ? std::string_view(h->behaviour) : "");
    r.weakest = std::min(r.weakest, rank);
  };
  auto add = [&](Row r) { rows.push_back(std::move(r)); };
  auto failed = [&](std::string label, std::string dns, std::string note) {
    Row r;
    r.label = std::move(label);
    r.dns = std::move(dns);
    r.mx_kind.clear();
    r.verdict = "dns_error";
    r.note = std::move(note);
    add(std::move(r));
  };
  auto to_compliant = [&](std::string label, std::string note) {
    Row r;
    r.label = std::move(label);
    host_exchange(r, compliant_->mx, 10, compliant_);
    r.note = std::move(note);
    add(std::move(r));
  };

  to_compliant("ok", "control: one MX to a compliant lab host");
  {
    Row r;
    r.label = "multi";
    host_exchange(r, misordered_->mx, 10, misordered_);
    host_exchange(r, compliant_->mx, 20, compliant_);
    r.note = "control: the weakest class of the two";
    add(std::move(r));
  }
  {
    Row r;
    r.label = "implicit";
    r.mx_kind = "implicit";
    host_exchange(r, "implicit." + origin, 0, compliant_);
    r.note = "control: no MX, an A record: RFC 5321 5.1 implicit MX";
    add(std::move(r));
  }
  failed("nxdomain", "NXDOMAIN", "control");
  failed("servfail", "SERVFAIL", "control: the server's SERVFAIL, as is");
  failed("silent", "TIMEOUT", "no answer ever comes");
  const std::string malformed =
      "; a malformed answer is no answer (RFC 1035 4.1.4); BADRESP is the scanner's name for it";
  failed("ptr-loop", "BADRESP", "the MX exchange is a compression pointer to itself" + malformed);
  failed("ptr-cycle", "BADRESP",
         "two exchanges whose pointers point at each other (the first one forward)" + malformed);
  failed("long-name", "BADRESP",
         "an exchange of 270 octets, over the 255 of RFC 1035 2.3.4" + malformed);
  failed("long-name-ptr", "BADRESP",
         "4 exchanges, each a 63-octet label + a pointer to the one before: the 4th is 284 octets "
         "long" +
             malformed);
  failed("ancount-lie", "BADRESP",
         "ANCOUNT says 65,535 records, the message holds one" + malformed);
  {
    Row r;
    r.label = "mx1000";
    // Record i has preference 1000 - i, so the best 32 are the last records of the message.
    for (int pref = 1; pref <= static_cast<int>(32); ++pref) {
      char name[64];
      std::snprintf(name, sizeof name, "mx-%04d.mx1000.", 1000 - pref);
      host_exchange(r, name + origin, pref, compliant_);
    }
    r.note =
        "1,000 MX records, only over TCP (the UDP answer is TC with no records); every "
        "exchange has the compliant host's address; a sender sorts by preference (RFC 5321 "
        "5.1), so of the default 32 exchanges the scanner keeps, the right ones are the 32 "
        "lowest preferences, which are the LAST records of the message";
    add(std::move(r));
  }
  to_compliant("tc",
               "the UDP answer has TC set and carries an MX to a no_starttls host; only the "
               "TCP answer (MX to the compliant host) counts");
  to_compliant("cname-chain",
               "a chain of 20 CNAMEs delivered whole in every answer (from the "
               "asked link on), the MX at its end");
  failed("cname-hop", "SERVFAIL",
         "a chain of 20 CNAMEs, one link per answer: past any resolver's restart limit. A "
         "recursive resolver answers SERVFAIL; a stub that gives up may keep NOERROR. Either way "
         "no implicit MX (the name HAS a CNAME) and nothing is scanned");
  rows.back().dns_also = "NOERROR";
  failed("cname-loop", "SERVFAIL",
         "cname-loop -> l1.cname-loop -> cname-loop; as cname-hop: SERVFAIL from a recursive "
         "resolver, NOERROR kept by a stub that gives up; no implicit MX, nothing scanned");
  rows.back().dns_also = "NOERROR";
  {
    Row r;
    r.label = "mx-ip";
    host_exchange(r, "192.0.2.1", 10, nullptr);
    r.note =
        "exchange 192.0.2.1. is an IP literal, not a host name: not looked up, not connected to";
    add(std::move(r));
  }
  {
    Row r;
    r.label = "mx-bracket";
    host_exchange(r, "[127.0.0.1]", 10, nullptr);
    r.note = "exchange [127.0.0.1]. (labels '[127','0','0','1]'): not a host name, never 127.0.0.1";
    add(std::move(r));
  }
  failed("wrong-question", "TIMEOUT",
         "the only answer has the right ID but the question other.hostile.test (with an MX to a "
         "no_starttls host): discarded (RFC 5452 9.1), so the query times out");
  to_compliant(
      "wrong-question-then-right",
      "an answer for other.hostile.test (no_starttls MX), then the right one 200 ms later");
  failed("wrong-id", "TIMEOUT",
         "the only answer carries ID+1 (and an MX to a no_starttls host): discarded, the query "
         "times out");
  to_compliant("wrong-id-then-right",
               "an answer with ID+1 (no_starttls MX), then the right one 200 ms later");
  {
    Row r;
    r.label = "bad-host";
    host_exchange(r, "badaddr." + origin, 10, nullptr);
    r.note =
        "the MX answer is fine; the exchange's A answer has an owner name that points at "
        "itself (BADRESP for that host): the exchange has no address, the domain is unreachable";
    add(std::move(r));
  }

  std::string out;
  for (const Row& r : rows) {
    std::string verdict = r.verdict.empty() ? std::string(VerdictOfRank(r.weakest)) : r.verdict;
    out += "{\"domain\":" + JsonString(r.label + "." + origin) +
           ",\"kind\":" + JsonString(r.label) + ",\"dns\":" + JsonString(r.dns);
    if (!r.dns_also.empty()) out += ",\"dns_also\":[" + JsonString(r.dns_also) + "]";
    out += ",\"mx_kind\":" + (r.mx_kind.empty() ? std::string("null") : JsonString(r.mx_kind)) +
           ",\"exchanges\":[" + r.exchanges + "],\"verdict\":" + JsonString(verdict) +
           ",\"note\":" + JsonString(r.note) + "}\n";
  }
  return out;
}

}  // namespace starttls::lab
