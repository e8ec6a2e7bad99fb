#include "scanner/smtp/ehlo_analysis.h"

#include <algorithm>

#include "scanner/smtp/ascii.h"
#include "scanner/smtp/registered_keywords.h"

namespace starttls {
namespace {

constexpr std::string_view kStarttls = "STARTTLS";

// Cisco ASA/PIX "inspect esmtp" overwrites STARTTLS with X's: ^X{7}[XA]$.
bool IsMaskedStarttls(std::string_view word) {
  if (word.size() != 8) return false;
  for (size_t i = 0; i < 7; ++i) {
    if (word[i] != 'X') return false;
  }
  return word[7] == 'X' || word[7] == 'A';
}

EhloKeyword SplitKeyword(std::string_view text) {
  size_t at = text.find_first_of(" \t=");
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + 1)};
}

bool HasDuplicateFirstWord(const Reply& ehlo) {
  std::vector<std::string_view> words;
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view word = FirstWord(ehlo.Text(i));
    if (!word.empty()) words.push_back(word);
  }
  // Sorted, so duplicates are neighbours: O(n log n). A pairwise check cost a 1,000-line
  // reply (the framer's cap) half a million comparisons, several ms of the loop per host.
  std::sort(words.begin(), words.end(),
            [](std::string_view a, std::string_view b) { return LessIgnoreCase(a, b); });
  return std::adjacent_find(words.begin(), words.end(), [](std::string_view a, std::string_view b) {
           return EqualsIgnoreCase(a, b);
         }) != words.end();
}

}  // namespace

std::string_view FirstWord(std::string_view text) { return UpToAny(text, " \t"); }

bool ListsStarttls(const Reply& ehlo) {
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    if (EqualsIgnoreCase(SplitKeyword(ehlo.Text(i)).keyword, kStarttls)) return true;
  }
  return false;
}

EhloAnalysis AnalyzeEhlo(const Reply& ehlo) {
  EhloAnalysis result;
  if (ehlo.lines.empty()) return result;

  result.greeting = FirstWord(ehlo.Text(0));
  bool greeting_is_starttls = EqualsIgnoreCase(result.greeting, kStarttls);
  // Only ehlo-lines (line 2 on) count: line 1 is the greeting, so a lower-case "starttls"
  // there sets starttls_in_greeting alone (docs/rules.md §4).
  bool starttls_not_upper = false;
  bool listed = false;
  bool masked = IsMaskedStarttls(result.greeting);

  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view text = ehlo.Text(i);
    EhloKeyword keyword = SplitKeyword(text);
    result.keywords.push_back(keyword);
    if (EqualsIgnoreCase(keyword.keyword, kStarttls)) {
      listed = true;
      starttls_not_upper |= keyword.keyword != kStarttls;
    }
    masked |= IsMaskedStarttls(FirstWord(text));
  }

  if (listed) {
    result.cls = EhloClass::kCompliant;
  } else if (greeting_is_starttls) {
    result.cls = EhloClass::kStarttlsMisordered;
  } else {
    result.cls = EhloClass::kNoStarttls;
  }

  AnomalySet& anomalies = result.anomalies;
  anomalies.AddIf(greeting_is_starttls, Anomaly::kStarttlsInGreeting);
  anomalies.AddIf(!greeting_is_starttls && IsRegisteredEhloKeyword(result.greeting),
                  Anomaly::kGreetingIsKeyword);
  anomalies.AddIf(masked, Anomaly::kStarttlsMasked);
  anomalies.AddIf(starttls_not_upper, Anomaly::kStarttlsLowercase);
  anomalies.AddIf(HasDuplicateFirstWord(ehlo), Anomaly::kDuplicateKeyword);
  result.clients = ComputeClientViews(ehlo);
  return result;
}

}  // namespace starttls
