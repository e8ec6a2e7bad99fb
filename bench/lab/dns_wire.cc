#include "bench/lab/dns_wire.h"

#include "base/byte_cursor.h"

namespace starttls::lab {
namespace {

bool Read16(ByteCursor& c, uint16_t& out) {
  std::string_view b;
  if (!c.ReadBytes(2, &b)) return false;
  out = static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
  return true;
}

// An uncompressed name: labels of 1..63 octets, at most 255 octets in all.
bool ReadPlainName(ByteCursor& c, std::string& out) {
  out.clear();
  size_t octets = 1;
  while (true) {
    uint8_t len = 0;
    if (!c.ReadByte(&len)) return false;
    if (len == 0) return true;
    if (len > 63) return false;  // a pointer or an extended label type: not in a query
    std::string_view label;
    if (!c.ReadBytes(len, &label)) return false;
    octets += 1 + len;
    if (octets > 255) return false;
    if (!out.empty()) out.push_back('.');
    for (char ch : label) out.push_back((ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch);
  }
}

}  // namespace

QueryParse ParseDnsQuery(std::string_view message, DnsQuery& out) {
  ByteCursor c(message);
  uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
  if (!Read16(c, id) || !Read16(c, flags) || !Read16(c, qd) || !Read16(c, an) || !Read16(c, ns) ||
      !Read16(c, ar))
    return QueryParse::kNotAQuery;  // too short to answer at all
  out.id = id;
  out.rd = (flags & 0x0100) != 0;
  if (flags & 0x8000) return QueryParse::kNotAQuery;
  if (((flags >> 11) & 0xF) != 0 || qd != 1 || an != 0 || ns != 0 || ar > 1)
    return QueryParse::kMalformed;
  std::string_view before = c.rest();
  if (!ReadPlainName(c, out.qname) || !Read16(c, out.qtype) || !Read16(c, out.qclass))
    return QueryParse::kMalformed;
  out.question.assign(before.data(), before.size() - c.rest().size());
  out.edns_payload = 0;
  if (ar == 1) {
    std::string owner;
    uint16_t type = 0, payload = 0, rdlength = 0;
    if (!ReadPlainName(c, owner) || !owner.empty() || !Read16(c, type) || type != kTypeOpt ||
        !Read16(c, payload) || !c.Skip(4) || !Read16(c, rdlength) || !c.Skip(rdlength))
      return QueryParse::kMalformed;
    out.edns_payload = payload < 512 ? 512 : payload;
  }
  return c.empty() ? QueryParse::kOk : QueryParse::kMalformed;
}

void DnsWriter::Header(uint16_t id, bool rd, bool tc, uint8_t rcode) {
  out_.clear();
  U16(id);
  // QR, AA, RA (the lab answers as a resolver would), RD echoed.
  uint16_t flags = 0x8000 | 0x0400 | 0x0080 | (rd ? 0x0100 : 0) | (tc ? 0x0200 : 0) | (rcode & 0xF);
  U16(flags);
  U16(0);
  U16(0);
  U16(0);
  U16(0);
}

void DnsWriter::SetCounts(uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
  if (out_.size() < kDnsHeaderBytes) return;
  const uint16_t v[4] = {qd, an, ns, ar};
  for (int i = 0; i < 4; ++i) {
    out_[4 + 2 * i] = static_cast<char>(v[i] >> 8);
    out_[5 + 2 * i] = static_cast<char>(v[i] & 0xFF);
  }
}

void DnsWriter::SetTruncated() {
  if (out_.size() >= kDnsHeaderBytes) out_[2] = static_cast<char>(out_[2] | 0x02);
}

void DnsWriter::U16(uint16_t v) {
  out_.push_back(static_cast<char>(v >> 8));
  out_.push_back(static_cast<char>(v & 0xFF));
}

void DnsWriter::U32(uint32_t v) {
  U16(static_cast<uint16_t>(v >> 16));
  U16(static_cast<uint16_t>(v & 0xFFFF));
}

void DnsWriter::Labels(std::string_view dotted) {
  while (!dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view label = dotted.substr(0, dot);
    U8(static_cast<uint8_t>(label.size()));
    out_.append(label);
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
}

void DnsWriter::Pointer(size_t offset) { U16(static_cast<uint16_t>(0xC000 | (offset & 0x3FFF))); }

size_t DnsWriter::BeginRecord(uint16_t type, uint32_t ttl) {
  U16(type);
  U16(1);  // IN
  U32(ttl);
  U16(0);  // RDLENGTH, filled by EndRecord
  return out_.size();
}

void DnsWriter::EndRecord(size_t rdata) {
  size_t length = out_.size() - rdata;
  out_[rdata - 2] = static_cast<char>((length >> 8) & 0xFF);
  out_[rdata - 1] = static_cast<char>(length & 0xFF);
}

void DnsWriter::Opt(uint16_t payload) {
  U8(0);  // root owner
  U16(kTypeOpt);
  U16(payload);
  U32(0);  // extended rcode, version, flags
  U16(0);  // no options
}

}  // namespace starttls::lab
