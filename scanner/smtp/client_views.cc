#include "scanner/smtp/client_views.h"

#include "scanner/smtp/ascii.h"

namespace starttls {
namespace {

constexpr std::string_view kStarttls = "STARTTLS";

// "Text" of docs/rules.md §4: what follows the code and its separator.
std::string_view TextOf(std::string_view line) {
  return line.size() > 4 ? line.substr(4) : std::string_view();
}

bool KeywordBeforeSpTabEquals(std::string_view line) {
  return EqualsIgnoreCase(UpToAny(TextOf(line), " \t="), kStarttls);
}

bool KeywordBeforeSpEquals(std::string_view line) {
  return EqualsIgnoreCase(UpToAny(TextOf(line), " ="), kStarttls);
}

bool LeadingAlnumDashRun(std::string_view line) {
  std::string_view text = TextOf(line);
  size_t run = 0;
  while (run < text.size()) {
    char c = text[run];
    bool allowed =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) break;
    ++run;
  }
  return EqualsIgnoreCase(text.substr(0, run), kStarttls);
}

bool WordBeforeFirstSpace(std::string_view line) {
  return EqualsIgnoreCase(UpToAny(TextOf(line), " "), kStarttls);
}

// PCRE's \s: SP, TAB, LF, VT, FF, CR.
bool IsPcreSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool EximPattern(std::string_view line) {
  if (line.size() < 4 + kStarttls.size() || line.substr(0, 3) != "250") return false;
  if (!IsPcreSpace(line[3]) && line[3] != '-') return false;
  if (line.substr(4, kStarttls.size()) != kStarttls) return false;
  std::string_view after = line.substr(4 + kStarttls.size());
  return after.empty() || IsPcreSpace(after.front());
}

bool TextIsExactly(std::string_view line) { return TextOf(line) == kStarttls; }

bool TextStartsWithAnyCase(std::string_view line) {
  return StartsWithIgnoreCase(TextOf(line), kStarttls);
}

bool TestsslPattern(std::string_view line) {
  return line.starts_with("250-STARTTLS") || line.starts_with("250 STARTTLS");
}

bool ContainsAnywhere(std::string_view raw) {
  return raw.find(kStarttls) != std::string_view::npos;
}

}  // namespace

// One row per client; `source` names the file and line where that client's rule can be read.
// The rules are docs/rules.md §4's, which fixes them so surveys stay comparable across versions.
// Where a client's released source differs (curl 7.88 compared case-sensitively before PR #18589;
// Go <= 1.19 kept the keyword's case), the rule of docs/rules.md §4 is the one modelled.
const std::array<ClientRule, kClientCount>& ClientRules() {
  static const std::array<ClientRule, kClientCount> rules = {{
      {Client::kPostfix, "postfix", ClientScope::kAfterFirstLine,
       "ehlo-lines only; keyword up to SP, TAB or '=', any case",
       "postfix v3.7.11 src/smtp/smtp_proto.c:534-537 (line 1 = host name), 588-591 (strcasecmp on "
       "words split at SP, TAB, =)",
       KeywordBeforeSpTabEquals},
      {Client::kCiscoEsa, "cisco_esa", ClientScope::kAfterFirstLine,
       "ehlo-lines only; keyword up to SP, TAB or '=', any case",
       "closed source; Cisco support article 212587 (starttls-available-but-tls-negotiation-f): "
       "the first 250 line is the greeting",
       KeywordBeforeSpTabEquals},
      {Client::kSendmail, "sendmail", ClientScope::kAfterFirstLine,
       "ehlo-lines only; keyword up to SP or '=', any case",
       "sendmail 8.17.1.9 sendmail/usersmtp.c:459-466 (line 1 skipped), 482-487 (cut at SP or =), "
       "513-515 (case-insensitive STARTTLS)",
       KeywordBeforeSpEquals},
      {Client::kPythonSmtplib, "python_smtplib", ClientScope::kAfterFirstLine,
       "ehlo-lines only; leading run of [A-Za-z0-9-], any case",
       "cpython 3.11.7 Lib/smtplib.py:465-466 (line 1 dropped), 485 (keyword regex "
       "[A-Za-z0-9][A-Za-z0-9-]*), 487 (lower-cased)",
       LeadingAlnumDashRun},
      {Client::kGoNetSmtp, "go_net_smtp", ClientScope::kAfterFirstLine,
       "ehlo-lines only; text up to the first SP, any case",
       "go master src/net/smtp/smtp.go:139 (line 1 dropped), 141 (strings.Cut at SP), 142 "
       "(upper-cased; Go <= 1.19 kept the case)",
       WordBeforeFirstSpace},
      {Client::kJakartaMail, "jakarta_mail", ClientScope::kAfterFirstLine,
       "ehlo-lines only; text up to the first SP, any case",
       "jakartaee/mail-api 2.0.0 com/sun/mail/smtp/SMTPTransport.java:1692-1697 (line 1 skipped), "
       "1701-1706 (cut at SP), 1710 (upper-cased)",
       WordBeforeFirstSpace},
      {Client::kExim, "exim", ClientScope::kAfterFirstLine,
       "ehlo-lines only; '250', SP/TAB/'-', upper-case STARTTLS, then whitespace or line end",
       "exim 4.96 src/src/transports/smtp.c:260 (regex \\n250[\\s\\-]STARTTLS(\\s|\\n|$)), 278 "
       "(case-sensitive), 1851 (matched over the whole reply)",
       EximPattern},
      {Client::kOpensmtpd, "opensmtpd", ClientScope::kEveryLine,
       "every line; text exactly STARTTLS",
       "OpenSMTPD 6.8.0p2 usr.sbin/smtpd/mta_session.c:1270-1279 (every line, strcmp after the "
       "4-byte code)",
       TextIsExactly},
      {Client::kSwaks, "swaks", ClientScope::kEveryLine, "every line; text exactly STARTTLS",
       "swaks v20201014.0 swaks:916-924 (every line, text eq STARTTLS)", TextIsExactly},
      {Client::kCurl, "curl", ClientScope::kEveryLine,
       "every line; text starts with STARTTLS, any case",
       "curl lib/smtp.c:904-909 (smtp_state_ehlo_resp, every line, 8-byte prefix; case-insensitive "
       "since curl PR #18589, 2025)",
       TextStartsWithAnyCase},
      {Client::kMsmtp, "msmtp", ClientScope::kEveryLine,
       "every line; text starts with STARTTLS, any case",
       "msmtp src/smtp.c smtp_init(): every line from the list head, upper-cased, 8-byte prefix",
       TextStartsWithAnyCase},
      {Client::kTestssl, "testssl", ClientScope::kEveryLine,
       "every line; line starts '250-STARTTLS' or '250 STARTTLS'",
       "testssl.sh v3.0.8 testssl.sh:10341 (^250[ -]STARTTLS per line), 10264/10283 (match)",
       TestsslPattern},
      {Client::kZgrab2, "zgrab2", ClientScope::kRawReply, "raw reply contains STARTTLS",
       "zgrab2 master modules/smtp/scanner.go (~309: strings.Contains over the whole EHLO reply)",
       ContainsAnywhere},
      {Client::kOpensslSClient, "openssl_s_client", ClientScope::kRawReply,
       "raw reply contains STARTTLS",
       "openssl 3.0.22 apps/s_client.c:2286-2291 (strstr STARTTLS on every line read)",
       ContainsAnywhere},
  }};
  return rules;
}

// Every rule needs the word STARTTLS, in some case, on the line or in the reply it matches, so
// only the lines that hold it are put to the line rules (a reply has one such line, or none).
ClientViews ComputeClientViews(const Reply& ehlo) {
  ClientViews views;
  const auto& rules = ClientRules();
  for (const ClientRule& rule : rules) {
    if (rule.scope == ClientScope::kRawReply && rule.offers(ehlo.raw)) views.Set(rule.client);
  }
  for (size_t i = 0; i < ehlo.lines.size(); ++i) {
    std::string_view line = ehlo.Line(i);
    if (!ContainsIgnoreCase(line, kStarttls)) continue;
    for (const ClientRule& rule : rules) {
      if (rule.scope == ClientScope::kRawReply) continue;
      if (rule.scope == ClientScope::kAfterFirstLine && i == 0) continue;
      if (rule.offers(line)) views.Set(rule.client);
    }
  }
  return views;
}

}  // namespace starttls
