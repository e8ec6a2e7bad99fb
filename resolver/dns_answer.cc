#include "resolver/dns_answer.h"

#include <array>
#include <optional>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "base/byte_cursor.h"

namespace starttls {
namespace {

constexpr size_t kMaxNameOctets = 255;
constexpr int kMaxPointerHops = 64;
constexpr int kMaxCnameHops = 8;
// Answer RRs looked at; a real answer has a few, a hostile one may claim 65,535.
constexpr size_t kMaxAnswerRecords = 1024;

char LowerAscii(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c);
}

std::string_view AsText(const uint8_t* msg, size_t len) {
  return {reinterpret_cast<const char*>(msg), len};
}

// One answer-section record of interest, before the CNAME chain is walked. The owner name is
// compared where it sits in the message, so no record costs an allocation.
struct RawRecord {
  ByteCursor owner{{}};  // at the owner name in the message
  uint16_t type = 0;
  ByteCursor rdata{{}};  // at RDATA in the message (names in it may point back anywhere)
  uint16_t rdlength = 0;
};

// Walks the (possibly compressed) name at *cursor, calling on_label(bytes) for each label in
// order; the checks of ReadDnsName. A compression pointer continues on a cursor over the
// whole message at its target; only pointers backwards are followed, so no loop. On success
// *cursor moves past the name as it sits there (past the first pointer); on failure it stays.
template <typename OnLabel>
bool WalkDnsName(std::string_view msg, ByteCursor* cursor, OnLabel&& on_label) {
  ByteCursor at = *cursor;
  std::optional<ByteCursor> after_first_pointer;
  int hops = 0;
  size_t octets = 1;  // the root label
  while (true) {
    const size_t label_at = at.offset();
    uint8_t label = 0;
    if (!at.ReadU8(&label)) return false;
    if (label == 0) break;
    if ((label & 0xC0) == 0xC0) {
      uint8_t low = 0;
      if (!at.ReadU8(&low)) return false;
      const size_t target = (static_cast<size_t>(label & 0x3F) << 8) | low;
      // Only backwards: a pointer to itself or ahead could loop.
      if (target >= label_at || ++hops > kMaxPointerHops) return false;
      if (!after_first_pointer) after_first_pointer = at;
      at = ByteCursor(msg);
      if (!at.Skip(target)) return false;
      continue;
    }
    if ((label & 0xC0) != 0) return false;  // 0x40 / 0x80: extended label types, unsupported
    std::string_view bytes;
    if (!at.ReadBytes(label, &bytes)) return false;
    octets += 1 + label;
    if (octets > kMaxNameOctets) return false;
    on_label(bytes);
  }
  *cursor = after_first_pointer ? *after_first_pointer : at;
  return true;
}

// The name at *cursor, lower case, labels joined by dots; *printable false when a label
// holds a byte outside 0x21..0x7E or a dot.
bool ReadName(std::string_view msg, ByteCursor* cursor, std::string* out, bool* printable) {
  out->clear();
  *printable = true;
  return WalkDnsName(msg, cursor, [&](std::string_view bytes) {
    if (!out->empty()) out->push_back('.');
    for (const char byte : bytes) {
      const auto c = static_cast<uint8_t>(byte);
      if (c < 0x21 || c > 0x7E || c == '.') *printable = false;
      out->push_back(LowerAscii(c));
    }
  });
}

// TXT RDATA (RFC 1035 §3.3.14): one or more <length><octets> character-strings, appended to
// *out in order. False when a string runs past the RDATA.
bool ReadTxtStrings(std::string_view rdata, std::string* out) {
  ByteCursor cursor(rdata);
  while (!cursor.empty()) {
    uint8_t n = 0;
    std::string_view text;
    if (!cursor.ReadU8(&n) || !cursor.ReadBytes(n, &text)) return false;
    out->append(text);
  }
  return true;
}

bool SkipDnsName(std::string_view msg, ByteCursor* cursor) {
  return WalkDnsName(msg, cursor, [](std::string_view) {});
}

// True when the name at `at`, as ReadDnsName would print it, equals `name`.
bool DnsNameEquals(std::string_view msg, ByteCursor at, std::string_view name) {
  size_t matched = 0;
  bool equal = true;
  bool first = true;
  const bool ok = WalkDnsName(msg, &at, [&](std::string_view bytes) {
    if (!equal) return;
    if (!first) {
      if (matched >= name.size() || name[matched] != '.') {
        equal = false;
        return;
      }
      ++matched;
    }
    first = false;
    if (name.size() - matched < bytes.size()) {
      equal = false;
      return;
    }
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (LowerAscii(static_cast<uint8_t>(bytes[i])) != name[matched + i]) {
        equal = false;
        return;
      }
    }
    matched += bytes.size();
  });
  return ok && equal && matched == name.size();
}

}  // namespace

bool ReadDnsName(const uint8_t* msg, size_t len, size_t* offset, std::string* out,
                 bool* printable) {
  const std::string_view message = AsText(msg, len);
  ByteCursor cursor(message);
  if (!cursor.Skip(*offset)) {
    out->clear();
    *printable = true;
    return false;
  }
  if (!ReadName(message, &cursor, out, printable)) return false;
  *offset = cursor.offset();
  return true;
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
  const std::string_view message = AsText(msg, len);
  ByteCursor cursor(message);
  uint8_t flags_high = 0, flags_low = 0;
  uint16_t qdcount = 0, ancount = 0;
  if (!cursor.Skip(2) || !cursor.ReadU8(&flags_high) || !cursor.ReadU8(&flags_low) ||
      !cursor.ReadU16(&qdcount) || !cursor.ReadU16(&ancount) || !cursor.Skip(4)) {
    *error = "DNS message shorter than its header";
    return false;
  }
  out->rcode = flags_low & 0x0F;
  out->truncated = (flags_high & 0x02) != 0;
  out->authenticated_data = (flags_low & 0x20) != 0;
  bool printable = true;
  for (uint16_t i = 0; i < qdcount; ++i) {
    if (!SkipDnsName(message, &cursor) || !cursor.Skip(4)) {  // QTYPE, QCLASS
      *error = "DNS question section malformed";
      return false;
    }
  }

  absl::InlinedVector<RawRecord, 8> records;
  for (size_t i = 0; i < ancount && i < kMaxAnswerRecords; ++i) {
    RawRecord rr;
    rr.owner = cursor;
    uint16_t rclass = 0;
    if (!SkipDnsName(message, &cursor) || !cursor.ReadU16(&rr.type) || !cursor.ReadU16(&rclass) ||
        !cursor.Skip(4) || !cursor.ReadU16(&rr.rdlength)) {  // TTL skipped
      *error = "DNS answer record malformed";
      return false;
    }
    rr.rdata = cursor;
    if (!cursor.Skip(rr.rdlength)) {
      *error = "DNS record data runs past the message";
      return false;
    }
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
      if (!DnsNameEquals(message, rr.owner, current)) continue;
      if (rr.type == kDnsTypeCname) {
        if (cname == nullptr) cname = &rr;
        continue;
      }
      found = true;
      // RDATA through its own cursor: reads stop at the record's end; names may point back.
      ByteCursor rdata = rr.rdata;
      std::string_view rdata_bytes;
      rdata.ReadBytes(rr.rdlength, &rdata_bytes);  // checked when the record was read
      const size_t rdata_end = rr.rdata.offset() + rr.rdlength;
      if (qtype == kDnsTypeMx) {
        ByteCursor at = rr.rdata;
        uint16_t preference = 0;
        if (rr.rdlength < 3 || !at.ReadU16(&preference)) {
          *error = "MX record too short";
          return false;
        }
        ++out->mx_seen;
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
        if (!ReadName(message, &at, &mx.exchange, &mx.exchange_printable) ||
            at.offset() > rdata_end) {
          --mx_count;
          *error = "MX exchange name malformed";
          return false;
        }
      } else if (qtype == kDnsTypeA && rr.rdlength == 4) {
        if (out->addresses.size() >= max_records) continue;
        ByteCursor at(rdata_bytes);
        uint16_t high = 0, low = 0;
        at.ReadU16(&high);
        at.ReadU16(&low);
        out->addresses.push_back(IpAddress::V4((uint32_t{high} << 16) | low));
      } else if (qtype == kDnsTypeAaaa && rr.rdlength == 16) {
        if (out->addresses.size() >= max_records) continue;
        std::array<uint8_t, 16> bytes;
        for (size_t b = 0; b < 16; ++b) bytes[b] = static_cast<uint8_t>(rdata_bytes[b]);
        out->addresses.push_back(IpAddress::V6(bytes));
      } else if (qtype == kDnsTypeTlsa) {
        if (out->tlsa.size() >= max_records) continue;
        ByteCursor at(rdata_bytes);
        TlsaRecord tlsa;
        if (!at.ReadU8(&tlsa.usage) || !at.ReadU8(&tlsa.selector) ||
            !at.ReadU8(&tlsa.matching_type)) {
          *error = "TLSA record too short";
          return false;
        }
        tlsa.data.assign(at.rest());
        out->tlsa.push_back(std::move(tlsa));
      } else if (qtype == kDnsTypeTxt) {
        if (out->txt.size() >= max_records) continue;
        std::string& text = out->txt.emplace_back();
        if (!ReadTxtStrings(rdata_bytes, &text)) {
          out->txt.pop_back();
          *error = "TXT character-string runs past its record";
          return false;
        }
      }
    }
    if (found || cname == nullptr) break;
    ByteCursor at = cname->rdata;
    std::string target;
    if (!ReadName(message, &at, &target, &printable) ||
        at.offset() > cname->rdata.offset() + cname->rdlength) {
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
