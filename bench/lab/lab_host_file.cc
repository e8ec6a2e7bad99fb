#include "bench/lab/lab_host_file.h"

#include <charconv>
#include <fstream>
#include <string_view>

namespace starttls::lab {
namespace {

constexpr size_t kMaxLines = 4'000'000;
constexpr size_t kMaxLineBytes = 64 * 1024;

// The value of a top-level string field "key":"value" of the lab's own JSON (ASCII, no
// escapes in these fields); empty when absent.
std::string_view StringField(std::string_view line, std::string_view key) {
  std::string pattern = "\"" + std::string(key) + "\":\"";
  size_t at = line.find(pattern);
  if (at == std::string_view::npos) return {};
  size_t start = at + pattern.size();
  size_t end = line.find('"', start);
  if (end == std::string_view::npos) return {};
  return line.substr(start, end - start);
}

bool NumberField(std::string_view line, std::string_view key, uint16_t& out) {
  std::string pattern = "\"" + std::string(key) + "\":";
  size_t at = line.find(pattern);
  if (at == std::string_view::npos) return false;
  const char* begin = line.data() + at + pattern.size();
  auto [p, ec] = std::from_chars(begin, line.data() + line.size(), out);
  return ec == std::errc() && p != begin;
}

}  // namespace

bool ReadLabHosts(const std::string& path, std::vector<LabHost>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path + " (start smtp-lab with this --run-dir first)";
    return false;
  }
  out.clear();
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    if (lineno > kMaxLines || line.size() > kMaxLineBytes) {
      error = path + ": too large";
      return false;
    }
    LabHost h;
    h.ip = StringField(line, "ip");
    h.mx = StringField(line, "mx");
    h.behaviour = StringField(line, "behaviour");
    if (h.ip.empty() || h.mx.empty() || h.behaviour.empty() || !NumberField(line, "port", h.port)) {
      error = path + ":" + std::to_string(lineno) + ": not a host truth line";
      return false;
    }
    out.push_back(std::move(h));
  }
  return true;
}

const LabHost* FindHostByBehaviour(const std::vector<LabHost>& hosts, std::string_view behaviour,
                                   size_t skip) {
  for (const LabHost& h : hosts) {
    if (h.behaviour != behaviour) continue;
    if (skip == 0) return &h;
    --skip;
  }
  return nullptr;
}

}  // namespace starttls::lab
