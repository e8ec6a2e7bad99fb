#include "scanner/classify/raw_explanation.h"

#include <vector>

#include "scanner/classify/transcript.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/smtp/conversation.h"

namespace starttls {
namespace {

constexpr size_t kMaxPaste = 1 << 20;

// Server bytes shown on a terminal: printable ASCII as is, anything else as \xNN.
std::string Printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

std::string ClientList(const ClientViews& views, bool sees) {
  std::string list;
  for (const ClientRule& rule : ClientRules()) {
    if (views.Sees(rule.client) != sees) continue;
    list += "    " + std::string(rule.name) + ": " + std::string(rule.rule) + "\n";
  }
  return list.empty() ? "    (none)\n" : list;
}

// The reply as it should read: the greeting first, STARTTLS as an ehlo-line.
std::string SuggestedOrder(const Reply& reply) {
  std::vector<std::string_view> texts;
  for (size_t i = 0; i < reply.lines.size(); ++i) texts.push_back(reply.Text(i));
  // Line 1 is STARTTLS; if line 2 is the host name, swap them, else a name must be added.
  std::vector<std::string> fixed;
  bool second_is_name = texts.size() > 1 && FirstWord(texts[1]).find('.') != std::string::npos;
  if (second_is_name) {
    fixed.emplace_back(texts[1]);
    fixed.emplace_back(texts[0]);
    for (size_t i = 2; i < texts.size(); ++i) fixed.emplace_back(texts[i]);
  } else {
    fixed.emplace_back("mail.example.org (your server's name)");
    for (std::string_view text : texts) fixed.emplace_back(text);
  }
  std::string out;
  for (size_t i = 0; i < fixed.size(); ++i) {
    out += "    250" + std::string(i + 1 < fixed.size() ? "-" : " ") + Printable(fixed[i]) + "\n";
  }
  return out;
}

std::string Fix(const ConversationVerdict& verdict, const Reply& reply) {
  if (verdict.cls == EhloClass::kStarttlsMisordered) {
    return "How to fix: the first line of a 250 reply is the server's greeting (its name),\n"
           "never a capability (RFC 5321 section 4.1.1.1). Put STARTTLS on a later line:\n" +
           SuggestedOrder(reply);
  }
  if (verdict.anomalies.Has(Anomaly::kStarttlsMasked)) {
    return "How to fix: a firewall (Cisco ASA/PIX 'inspect esmtp') replaces STARTTLS with\n"
           "XXXXXXXA. Turn that inspection off so the server's STARTTLS reaches clients.\n";
  }
  if (verdict.cls == EhloClass::kNoStarttls) {
    return "How to fix: enable STARTTLS on the server and list it after the greeting line.\n";
  }
  if (verdict.anomalies.Has(Anomaly::kStarttlsLowercase)) {
    return "Note: write STARTTLS in upper case; some clients compare it exactly.\n";
  }
  return "";
}

}  // namespace

std::string ExplainEhloReply(std::string_view bytes) {
  std::string input(bytes);
  // A paste usually lacks the last line end.
  if (!input.empty() && input.back() != '\n') input.push_back('\n');
  Conversation conversation;
  conversation.ehlo = CaptureReply(input);
  // Blank lines after a pasted reply are not the server's trailing data.
  std::string& trailing = conversation.ehlo->trailing;
  if (trailing.find_first_not_of(" \t\r\n") == std::string::npos) trailing.clear();

  ConversationVerdict verdict = JudgeConversation(conversation);
  const Reply& reply = conversation.ehlo->reply;
  std::string out;
  if (verdict.status != ScanStatus::kSuccess) {
    out += "Verdict: " + std::string(ScanStatusName(verdict.status)) + " (" + verdict.error + ")\n";
    return out;
  }
  out += "Verdict: " + std::string(EhloClassName(*verdict.cls)) + "\n";
  out +=
      "Line 1 is the greeting (RFC 5321: never read as a capability): " + Printable(reply.Line(0)) +
      "\n";
  std::string anomalies;
  verdict.anomalies.ForEach([&](Anomaly a) {
    anomalies += (anomalies.empty() ? "" : ", ") + std::string(AnomalyName(a));
  });
  out += "Anomalies: " + (anomalies.empty() ? std::string("none") : anomalies) + "\n";
  out += "Clients that will see STARTTLS and use TLS:\n" + ClientList(verdict.ehlo->clients, true);
  out += "Clients that will NOT see STARTTLS (mail goes unencrypted):\n" +
         ClientList(verdict.ehlo->clients, false);
  out += Fix(verdict, reply);
  return out;
}

int ExplainRawEhlo(FILE* in, FILE* out) {
  std::string bytes;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), in)) > 0) {
    if (bytes.size() + n > kMaxPaste) {
      std::fprintf(stderr, "starttls-scan classify --raw: input over %zu bytes\n", kMaxPaste);
      return kExitUsage;
    }
    bytes.append(buffer, n);
  }
  if (bytes.empty()) {
    std::fprintf(stderr, "starttls-scan classify --raw: no input (paste an EHLO reply)\n");
    return kExitUsage;
  }
  std::string text = ExplainEhloReply(bytes);
  std::fwrite(text.data(), 1, text.size(), out);
  return kExitOk;
}

}  // namespace starttls
