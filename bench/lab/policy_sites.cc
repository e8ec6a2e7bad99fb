#include "bench/lab/policy_sites.h"

#include <fstream>

namespace starttls::lab {
namespace {

constexpr std::string_view kModeNames[] = {"ok",           "chunked",          "not_found",
                                           "redirect",     "bad_content_type", "too_large",
                                           "cert_expired", "cert_wrong_name",  "slow"};
constexpr size_t kMaxSites = 100000;
constexpr size_t kMaxBody = 64 * 1024;

void Escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
}

bool Unescape(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    if (++i == s.size()) return false;
    switch (s[i]) {
      case '\\':
        out.push_back('\\');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

std::string_view SiteModeName(SiteMode mode) { return kModeNames[static_cast<int>(mode)]; }

bool ParseSiteMode(std::string_view name, SiteMode& out) {
  for (size_t i = 0; i < std::size(kModeNames); ++i) {
    if (kModeNames[i] == name) {
      out = static_cast<SiteMode>(i);
      return true;
    }
  }
  return false;
}

std::string FormatSites(const std::vector<PolicySite>& sites) {
  std::string out;
  for (const PolicySite& s : sites) {
    out += s.domain;
    out += '\t';
    out += SiteModeName(s.mode);
    out += '\t';
    Escape(out, s.body);
    out += '\t';
    Escape(out, s.location);
    out += '\n';
  }
  return out;
}

bool ReadSites(const std::string& path, std::vector<PolicySite>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path + " (written by smtp-lab with --policy-address)";
    return false;
  }
  out.clear();
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    std::string_view rest = line;
    std::string_view fields[4];
    bool ok = out.size() < kMaxSites && line.size() <= 2 * kMaxBody + 1024;
    for (int f = 0; f < 4 && ok; ++f) {
      size_t tab = rest.find('\t');
      if (f < 3 && tab == std::string_view::npos) ok = false;
      fields[f] = rest.substr(0, tab);
      rest = tab == std::string_view::npos ? std::string_view() : rest.substr(tab + 1);
    }
    PolicySite site;
    ok = ok && !fields[0].empty() && ParseSiteMode(fields[1], site.mode) &&
         Unescape(fields[2], site.body) && site.body.size() <= kMaxBody &&
         Unescape(fields[3], site.location);
    if (!ok) {
      error = path + ":" + std::to_string(lineno) + ": not a site line";
      return false;
    }
    site.domain = fields[0];
    out.push_back(std::move(site));
  }
  return true;
}

}  // namespace starttls::lab
