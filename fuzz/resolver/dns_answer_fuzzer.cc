// Fuzzes ParseDnsAnswer with arbitrary messages. The first input byte picks the query type;
// the rest is the message, and the question's own name (when it reads) is the queried name,
// so owner matching and CNAME chains are reached. One DnsAnswer is reused across inputs, as
// the resolver reuses it, so state left by one message must never leak into the next.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resolver/dns_answer.h"

namespace {

constexpr size_t kMaxRecords = 16;
constexpr uint16_t kTypes[] = {starttls::kDnsTypeA, starttls::kDnsTypeAaaa, starttls::kDnsTypeMx,
                               starttls::kDnsTypeCname};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint16_t qtype = kTypes[data[0] % 4];
  const uint8_t* msg = data + 1;
  const size_t len = size - 1;

  std::string qname = "example.com";
  size_t offset = 12;
  std::string name;
  bool printable = true;
  if (len > 12 && starttls::ReadDnsName(msg, len, &offset, &name, &printable)) {
    if (offset > len || name.size() > 255) std::abort();
    qname = name;
  }

  static starttls::DnsAnswer answer;
  std::string error;
  if (starttls::ParseDnsAnswer(msg, len, qname, qtype, kMaxRecords, &answer, &error)) {
    if (answer.mx.size() > kMaxRecords || answer.addresses.size() > kMaxRecords) std::abort();
    for (const starttls::MxRecord& mx : answer.mx) {
      if (mx.exchange.size() > 255) std::abort();
    }
    if (answer.final_name.size() > 255) std::abort();
    if (qtype != starttls::kDnsTypeMx && !answer.mx.empty()) std::abort();
  } else if (error.empty()) {
    std::abort();  // a rejected message always says why
  }
  return 0;
}
