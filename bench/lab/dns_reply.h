// dns-lab's answers under construction: the header, the query's question echoed, records
// (written through DnsWriter, so an answer may be as malformed as a case asks), then OPT; and
// the UDP size rule that turns an answer too big for the client into a TC one.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/lab/dns_wire.h"

namespace starttls::lab {

constexpr size_t kMaxUdpAnswer = 1232;  // never more over UDP (DNS flag day 2020)

// "a.b.c.d" into four octets; false for anything else.
bool ParseIpv4Bytes(std::string_view ip, uint8_t out[4]);

// An answer under construction: header, the query's question echoed, records, then OPT.
class DnsReply {
 public:
  DnsReply(const DnsQuery& q, uint8_t rcode, uint16_t id) : q_(q) {
    w_.Header(id, q.rd, false, rcode);
    w_.Raw(q.question);
  }
  explicit DnsReply(const DnsQuery& q, uint8_t rcode = kRcodeNoError) : DnsReply(q, rcode, q.id) {}

  DnsWriter& w() { return w_; }
  // Owner is the question's name (a pointer to it) or `name` written out.
  void Owner(std::string_view name) {
    if (name == q_.qname)
      w_.Pointer(kDnsHeaderBytes);
    else
      w_.Name(name);
  }
  void Mx(std::string_view owner, uint16_t pref, std::string_view exchange) {
    Owner(owner);
    size_t at = w_.BeginRecord(kTypeMx);
    w_.U16(pref);
    w_.Name(exchange);
    w_.EndRecord(at);
    ++an_;
  }
  void Cname(std::string_view owner, std::string_view target) {
    Owner(owner);
    size_t at = w_.BeginRecord(kTypeCname);
    w_.Name(target);
    w_.EndRecord(at);
    ++an_;
  }
  void A(std::string_view owner, std::string_view ip) {
    uint8_t b[4];
    if (!ParseIpv4Bytes(ip, b)) return;
    Owner(owner);
    size_t at = w_.BeginRecord(kTypeA);
    for (uint8_t v : b) w_.U8(v);
    w_.EndRecord(at);
    ++an_;
  }
  // The zone's SOA: in the authority section of a negative answer (RFC 2308), or as the answer.
  void Soa(std::string_view origin, bool as_answer = false) {
    w_.Name(origin);
    size_t at = w_.BeginRecord(kTypeSoa);
    w_.Name("ns." + std::string(origin));
    w_.Name("hostmaster." + std::string(origin));
    for (uint32_t v : {1u, 3600u, 600u, 86400u, 300u}) w_.U32(v);
    w_.EndRecord(at);
    ++(as_answer ? an_ : ns_);
  }
  void CountAnswer() { ++an_; }
  // The finished message; over UDP one too big for the client becomes a TC answer with the
  // question only.
  std::string Finish(bool tcp, uint16_t ancount_override = 0) {
    bool opt = q_.edns_payload != 0;
    w_.SetCounts(1, ancount_override ? ancount_override : an_, ns_, opt ? 1 : 0);
    if (opt) w_.Opt(static_cast<uint16_t>(kMaxUdpAnswer));
    size_t limit = opt ? std::min<size_t>(q_.edns_payload, kMaxUdpAnswer) : 512;
    if (!tcp && w_.size() > limit) return Truncated(q_);
    return w_.Take();
  }
  static std::string Truncated(const DnsQuery& q) {
    DnsWriter t;
    t.Header(q.id, q.rd, true, kRcodeNoError);
    t.Raw(q.question);
    bool opt = q.edns_payload != 0;
    t.SetCounts(1, 0, 0, opt ? 1 : 0);
    if (opt) t.Opt(static_cast<uint16_t>(kMaxUdpAnswer));
    return t.Take();
  }

 private:
  const DnsQuery& q_;
  DnsWriter w_;
  uint16_t an_ = 0, ns_ = 0;
};

}  // namespace starttls::lab
