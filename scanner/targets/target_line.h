// Parsing of one input target line (untrusted) and TargetReader, which streams a target
// file or stdin line by line in bounded memory.
//
// Line grammar, after stripping a '#' comment and surrounding whitespace:
//   <IPv4 or IPv6 address>             kAddress
//   <address>/<prefix>                 kCidr
//   <domain name>                      kDomain
//   <address>,<domain name>            kAddressWithName: the name is the MX host to use for
//                                      SNI and records (spaces around ',' allowed)
// Blank and comment-only lines are skipped. Anything else is an error whose text names the
// line: "line 17: not an IP, CIDR or domain name: ..." — it becomes an output record.
//
// ZMap's CSV output is read too: when the first line is a CSV header whose columns include
// `saddr` (`zmap -O csv -f saddr,sport`), every later line is a row whose `saddr` is an
// address target and whose `sport` (the port the answer came from, i.e. the target's), if
// the header has it, is that target's only port.
//
// Domain names (RFC 1035 §2.3.1 preferred syntax, RFC 1123 §2.1, RFC 3696 §2): at most 253
// characters (without the optional trailing dot, which is dropped), at least two labels
// (ICANN forbids dotless mail domains), labels of 1–63 characters from [A-Za-z0-9-] neither
// starting nor ending with '-', and a last label that is not all digits (so "1.2.3.999" is
// no name). IDNA A-labels ("xn--...") pass as they are; U-labels (non-ASCII) are rejected,
// as are underscores: MX exchanges are host names, and '_' appears only in service labels
// (SRV, DKIM) that never name a mail host. Names are lower-cased.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "base/ip_address.h"
#include "scanner/targets/cidr.h"
#include "scanner/targets/line_reader.h"

namespace starttls {

enum class TargetKind { kAddress, kCidr, kDomain, kAddressWithName };

struct Target {
  TargetKind kind = TargetKind::kAddress;
  IpAddress address;  // kAddress, kAddressWithName
  Cidr cidr;          // kCidr
  std::string name;   // kDomain, kAddressWithName: lower case, no trailing dot
  uint16_t port = 0;  // kAddress from a ZMap CSV row with sport; 0: the scan's --port list
};

enum class LineOutcome { kTarget, kSkip, kError };

struct ParsedTargetLine {
  LineOutcome outcome = LineOutcome::kSkip;
  Target target;      // when kTarget
  std::string error;  // when kError: "line N: ..."
};

// The longest accepted line, line end excluded.
inline constexpr size_t kMaxTargetLineBytes = 1024;

// Parses into *out, reusing its strings' capacity (for the hot path).
void ParseTargetLine(std::string_view line, uint64_t line_number, ParsedTargetLine* out);
ParsedTargetLine ParseTargetLine(std::string_view line, uint64_t line_number);

// Validates `name` by the rules above and writes its lower-case form without trailing dot to
// *normalized; on failure returns false and sets *why (e.g. "label longer than 63 characters").
bool NormalizeDomainName(std::string_view name, std::string* normalized, std::string* why);

struct TargetRecord {
  uint64_t line_number = 0;
  std::string_view raw_line;  // as read, LF excluded; a prefix only for too-long lines
  ParsedTargetLine parsed;    // outcome is kTarget or kError, never kSkip
};

// Streams targets: each Poll() yields the next target or error line, skipping blank and
// comment lines (counted). A line over max_line_bytes yields an error record for its line
// number and reading continues after its end. Memory stays bounded whatever the input.
class TargetReader {
 public:
  explicit TargetReader(std::unique_ptr<InputSource> source,
                        size_t max_line_bytes = kMaxTargetLineBytes)
      : lines_(std::move(source), max_line_bytes), max_line_bytes_(max_line_bytes) {}
  explicit TargetReader(int fd, size_t max_line_bytes = kMaxTargetLineBytes)
      : lines_(fd, max_line_bytes), max_line_bytes_(max_line_bytes) {}
  explicit TargetReader(std::FILE* stream, size_t max_line_bytes = kMaxTargetLineBytes)
      : lines_(stream, max_line_bytes), max_line_bytes_(max_line_bytes) {}

  // kLine: *out holds a target or error line (its fields valid until the next call);
  // kNotYet: the source has nothing ready; kEnd: the input ended (or a read failed: then
  // status() is not OK).
  LinePoll Poll(TargetRecord* out);
  // For sources that never say "not yet": false at the end of input or on a read error.
  bool Next(TargetRecord* out) { return Poll(out) == LinePoll::kLine; }

  const absl::Status& status() const { return lines_.status(); }
  uint64_t lines_read() const { return lines_.lines_read(); }
  // Blank lines, comment lines and a ZMap CSV header.
  uint64_t lines_skipped() const { return skipped_; }
  bool zmap_csv() const { return csv_saddr_ >= 0; }
  const InputSource& source() const { return lines_.source(); }
  std::string Digest() const { return lines_.Digest(); }

 private:
  // Line 1 may be a ZMap CSV header; true when it is (the reader switches to rows).
  bool TakeCsvHeader(std::string_view line);
  void ParseCsvRow(std::string_view line, uint64_t line_number, ParsedTargetLine* out) const;

  LineReader lines_;
  size_t max_line_bytes_;
  uint64_t skipped_ = 0;
  int csv_saddr_ = -1;  // column of saddr in ZMap CSV rows; -1: not CSV
  int csv_sport_ = -1;  // column of sport, -1 when absent
};

}  // namespace starttls
