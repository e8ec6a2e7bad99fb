// Fuzzes ParseDnsAnswer with arbitrary messages. The first input byte picks the query type
// (A, AAAA, MX, CNAME, TLSA, TXT); the rest is the message, and the question's own name (when
// it reads) is the queried name, so owner matching and CNAME chains are reached. One DnsAnswer is reused across inputs, as
// the resolver reuses it, so state left by one message must never leak into the next.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resolver/dns_answer.h"

namespace {

constexpr size_t kMaxRecords = 16;
// Seeds' first bytes 0..3 keep their types; 4 and 5 are TLSA and TXT.
constexpr uint16_t kTypes[] = {starttls::kDnsTypeA,     starttls::kDnsTypeAaaa,
                               starttls::kDnsTypeMx,    starttls::kDnsTypeCname,
                               starttls::kDnsTypeTlsa,  starttls::kDnsTypeTxt};
constexpr size_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint16_t qtype = kTypes[data[0] % kTypeCount];
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
    if (answer.tlsa.size() > kMaxRecords || answer.txt.size() > kMaxRecords) std::abort();
    if (qtype != starttls::kDnsTypeTlsa && !answer.tlsa.empty()) std::abort();
    if (qtype != starttls::kDnsTypeTxt && !answer.txt.empty()) std::abort();
    // Every TLSA datum and TXT string is a piece of the message: together never more.
    size_t bytes = 0;
    for (const starttls::TlsaRecord& tlsa : answer.tlsa) bytes += tlsa.data.size();
    for (const std::string& text : answer.txt) bytes += text.size();
    if (bytes > len) std::abort();
  } else if (error.empty() || !answer.tlsa.empty() || !answer.txt.empty()) {
    std::abort();  // a rejected message always says why, and leaves no record behind
  }
  return 0;
}
