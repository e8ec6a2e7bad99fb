#include "resolver/dns_query.h"

#include <algorithm>

namespace starttls {
namespace {

bool IsNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

void Put16(uint16_t v, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v & 0xFF));
}

}  // namespace

bool AppendDnsName(std::string_view name, std::vector<uint8_t>* out, std::string* error) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) {
    *error = "empty DNS name";
    return false;
  }
  // Check the whole name before writing a byte, so a bad name leaves *out untouched.
  size_t wire = 1;  // the root label
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) {
        *error = "empty label in DNS name";
        return false;
      }
      wire += 1 + label;
      label = 0;
      continue;
    }
    if (!IsNameByte(c)) {
      *error = "DNS name holds a byte other than a letter, digit, '-' or '_'";
      return false;
    }
    if (++label > kDnsMaxLabelOctets) {
      *error = "DNS label longer than 63 octets";
      return false;
    }
  }
  if (label == 0) {
    *error = "empty label in DNS name";
    return false;
  }
  wire += 1 + label;
  if (wire > kDnsMaxNameOctets) {
    *error = "DNS name longer than 255 octets";
    return false;
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = std::min(name.find('.', start), name.size());
    out->push_back(static_cast<uint8_t>(dot - start));
    for (size_t i = start; i < dot; ++i) out->push_back(static_cast<uint8_t>(name[i]));
    start = dot + 1;
  }
  out->push_back(0);
  return true;
}

bool BuildDnsQuery(uint16_t id, std::string_view name, uint16_t qtype,
                   const DnsQueryOptions& options, std::vector<uint8_t>* out, std::string* error) {
  out->clear();
  Put16(id, out);
  // Byte 2: QR=0, OPCODE=0 (QUERY), AA=0, TC=0, RD. Byte 3: RA=0, Z=0, AD, CD=0, RCODE=0.
  out->push_back(options.recursion_desired ? 0x01 : 0x00);
  out->push_back(options.authenticated_data ? 0x20 : 0x00);
  Put16(1, out);                     // QDCOUNT
  Put16(0, out);                     // ANCOUNT
  Put16(0, out);                     // NSCOUNT
  Put16(options.edns ? 1 : 0, out);  // ARCOUNT
  if (!AppendDnsName(name, out, error)) {
    out->clear();
    return false;
  }
  Put16(qtype, out);
  Put16(1, out);  // class IN
  if (options.edns) {
    // RFC 6891 §6.1.2: root owner, TYPE OPT, CLASS = requestor's UDP payload size,
    // TTL = extended RCODE (0), VERSION (0), DO bit and Z, RDLENGTH 0.
    out->push_back(0);
    Put16(kDnsTypeOpt, out);
    Put16(std::max<uint16_t>(options.udp_payload_bytes, 512), out);
    out->push_back(0);
    out->push_back(0);
    out->push_back(options.dnssec_ok ? 0x80 : 0x00);
    out->push_back(0);
    Put16(0, out);
  }
  return true;
}

}  // namespace starttls
