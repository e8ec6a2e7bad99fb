// libFuzzer target: block- and allowlist files (CidrSet::LoadStream, through LineReader) and
// the same text given as a flag (CidrSet::ParseText).
//
// Oracles (abort on violation):
//   - a file and the same text as a string load alike (both fail with the same message, or
//     both succeed), as long as no line is over the 1024-byte cap (only the file reader has
//     it); a failure names the source and a line number;
//   - membership of the loaded set (merged intervals, binary search) equals a naive check
//     against every block of the list, and equals the unsorted set's linear scan, for the
//     blocks' edges, the addresses next to them and fixed extremes;
//   - merging never grows the interval count past the number of blocks.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/targets/cidr_set.h"

namespace {

using namespace starttls;

#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "cidr_list_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

constexpr size_t kLineCap = 1024;  // LineReader::kDefaultMaxLineBytes, the file reader's cap

absl::StatusOr<CidrSet> LoadAsFile(std::string_view text) {
  std::string copy(text);
  std::FILE* stream = fmemopen(copy.data(), copy.size(), "r");
  FUZZ_CHECK(stream != nullptr);
  absl::StatusOr<CidrSet> set = CidrSet::LoadStream(stream, "list");
  std::fclose(stream);
  return set;
}

void AddProbes(const Cidr& cidr, std::vector<IpAddress>* probes) {
  const bool v4 = cidr.family() == IpFamily::kV4;
  const Uint128 max = v4 ? Uint128{0xFFFFFFFFu} : ~Uint128{0};
  auto make = [&](Uint128 value) {
    return v4 ? IpAddress::V4(static_cast<uint32_t>(value)) : IpAddress::V6(value);
  };
  probes->push_back(make(cidr.first_value()));
  probes->push_back(make(cidr.last_value()));
  if (cidr.first_value() > 0) probes->push_back(make(cidr.first_value() - 1));
  if (cidr.last_value() < max) probes->push_back(make(cidr.last_value() + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The list as the loaders read it: lines at LF, each stripped of its comment and blanks.
  std::vector<Cidr> blocks;
  bool all_parse = true;
  bool long_line = false;
  for (std::string_view rest = text; !rest.empty();) {
    size_t lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
    long_line |= line.size() > kLineCap;
    std::string_view entry = StripCommentAndTrim(line);
    if (entry.empty()) continue;
    std::optional<Cidr> cidr = Cidr::Parse(entry);
    if (!cidr.has_value()) {
      all_parse = false;
      continue;
    }
    blocks.push_back(*cidr);
  }

  absl::StatusOr<CidrSet> from_text = CidrSet::ParseText(text, "list");
  FUZZ_CHECK(from_text.ok() == all_parse);
  if (!from_text.ok()) {
    FUZZ_CHECK(std::string(from_text.status().message()).starts_with("list:"));
  }
  absl::StatusOr<CidrSet> from_file = size > 0 ? LoadAsFile(text) : from_text;
  if (!long_line) {
    FUZZ_CHECK(from_file.ok() == from_text.ok());
    if (!from_file.ok()) FUZZ_CHECK(from_file.status() == from_text.status());
  } else {
    FUZZ_CHECK(!from_file.ok());  // a line over the cap fails the file, wherever it is
  }
  if (!from_text.ok()) return 0;

  CidrSet unsorted;
  size_t v4_blocks = 0;
  for (const Cidr& cidr : blocks) {
    unsorted.Add(cidr);
    v4_blocks += cidr.family() == IpFamily::kV4 ? 1 : 0;
  }
  FUZZ_CHECK(from_text->v4_interval_count() <= v4_blocks);
  FUZZ_CHECK(from_text->v6_interval_count() <= blocks.size() - v4_blocks);
  FUZZ_CHECK(from_text->empty() == blocks.empty());

  std::vector<IpAddress> probes = {IpAddress::V4(0), IpAddress::V4(0xFFFFFFFFu),
                                   IpAddress::V6(Uint128{0}), IpAddress::V6(~Uint128{0})};
  for (size_t i = 0; i < blocks.size() && i < 64; ++i) AddProbes(blocks[i], &probes);
  for (const IpAddress& ip : probes) {
    bool naive = false;
    for (const Cidr& cidr : blocks) naive |= cidr.Contains(ip);
    FUZZ_CHECK(from_text->Contains(ip) == naive);
    FUZZ_CHECK(unsorted.Contains(ip) == naive);
    if (from_file.ok()) FUZZ_CHECK(from_file->Contains(ip) == naive);
  }
  return 0;
}
