#include "scanner/smtp/client_views.h"

#include "scanner/smtp/ascii.h"

namespace starttls {
namespace {

constexpr std::string_view kStarttls = "STARTTLS";

// "Text" of SPEC §4: what follows the code and its separator.
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
    bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-';
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

bool ContainsAnywhere(std::string_view raw) { return raw.find(kStarttls) != std::string_view::npos; }

}  // namespace

// One row per client; `source` names the file and line where that client's rule can be read.
const std::array<ClientRule, kClientCount>& ClientRules() {
  static const std::array<ClientRule, kClientCount> rules = {{
      {Client::kPostfix, "postfix", ClientScope::kAfterFirstLine,
       "ehlo-lines only; keyword up to SP, TAB or '=', any case",
       "postfix src/smtp/smtp_proto.c", KeywordBeforeSpTabEquals},
      {Client::kCiscoEsa, "cisco_esa", ClientScope::kAfterFirstLine,
       "ehlo-lines only; keyword up to SP, TAB or '=', any case",
       "Cisco support article 212587 (closed source)", KeywordBeforeSpTabEquals},
      {Client::kSendmail, "sendmail", ClientScope::kAfterFirstLine,
       "ehlo-lines only; keyword up to SP or '=', any case",
       "sendmail sendmail/usersmtp.c", KeywordBeforeSpEquals},
      {Client::kPythonSmtplib, "python_smtplib", ClientScope::kAfterFirstLine,
       "ehlo-lines only; leading run of [A-Za-z0-9-], any case",
       "cpython Lib/smtplib.py", LeadingAlnumDashRun},
      {Client::kGoNetSmtp, "go_net_smtp", ClientScope::kAfterFirstLine,
       "ehlo-lines only; text up to the first SP, any case",
       "go src/net/smtp/smtp.go", WordBeforeFirstSpace},
      {Client::kJakartaMail, "jakarta_mail", ClientScope::kAfterFirstLine,
       "ehlo-lines only; text up to the first SP, any case",
       "jakarta mail SMTPTransport.java", WordBeforeFirstSpace},
      {Client::kExim, "exim", ClientScope::kAfterFirstLine,
       "ehlo-lines only; '250', SP/TAB/'-', upper-case STARTTLS, then whitespace or line end",
       "exim src/transports/smtp.c", EximPattern},
      {Client::kOpensmtpd, "opensmtpd", ClientScope::kEveryLine,
       "every line; text exactly STARTTLS", "opensmtpd usr.sbin/smtpd/mta_session.c", TextIsExactly},
      {Client::kSwaks, "swaks", ClientScope::kEveryLine, "every line; text exactly STARTTLS",
       "swaks", TextIsExactly},
      {Client::kCurl, "curl", ClientScope::kEveryLine,
       "every line; text starts with STARTTLS, any case", "curl lib/smtp.c",
       TextStartsWithAnyCase},
      {Client::kMsmtp, "msmtp", ClientScope::kEveryLine,
       "every line; text starts with STARTTLS, any case", "msmtp src/smtp.c",
       TextStartsWithAnyCase},
      {Client::kTestssl, "testssl", ClientScope::kEveryLine,
       "every line; line starts '250-STARTTLS' or '250 STARTTLS'", "testssl.sh",
       TestsslPattern},
      {Client::kZgrab2, "zgrab2", ClientScope::kRawReply, "raw reply contains STARTTLS",
       "zgrab2 modules/smtp/scanner.go", ContainsAnywhere},
      {Client::kOpensslSClient, "openssl_s_client", ClientScope::kRawReply,
       "raw reply contains STARTTLS", "openssl apps/s_client.c", ContainsAnywhere},
  }};
  return rules;
}

ClientViews ComputeClientViews(const Reply& ehlo) {
  ClientViews views;
  for (const ClientRule& rule : ClientRules()) {
    bool offered = false;
    if (rule.scope == ClientScope::kRawReply) {
      offered = rule.offers(ehlo.raw);
    } else {
      size_t first = rule.scope == ClientScope::kAfterFirstLine ? 1 : 0;
      for (size_t i = first; i < ehlo.lines.size() && !offered; ++i) {
        offered = rule.offers(ehlo.Line(i));
      }
    }
    if (offered) views.Set(rule.client);
  }
  return views;
}

}  // namespace starttls
