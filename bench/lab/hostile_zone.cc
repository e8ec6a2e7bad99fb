#include "bench/lab/hostile_zone.h"

#include <algorithm>
#include <cstdio>

#include "bench/lab/dns_reply.h"
#include "bench/lab/json_text.h"
#include "bench/lab/truth_table.h"

namespace starttls::lab {
namespace {

using Reply = DnsReply;

enum class Case {
  kApex,
  kOk,
  kMulti,
  kImplicit,
  kNxdomain,
  kServfail,
  kSilent,
  kPtrLoop,
  kPtrCycle,
  kLongName,
  kLongNamePtr,
  kAncountLie,
  kMx1000,
  kTc,
  kCnameChain,
  kCnameHop,
  kCnameLoop,
  kMxIp,
  kMxBracket,
  kWrongQuestion,
  kWrongQuestionThenRight,
  kWrongId,
  kWrongIdThenRight,
  kBadHost,
  kBadAddr,
};

struct CaseName {
  std::string_view label;  // under hostile.test
  Case c;
};

// The names with a truth row (kBadAddr and kApex are helpers, kMx1000's exchanges too).
constexpr CaseName kCases[] = {
    {"ok", Case::kOk},
    {"multi", Case::kMulti},
    {"implicit", Case::kImplicit},
    {"nxdomain", Case::kNxdomain},
    {"servfail", Case::kServfail},
    {"silent", Case::kSilent},
    {"ptr-loop", Case::kPtrLoop},
    {"ptr-cycle", Case::kPtrCycle},
    {"long-name", Case::kLongName},
    {"long-name-ptr", Case::kLongNamePtr},
    {"ancount-lie", Case::kAncountLie},
    {"mx1000", Case::kMx1000},
    {"tc", Case::kTc},
    {"cname-chain", Case::kCnameChain},
    {"cname-hop", Case::kCnameHop},
    {"cname-loop", Case::kCnameLoop},
    {"mx-ip", Case::kMxIp},
    {"mx-bracket", Case::kMxBracket},
    {"wrong-question", Case::kWrongQuestion},
    {"wrong-question-then-right", Case::kWrongQuestionThenRight},
    {"wrong-id", Case::kWrongId},
    {"wrong-id-then-right", Case::kWrongIdThenRight},
    {"bad-host", Case::kBadHost},
};

constexpr int kChainLength = 20;   // CNAMEs of cname-chain and cname-hop
constexpr int kBigMxCount = 1000;  // MX records of mx1000

std::string Fqdn(std::string_view rel, std::string_view origin) {
  return rel.empty() ? std::string(origin) : std::string(rel) + "." + std::string(origin);
}

// Chain names: L0 = base, Li = "<prefix>i.base" (i = 1..n). Returns the index of `rel`, -1.
int ChainIndex(std::string_view rel, std::string_view base, char prefix, int n) {
  if (rel == base) return 0;
  if (rel.size() <= base.size() + 2 || rel.substr(rel.size() - base.size()) != base ||
      rel[rel.size() - base.size() - 1] != '.' || rel[0] != prefix)
    return -1;
  std::string_view digits = rel.substr(1, rel.size() - base.size() - 2);
  int v = 0;
  if (digits.empty() || digits.size() > 3) return -1;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
  }
  return (v >= 1 && v <= n && std::to_string(v) == digits) ? v : -1;
}

std::string ChainName(std::string_view base, char prefix, int i, std::string_view origin) {
  if (i == 0) return Fqdn(base, origin);
  return std::string(1, prefix) + std::to_string(i) + "." + Fqdn(base, origin);
}

// mx1000's exchange i: "mx-0042.mx1000.hostile.test".
std::string BigMxLabel(int i) {
  char label[16];
  std::snprintf(label, sizeof label, "mx-%04d", i);
  return label;
}
uint16_t BigMxPreference(int i) { return static_cast<uint16_t>(kBigMxCount - i); }

}  // namespace

std::string HostileOrigin(uint32_t copy) {
  if (copy == 0) return std::string(kHostileOrigin);
  return "k" + std::to_string(copy) + "." + std::string(kHostileOrigin);
}

bool HostileZone::Init(std::vector<LabHost> hosts, uint32_t late_ms, std::string& error,
                       uint32_t copies) {
  hosts_ = std::move(hosts);
  late_ms_ = late_ms;
  copies_ = copies == 0 ? 1 : copies;
  compliant_ = FindHostByBehaviour(hosts_, "compliant");
  misordered_ = FindHostByBehaviour(hosts_, "misordered");
  no_starttls_ = FindHostByBehaviour(hosts_, "no_starttls");
  if (!compliant_ || !misordered_ || !no_starttls_) {
    error = "the lab needs a compliant, a misordered and a no_starttls host (smtp-lab --assign)";
    return false;
  }
  by_mx_.clear();
  for (const LabHost& h : hosts_) by_mx_.emplace(h.mx, &h);
  return true;
}

void HostileZone::Answer(const DnsQuery& q, bool tcp, std::vector<DnsSend>& out) const {
  out.clear();
  auto send = [&](std::string bytes, uint32_t delay = 0) {
    out.push_back({std::move(bytes), delay});
  };
  if (q.qclass != 1) {
    send(Reply(q, kRcodeRefused).Finish(tcp));
    return;
  }
  // The lab's own MX names: their A records, nothing else.
  if (auto it = by_mx_.find(q.qname); it != by_mx_.end()) {
    Reply r(q);
    if (q.qtype == kTypeA) r.A(q.qname, it->second->ip);
    send(r.Finish(tcp));
    return;
  }
  std::string_view name = q.qname, base = kHostileOrigin;
  std::string_view rel;
  if (name == base) {
    rel = "";
  } else if (name.size() > base.size() && name.substr(name.size() - base.size()) == base &&
             name[name.size() - base.size() - 1] == '.') {
    rel = name.substr(0, name.size() - base.size() - 1);
  } else {
    send(Reply(q, kRcodeRefused).Finish(tcp));  // not ours: a resolver that refuses recursion
    return;
  }
  // Copy k > 0 of the names lives under kK.hostile.test: its last label before the origin.
  std::string origin(base);
  {
    size_t dot = rel.rfind('.');
    std::string_view last = dot == std::string_view::npos ? rel : rel.substr(dot + 1);
    uint32_t copy = 0;
    bool digits = last.size() >= 2 && last.size() <= 8 && last[0] == 'k' && last[1] != '0';
    for (char ch : last.substr(digits ? 1 : last.size()))
      if (ch < '0' || ch > '9')
        digits = false;
      else
        copy = copy * 10 + static_cast<uint32_t>(ch - '0');
    if (digits && copy >= 1 && copy < copies_) {
      origin = HostileOrigin(copy);
      rel = dot == std::string_view::npos ? std::string_view() : rel.substr(0, dot);
    }
  }

  const bool mx = q.qtype == kTypeMx;
  auto nodata = [&] {
    Reply r(q);
    r.Soa(kHostileOrigin);
    send(r.Finish(tcp));
  };
  auto single_mx = [&](const LabHost* host) {
    Reply r(q);
    if (mx)
      r.Mx(q.qname, 10, host->mx);
    else
      r.Soa(kHostileOrigin);
    send(r.Finish(tcp));
  };

  // Chains first: their names have several labels.
  if (int i = ChainIndex(rel, "cname-chain", 'c', kChainLength); i >= 0) {
    Reply r(q);  // the whole chain from here, as a recursive resolver returns it
    for (int k = i; k < kChainLength; ++k)
      r.Cname(ChainName("cname-chain", 'c', k, origin),
              ChainName("cname-chain", 'c', k + 1, origin));
    if (mx) r.Mx(ChainName("cname-chain", 'c', kChainLength, origin), 10, compliant_->mx);
    send(r.Finish(tcp));
    return;
  }
  if (int i = ChainIndex(rel, "cname-hop", 'h', kChainLength); i >= 0) {
    Reply r(q);  // one link per answer, as when every link lives in another zone
    if (i < kChainLength)
      r.Cname(q.qname, ChainName("cname-hop", 'h', i + 1, origin));
    else if (mx)
      r.Mx(q.qname, 10, compliant_->mx);
    else
      r.Soa(kHostileOrigin);
    send(r.Finish(tcp));
    return;
  }
  if (int i = ChainIndex(rel, "cname-loop", 'l', 1); i >= 0) {
    Reply r(q);  // L0 -> L1 -> L0
    r.Cname(ChainName("cname-loop", 'l', i, origin), ChainName("cname-loop", 'l', 1 - i, origin));
    r.Cname(ChainName("cname-loop", 'l', 1 - i, origin), ChainName("cname-loop", 'l', i, origin));
    send(r.Finish(tcp));
    return;
  }
  if (rel.size() == 14 && rel.substr(0, 3) == "mx-" && rel.substr(7) == ".mx1000") {
    int i = 0;
    for (char ch : rel.substr(3, 4))
      i = (ch >= '0' && ch <= '9' && i >= 0) ? i * 10 + (ch - '0') : -1;
    if (i >= 0 && i < kBigMxCount) {
      Reply r(q);
      if (q.qtype == kTypeA)
        r.A(q.qname, compliant_->ip);
      else
        r.Soa(kHostileOrigin);
      send(r.Finish(tcp));
      return;
    }
  }

  Case c = Case::kNxdomain;
  bool known = false;
  if (rel.empty()) {
    c = Case::kApex;
    known = true;
  }
  if (rel == "badaddr") {
    c = Case::kBadAddr;
    known = true;
  }
  for (const CaseName& k : kCases)
    if (!known && rel == k.label) {
      c = k.c;
      known = true;
    }
  if (!known || c == Case::kNxdomain) {
    Reply r(q, kRcodeNxDomain);
    r.Soa(kHostileOrigin);
    send(r.Finish(tcp));
    return;
  }

  switch (c) {
    case Case::kApex: {
      Reply r(q);
      r.Soa(kHostileOrigin, /*as_answer=*/q.qtype == kTypeSoa);
      send(r.Finish(tcp));
      return;
    }
    case Case::kOk:
      single_mx(compliant_);
      return;
    case Case::kMulti: {
      Reply r(q);
      if (mx) {
        r.Mx(q.qname, 10, misordered_->mx);
        r.Mx(q.qname, 20, compliant_->mx);
      } else {
        r.Soa(kHostileOrigin);
      }
      send(r.Finish(tcp));
      return;
    }
    case Case::kImplicit: {
      Reply r(q);
      if (q.qtype == kTypeA)
        r.A(q.qname, compliant_->ip);
      else
        r.Soa(kHostileOrigin);
      send(r.Finish(tcp));
      return;
    }
    case Case::kServfail:
      send(Reply(q, kRcodeServFail).Finish(tcp));
      return;
    case Case::kSilent:
      return;
    case Case::kBadHost: {
      Reply r(q);
      if (mx)
        r.Mx(q.qname, 10, Fqdn("badaddr", origin));
      else
        r.Soa(kHostileOrigin);
      send(r.Finish(tcp));
      return;
    }
    default:
      break;
  }
  if (c == Case::kBadAddr) {
    if (q.qtype != kTypeA) return nodata();
    // An A record whose owner name is a pointer to itself.
    Reply r(q);
    r.w().Pointer(r.w().size());
    size_t at = r.w().BeginRecord(kTypeA);
    for (uint8_t v : {127, 0, 0, 1}) r.w().U8(v);
    r.w().EndRecord(at);
    r.CountAnswer();
    send(r.Finish(tcp));
    return;
  }
  if (!mx) return nodata();  // every case below is about the MX answer

  switch (c) {
    case Case::kPtrLoop: {  // the exchange is a pointer to itself
      Reply r(q);
      r.Owner(q.qname);
      size_t at = r.w().BeginRecord(kTypeMx);
      r.w().U16(10);
      r.w().Pointer(r.w().size());
      r.w().EndRecord(at);
      r.CountAnswer();
      send(r.Finish(tcp));
      return;
    }
    case Case::kPtrCycle: {  // exchange X = "a" -> Y, exchange Y = "b" -> X
      Reply r(q);
      size_t rr1 = r.w().size();
      size_t x = rr1 + 2 + 10 + 2;    // owner pointer, fixed fields, preference
      size_t y = x + 4 + 2 + 10 + 2;  // after X ("a" + pointer) and the second RR's head
      r.Owner(q.qname);
      size_t at = r.w().BeginRecord(kTypeMx);
      r.w().U16(10);
      r.w().Labels("a");
      r.w().Pointer(y);
      r.w().EndRecord(at);
      r.CountAnswer();
      r.Owner(q.qname);
      at = r.w().BeginRecord(kTypeMx);
      r.w().U16(20);
      r.w().Labels("b");
      r.w().Pointer(x);
      r.w().EndRecord(at);
      r.CountAnswer();
      send(r.Finish(tcp));
      return;
    }
    case Case::kLongName: {  // 4 labels of 63 octets + hostile.test: 270 octets
      Reply r(q);
      std::string label(63, 'x');
      r.Mx(q.qname, 10, label + "." + label + "." + label + "." + label + "." + origin);
      send(r.Finish(tcp));
      return;
    }
    case Case::kLongNamePtr: {  // each exchange = one 63-octet label + a pointer to the last
      Reply r(q);
      size_t previous = kDnsHeaderBytes;  // the question name: 28 octets
      for (int k = 0; k < 4; ++k) {       // 92, 156, 220, then 284 octets
        r.Owner(q.qname);
        size_t at = r.w().BeginRecord(kTypeMx);
        r.w().U16(static_cast<uint16_t>(10 * (k + 1)));
        size_t here = r.w().size();
        r.w().Labels(std::string(63, static_cast<char>('a' + k)));
        r.w().Pointer(previous);
        previous = here;
        r.w().EndRecord(at);
        r.CountAnswer();
      }
      send(r.Finish(tcp));
      return;
    }
    case Case::kAncountLie: {
      Reply r(q);
      r.Mx(q.qname, 10, compliant_->mx);
      send(r.Finish(tcp, 65535));
      return;
    }
    case Case::kMx1000: {
      if (!tcp) {
        send(Reply::Truncated(q));
        return;
      }
      Reply r(q);  // preferences fall as the records go on: the best come last
      for (int i = 0; i < kBigMxCount; ++i) {
        r.Owner(q.qname);
        size_t at = r.w().BeginRecord(kTypeMx);
        r.w().U16(BigMxPreference(i));
        r.w().Labels(BigMxLabel(i));
        r.w().Pointer(kDnsHeaderBytes);
        r.w().EndRecord(at);
        r.CountAnswer();
      }
      send(r.Finish(tcp));
      return;
    }
    case Case::kTc: {
      Reply r(q);
      if (tcp) {
        r.Mx(q.qname, 10, compliant_->mx);
        send(r.Finish(tcp));
      } else {  // TC set, carrying a part that is not the answer
        r.Mx(q.qname, 10, no_starttls_->mx);
        r.w().SetTruncated();
        send(r.Finish(tcp));
      }
      return;
    }
    case Case::kMxIp: {
      Reply r(q);
      r.Mx(q.qname, 10, "192.0.2.1");
      send(r.Finish(tcp));
      return;
    }
    case Case::kMxBracket: {
      Reply r(q);
      r.Mx(q.qname, 10, "[127.0.0.1]");  // labels "[127", "0", "0", "1]", as a zone file has them
      send(r.Finish(tcp));
      return;
    }
    case Case::kWrongQuestion:
    case Case::kWrongQuestionThenRight: {
      DnsQuery other = q;
      DnsWriter qw;
      qw.Name(Fqdn("other", origin));
      qw.U16(kTypeMx);
      qw.U16(1);
      other.question = qw.bytes();
      other.qname = Fqdn("other", origin);
      Reply wrong(other);
      wrong.Mx(other.qname, 10, no_starttls_->mx);
      send(wrong.Finish(tcp));
      if (c == Case::kWrongQuestionThenRight) {
        Reply right(q);
        right.Mx(q.qname, 10, compliant_->mx);
        send(right.Finish(tcp), late_ms_);
      }
      return;
    }
    case Case::kWrongId:
    case Case::kWrongIdThenRight: {
      Reply wrong(q, kRcodeNoError, static_cast<uint16_t>(q.id + 1));
      wrong.Mx(q.qname, 10, no_starttls_->mx);
      send(wrong.Finish(tcp));
      if (c == Case::kWrongIdThenRight) {
        Reply right(q);
        right.Mx(q.qname, 10, compliant_->mx);
        send(right.Finish(tcp), late_ms_);
      }
      return;
    }
    default:
      nodata();
      return;
  }
}

}  // namespace starttls::lab
