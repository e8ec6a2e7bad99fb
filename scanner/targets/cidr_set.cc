#include "scanner/targets/cidr_set.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "scanner/targets/line_reader.h"

namespace starttls {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace

std::string_view StripCommentAndTrim(std::string_view line) {
  size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  while (!line.empty() && IsAsciiSpace(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsAsciiSpace(line.back())) line.remove_suffix(1);
  return line;
}

std::string EscapeForMessage(std::string_view bytes, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t n = std::min(bytes.size(), max_bytes);
  out.reserve(n + 8);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

void CidrSet::Add(const Cidr& cidr) {
  if (cidr.family() == IpFamily::kV4) {
    v4_.push_back(
        {static_cast<uint32_t>(cidr.first_value()), static_cast<uint32_t>(cidr.last_value())});
  } else {
    v6_.push_back({cidr.first_value(), cidr.last_value()});
  }
  finalized_ = false;
}

template <typename Interval>
void CidrSet::SortAndMerge(std::vector<Interval>* intervals) {
  std::sort(intervals->begin(), intervals->end(),
            [](const Interval& a, const Interval& b) { return a.first < b.first; });
  size_t out = 0;
  for (size_t i = 0; i < intervals->size(); ++i) {
    const Interval& cur = (*intervals)[i];
    // Merge overlapping or adjacent blocks (last + 1 == first); `last` never is the maximum
    // value when adjacency is possible, since then nothing can follow it.
    if (out > 0 &&
        (cur.first <= (*intervals)[out - 1].last || cur.first - 1 == (*intervals)[out - 1].last)) {
      (*intervals)[out - 1].last = std::max((*intervals)[out - 1].last, cur.last);
    } else {
      (*intervals)[out++] = cur;
    }
  }
  intervals->resize(out);
  intervals->shrink_to_fit();
}

void CidrSet::Finalize() {
  SortAndMerge(&v4_);
  SortAndMerge(&v6_);
  finalized_ = true;
}

namespace {

// Lookup in sorted disjoint intervals: the last one starting at or before `value`.
template <typename Interval, typename Value>
bool FindIn(const std::vector<Interval>& intervals, Value value, bool sorted) {
  if (!sorted) {
    for (const Interval& iv : intervals) {
      if (iv.first <= value && value <= iv.last) return true;
    }
    return false;
  }
  auto it = std::upper_bound(intervals.begin(), intervals.end(), value,
                             [](Value v, const Interval& iv) { return v < iv.first; });
  if (it == intervals.begin()) return false;
  --it;
  return value <= it->last;
}

}  // namespace

bool CidrSet::Contains(const IpAddress& ip) const {
  if (ip.is_v4()) return FindIn(v4_, ip.v4_value(), finalized_);
  return FindIn(v6_, ip.value(), finalized_);
}

namespace {

// One line of a list file: comment/blank skipped, else one CIDR or address added.
absl::Status AddListLine(CidrSet* set, std::string_view line, const std::string& source_name,
                         uint64_t line_number) {
  std::string_view text = StripCommentAndTrim(line);
  if (text.empty()) return absl::OkStatus();
  std::optional<Cidr> cidr = Cidr::Parse(text);
  if (!cidr) {
    return absl::InvalidArgumentError(source_name + ":" + std::to_string(line_number) +
                                      ": not an IP address or CIDR: " + EscapeForMessage(text));
  }
  set->Add(*cidr);
  return absl::OkStatus();
}

absl::StatusOr<CidrSet> LoadLines(LineReader& reader, const std::string& source_name) {
  CidrSet set;
  LineRecord rec;
  while (reader.Next(&rec)) {
    if (rec.too_long) {
      return absl::InvalidArgumentError(
          source_name + ":" + std::to_string(rec.line_number) + ": line longer than " +
          std::to_string(LineReader::kDefaultMaxLineBytes) + " bytes");
    }
    absl::Status st = AddListLine(&set, rec.text, source_name, rec.line_number);
    if (!st.ok()) return st;
  }
  if (!reader.status().ok()) {
    return absl::Status(reader.status().code(),
                        source_name + ": " + std::string(reader.status().message()));
  }
  set.Finalize();
  return set;
}

}  // namespace

absl::StatusOr<CidrSet> CidrSet::LoadStream(std::FILE* stream, const std::string& source_name) {
  LineReader reader(stream);
  return LoadLines(reader, source_name);
}

absl::StatusOr<CidrSet> CidrSet::LoadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(path + ": cannot open: " + std::strerror(errno));
  }
  absl::StatusOr<CidrSet> result = LoadStream(f, path);
  std::fclose(f);
  return result;
}

absl::StatusOr<CidrSet> CidrSet::ParseText(std::string_view text, const std::string& source_name) {
  CidrSet set;
  uint64_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t lf = text.find('\n', pos);
    size_t line_end = lf == std::string_view::npos ? text.size() : lf;
    std::string_view line = text.substr(pos, line_end - pos);
    pos = line_end + 1;
    absl::Status st = AddListLine(&set, line, source_name, ++line_number);
    if (!st.ok()) return st;
  }
  set.Finalize();
  return set;
}

}  // namespace starttls
