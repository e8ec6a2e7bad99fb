// Fuzzes ParseDnsAnswer with arbitrary messages. The first input byte picks the query type
// (byte % 6: A, AAAA, MX, CNAME, TLSA, TXT) and where the queried name comes from
// (byte / 6 % 3): the message's own question (when it reads), so owner matching and CNAME
// chains are reached; a name the fuzzer writes before the message (a length byte, then the
// name, lower-cased as the resolver's names are), so chains can start anywhere, even in the
// middle of one the message holds; or a fixed name. The rest is the message.
//
// Oracles: every cap holds (records, name lengths, TXT and TLSA bytes within the message);
// records only of the queried type; a rejected message says why and leaves no record. One
// DnsAnswer is reused across inputs, as the resolver reuses it: its result must equal a
// fresh DnsAnswer's, field by field, so no state leaks from one message into the next.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resolver/dns_answer.h"

namespace {

constexpr size_t kMaxRecords = 16;
// Seeds' first bytes 0..3 keep their types; 4 and 5 are TLSA and TXT.
constexpr uint16_t kTypes[] = {starttls::kDnsTypeA,    starttls::kDnsTypeAaaa,
                               starttls::kDnsTypeMx,   starttls::kDnsTypeCname,
                               starttls::kDnsTypeTlsa, starttls::kDnsTypeTxt};
constexpr size_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

bool SameAnswer(const starttls::DnsAnswer& a, const starttls::DnsAnswer& b) {
  if (a.rcode != b.rcode || a.truncated != b.truncated ||
      a.authenticated_data != b.authenticated_data || a.addresses != b.addresses ||
      a.txt != b.txt || a.final_name != b.final_name || a.cname_unresolved != b.cname_unresolved ||
      a.mx.size() != b.mx.size() || a.tlsa.size() != b.tlsa.size()) {
    return false;
  }
  for (size_t i = 0; i < a.mx.size(); ++i) {
    if (a.mx[i].preference != b.mx[i].preference || a.mx[i].exchange != b.mx[i].exchange ||
        a.mx[i].exchange_printable != b.mx[i].exchange_printable) {
      return false;
    }
  }
  for (size_t i = 0; i < a.tlsa.size(); ++i) {
    if (a.tlsa[i].usage != b.tlsa[i].usage || a.tlsa[i].selector != b.tlsa[i].selector ||
        a.tlsa[i].matching_type != b.tlsa[i].matching_type || a.tlsa[i].data != b.tlsa[i].data) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint16_t qtype = kTypes[data[0] % kTypeCount];
  const int qname_source = data[0] / kTypeCount % 3;
  const uint8_t* msg = data + 1;
  size_t len = size - 1;

  std::string qname = "example.com";
  if (qname_source == 1 && len > 0) {
    size_t n = std::min<size_t>(msg[0], len - 1);
    qname.assign(reinterpret_cast<const char*>(msg + 1), n);
    for (char& c : qname) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    msg += 1 + n;
    len -= 1 + n;
  } else if (qname_source == 0) {
    size_t offset = 12;
    std::string name;
    bool printable = true;
    if (len > 12 && starttls::ReadDnsName(msg, len, &offset, &name, &printable)) {
      if (offset > len || name.size() > 255) std::abort();
      qname = name;
    }
  }

  static starttls::DnsAnswer answer;
  std::string error;
  const bool parsed =
      starttls::ParseDnsAnswer(msg, len, qname, qtype, kMaxRecords, &answer, &error);
  starttls::DnsAnswer fresh;
  std::string fresh_error;
  if (starttls::ParseDnsAnswer(msg, len, qname, qtype, kMaxRecords, &fresh, &fresh_error) !=
          parsed ||
      fresh_error != error || !SameAnswer(answer, fresh)) {
    std::abort();  // the reused answer kept something of an earlier message
  }
  if (parsed) {
    if (answer.mx.size() > kMaxRecords || answer.addresses.size() > kMaxRecords) std::abort();
    for (const starttls::MxRecord& mx : answer.mx) {
      if (mx.exchange.size() > 255) std::abort();
    }
    if (answer.final_name.size() > 255) std::abort();
    if (qtype != starttls::kDnsTypeMx && !answer.mx.empty()) std::abort();
    if (qtype != starttls::kDnsTypeTlsa && !answer.tlsa.empty()) std::abort();
    if (qtype != starttls::kDnsTypeTxt && !answer.txt.empty()) std::abort();
    if (qtype != starttls::kDnsTypeA && qtype != starttls::kDnsTypeAaaa &&
        !answer.addresses.empty()) {
      std::abort();
    }
    for (const starttls::IpAddress& address : answer.addresses) {
      if (address.is_v4() != (qtype == starttls::kDnsTypeA)) std::abort();
    }
    if (answer.tlsa.size() > kMaxRecords || answer.txt.size() > kMaxRecords) std::abort();
    // Every TLSA datum and TXT string is a piece of the message: together never more.
    size_t bytes = 0;
    for (const starttls::TlsaRecord& tlsa : answer.tlsa) bytes += tlsa.data.size();
    for (const std::string& text : answer.txt) bytes += text.size();
    if (bytes > len) std::abort();
    // An unresolved chain holds no record, and it ends somewhere else than it began.
    const bool any = !answer.mx.empty() || !answer.addresses.empty() || !answer.tlsa.empty() ||
                     !answer.txt.empty();
    if (answer.cname_unresolved && (any || answer.final_name == qname)) std::abort();
  } else if (error.empty() || !answer.tlsa.empty() || !answer.txt.empty()) {
    std::abort();  // a rejected message always says why, and leaves no record behind
  }
  return 0;
}
