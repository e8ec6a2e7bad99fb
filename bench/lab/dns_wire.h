// The few DNS wire-format pieces the lab's own DNS responder (dns-lab) needs: reading a query
// through a bounded cursor, and writing answers byte by byte — including the malformed ones
// (compression loops, over-long names, lying counts) no real server would ever produce, which
// is why no DNS library is used here (RFC 1035 §4).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace starttls::lab {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeNs = 2;
inline constexpr uint16_t kTypeCname = 5;
inline constexpr uint16_t kTypeSoa = 6;
inline constexpr uint16_t kTypeMx = 15;
inline constexpr uint16_t kTypeTxt = 16;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kTypeOpt = 41;

inline constexpr uint8_t kRcodeNoError = 0;
inline constexpr uint8_t kRcodeFormErr = 1;
inline constexpr uint8_t kRcodeServFail = 2;
inline constexpr uint8_t kRcodeNxDomain = 3;
inline constexpr uint8_t kRcodeRefused = 5;

struct DnsQuery {
  uint16_t id = 0;
  bool rd = false;
  std::string qname;  // lower case, no trailing dot; "" is the root
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  std::string question;       // the question section's bytes as received (echoed in answers)
  uint16_t edns_payload = 0;  // the OPT record's UDP size; 0 when the query had none
};

enum class QueryParse { kOk, kNotAQuery, kMalformed };

// A query is one question, names without compression, at most one OPT in the additional
// section; anything else is kMalformed (answered FORMERR) or kNotAQuery (QR set: ignored).
QueryParse ParseDnsQuery(std::string_view message, DnsQuery& out);

// Appends DNS messages one field at a time. Names are written label by label; compression
// is explicit (Pointer), so a caller can also write pointers no sane server would.
class DnsWriter {
 public:
  // Header with QR set; counts are filled in later with SetCounts.
  void Header(uint16_t id, bool rd, bool tc, uint8_t rcode);
  void SetCounts(uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar);
  void SetTruncated();
  void Raw(std::string_view bytes) { out_.append(bytes); }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  // Labels of `dotted` ("a.b.c"; "" writes nothing), without the terminating root byte.
  void Labels(std::string_view dotted);
  // A complete uncompressed name: labels, then the root byte.
  void Name(std::string_view dotted) {
    Labels(dotted);
    U8(0);
  }
  // A compression pointer to `offset` (RFC 1035 §4.1.4); any 14-bit value is written as is.
  void Pointer(size_t offset);
  // Type, class IN, TTL, then a placeholder RDLENGTH; returns where RDATA starts.
  size_t BeginRecord(uint16_t type, uint32_t ttl = 300);
  // Fills the RDLENGTH of the record whose RDATA began at `rdata`.
  void EndRecord(size_t rdata);
  // An OPT pseudo-record (RFC 6891) advertising `payload`.
  void Opt(uint16_t payload);

  size_t size() const { return out_.size(); }
  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

inline constexpr size_t kDnsHeaderBytes = 12;

}  // namespace starttls::lab
