#include "resolver/dns_answer.h"

#include <array>
#include <utility>

#include "absl/container/inlined_vector.h"

namespace starttls {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMaxNameOctets = 255;
constexpr int kMaxPointerHops = 64;
constexpr int kMaxCnameHops = 8;
// Answer RRs looked at; a real answer has a few, a hostile one may claim 65,535.
constexpr size_t kMaxAnswerRecords = 1024;

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

char LowerAscii(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c); }

// One answer-section record of interest, before the CNAME chain is walked. The owner name is
// compared where it sits in the message, so no record costs an allocation.
struct RawRecord {
  size_t owner = 0;  // offset of the owner name in the message
  uint16_t type = 0;
  size_t rdata = 0;  // offset of RDATA in the message
  uint16_t rdlength = 0;
};

// Walks the (possibly compressed) name at *offset, calling on_label(bytes, length) for each
// label in order; the checks of ReadDnsName. On success *offset moves past the name as it
// sits at *offset.
template <typename OnLabel>
bool WalkDnsName(const uint8_t* msg, size_t len, size_t* offset, OnLabel&& on_label) {
  size_t pos = *offset;
  size_t end_after_name = 0;  // where the caller's cursor goes: set at the first pointer
  bool jumped = false;
  int hops = 0;
  size_t octets = 1;  // the root label
  while (true) {
    if (pos >= len) return false;
    const uint8_t label = msg[pos];
    if (label == 0) {
      if (!jumped) end_after_name = pos + 1;
      break;
    }
    if ((label & 0xC0) == 0xC0) {
      if (pos + 1 >= len) return false;
      const size_t target = static_cast<size_t>(((label & 0x3F) << 8) | msg[pos + 1]);
      // Only backwards: a pointer to itself or ahead could loop.
      if (target >= pos || ++hops > kMaxPointerHops) return false;
      if (!jumped) end_after_name = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((label & 0xC0) != 0) return false;  // 0x40 / 0x80: extended label types, unsupported
    if (pos + 1 + label > len) return false;
    octets += 1 + label;
    if (octets > kMaxNameOctets) return false;
    on_label(msg + pos + 1, static_cast<size_t>(label));
    pos += 1 + label;
  }
  *offset = end_after_name;
  return true;
}

// TXT RDATA (RFC 1035 §3.3.14): one or more <length><octets> character-strings, appended to
// *out in order. False when a string runs past the RDATA.
bool ReadTxtStrings(const uint8_t* rdata, size_t rdlength, std::string* out) {
  size_t at = 0;
  while (at < rdlength) {
    const size_t n = rdata[at];
    if (n > rdlength - at - 1) return false;
    out->append(reinterpret_cast<const char*>(rdata + at + 1), n);
    at += 1 + n;
  }
  return true;
}

bool SkipDnsName(const uint8_t* msg, size_t len, size_t* offset) {
  return WalkDnsName(msg, len, offset, [](const uint8_t*, size_t) {});
}

// True when the name at `offset`, as ReadDnsName would print it, equals `name`.
bool DnsNameEquals(const uint8_t* msg, size_t len, size_t offset, std::string_view name) {
  size_t at = 0;
  bool equal = true;
  bool first = true;
  const bool ok = WalkDnsName(msg, len, &offset, [&](const uint8_t* bytes, size_t n) {
    if (!equal) return;
    if (!first) {
      if (at >= name.size() || name[at] != '.') {
        equal = false;
        return;
      }
      ++at;
    }
    first = false;
    if (name.size() - at < n) {
      equal = false;
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      if (LowerAscii(bytes[i]) != name[at + i]) {
        equal = false;
        return;
      }
    }
    at += n;
  });
  return ok && equal && at == name.size();
}

}  // namespace

bool ReadDnsName(const uint8_t* msg, size_t len, size_t* offset, std::string* out,
                 bool* printable) {
  out->clear();
  *printable = true;
  return WalkDnsName(msg, len, offset, [&](const uint8_t* bytes, size_t n) {
    if (!out->empty()) out->push_back('.');
    for (size_t i = 0; i < n; ++i) {
      const uint8_t c = bytes[i];
      if (c < 0x21 || c > 0x7E || c == '.') *printable = false;
      out->push_back(LowerAscii(c));
    }
  });
}

bool ParseDnsAnswer(const uint8_t* msg, size_t len, std::string_view qname, uint16_t qtype,
                    size_t max_records, DnsAnswer* out, std::string* error) {
  // Field by field, so that a caller's DnsAnswer reused across messages keeps its buffers.
  out->rcode = 0;
  out->truncated = false;
  // MX records already in out->mx are overwritten in place (their names keep their buffers);
  // the vector is cut to the records found at the end.
  size_t mx_count = 0;
  struct TrimMx {  // on every way out, including the error returns
    std::vector<MxRecord>* mx;
    const size_t* count;
    ~TrimMx() { mx->resize(*count); }
  } trim_mx{&out->mx, &mx_count};
  out->authenticated_data = false;
  out->addresses.clear();
  out->tlsa.clear();
  out->txt.clear();
  struct ClearOnError {  // a rejected message leaves no TLSA or TXT record behind
    DnsAnswer* out;
    bool parsed = false;
    ~ClearOnError() {
      if (parsed) return;
      out->tlsa.clear();
      out->txt.clear();
    }
  } clear_on_error{out};
  out->final_name.clear();
  out->cname_unresolved = false;
  out->mx_seen = 0;
  if (len < kHeaderBytes) {
    *error = "DNS message shorter than its header";
    return false;
  }
  out->rcode = msg[3] & 0x0F;
  out->truncated = (msg[2] & 0x02) != 0;
  out->authenticated_data = (msg[3] & 0x20) != 0;
  const uint16_t qdcount = Get16(msg + 4);
  const uint16_t ancount = Get16(msg + 6);
  size_t pos = kHeaderBytes;
  bool printable = true;
  for (uint16_t i = 0; i < qdcount; ++i) {
    if (!SkipDnsName(msg, len, &pos) || pos + 4 > len) {
      *error = "DNS question section malformed";
      return false;
    }
    pos += 4;
  }

  absl::InlinedVector<RawRecord, 8> records;
  for (size_t i = 0; i < ancount && i < kMaxAnswerRecords; ++i) {
    RawRecord rr;
    rr.owner = pos;
    if (!SkipDnsName(msg, len, &pos) || pos + 10 > len) {
      *error = "DNS answer record malformed";
      return false;
    }
    rr.type = Get16(msg + pos);
    const uint16_t rclass = Get16(msg + pos + 2);
    rr.rdlength = Get16(msg + pos + 8);
    rr.rdata = pos + 10;
    if (rr.rdata + rr.rdlength > len) {
      *error = "DNS record data runs past the message";
      return false;
    }
    pos = rr.rdata + rr.rdlength;
    if (rclass != 1) continue;  // IN only
    if (rr.type == qtype || rr.type == kDnsTypeCname) records.push_back(rr);
  }

  // Walk the CNAME chain from qname; records of qtype at its end are the answer.
  std::string_view current = qname;
  std::string chain_name;  // storage of `current` once a CNAME was followed
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    bool found = false;
    const RawRecord* cname = nullptr;
    for (const RawRecord& rr : records) {
      if (!DnsNameEquals(msg, len, rr.owner, current)) continue;
      if (rr.type == kDnsTypeCname) {
        if (cname == nullptr) cname = &rr;
        continue;
      }
      found = true;
      if (qtype == kDnsTypeMx) {
        if (rr.rdlength < 3) {
          *error = "MX record too short";
          return false;
        }
        ++out->mx_seen;
        const uint16_t preference = Get16(msg + rr.rdata);
        size_t slot = mx_count;
        if (mx_count >= max_records) {
          // Full: keep the most preferred (a sender tries those first), whatever their order
          // in the message — replace the least preferred kept record if this one beats it.
          slot = 0;
          for (size_t i = 1; i < mx_count; ++i) {
            if (out->mx[i].preference > out->mx[slot].preference) slot = i;
          }
          if (mx_count == 0 || preference >= out->mx[slot].preference) continue;
        } else {
          if (mx_count == out->mx.size()) out->mx.emplace_back();
          ++mx_count;
        }
        MxRecord& mx = out->mx[slot];
        mx.preference = preference;
        size_t at = rr.rdata + 2;
        if (!ReadDnsName(msg, len, &at, &mx.exchange, &mx.exchange_printable) ||
            at > rr.rdata + rr.rdlength) {
          --mx_count;
          *error = "MX exchange name malformed";
          return false;
        }
      } else if (qtype == kDnsTypeA && rr.rdlength == 4) {
        if (out->addresses.size() >= max_records) continue;
        const uint8_t* p = msg + rr.rdata;
        out->addresses.push_back(IpAddress::V4((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                                               (uint32_t{p[2]} << 8) | uint32_t{p[3]}));
      } else if (qtype == kDnsTypeAaaa && rr.rdlength == 16) {
        if (out->addresses.size() >= max_records) continue;
        std::array<uint8_t, 16> bytes;
        for (size_t b = 0; b < 16; ++b) bytes[b] = msg[rr.rdata + b];
        out->addresses.push_back(IpAddress::V6(bytes));
      } else if (qtype == kDnsTypeTlsa) {
        if (out->tlsa.size() >= max_records) continue;
        if (rr.rdlength < 3) {
          *error = "TLSA record too short";
          return false;
        }
        const uint8_t* p = msg + rr.rdata;
        TlsaRecord& tlsa = out->tlsa.emplace_back();
        tlsa.usage = p[0];
        tlsa.selector = p[1];
        tlsa.matching_type = p[2];
        tlsa.data.assign(reinterpret_cast<const char*>(p + 3), rr.rdlength - 3u);
      } else if (qtype == kDnsTypeTxt) {
        if (out->txt.size() >= max_records) continue;
        std::string& text = out->txt.emplace_back();
        if (!ReadTxtStrings(msg + rr.rdata, rr.rdlength, &text)) {
          out->txt.pop_back();
          *error = "TXT character-string runs past its record";
          return false;
        }
      }
    }
    if (found || cname == nullptr) break;
    size_t at = cname->rdata;
    std::string target;
    if (!ReadDnsName(msg, len, &at, &target, &printable) || at > cname->rdata + cname->rdlength) {
      *error = "CNAME target malformed";
      return false;
    }
    chain_name = std::move(target);
    current = chain_name;
  }
  const bool have =
      mx_count > 0 || !out->addresses.empty() || !out->tlsa.empty() || !out->txt.empty();
  out->cname_unresolved = !have && current != qname;
  out->final_name.assign(current.data(), current.size());
  clear_on_error.parsed = true;
  return true;
}

}  // namespace starttls
