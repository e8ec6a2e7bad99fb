// How each widely used SMTP client decides whether an EHLO reply offers STARTTLS (docs/rules.md §4,
// "Client views"). Each rule lives once, in the table in client_views.cc, next to the place in
// that client's source that shows it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "scanner/smtp/reply_framer.h"

namespace starttls {

enum class Client : uint8_t {
  kPostfix,
  kCiscoEsa,
  kSendmail,
  kPythonSmtplib,
  kGoNetSmtp,
  kJakartaMail,
  kExim,
  kOpensmtpd,
  kSwaks,
  kCurl,
  kMsmtp,
  kTestssl,
  kZgrab2,
  kOpensslSClient,
  kCount,
};

inline constexpr size_t kClientCount = static_cast<size_t>(Client::kCount);

// Which lines of the reply a client looks at.
enum class ClientScope : uint8_t {
  kAfterFirstLine,  // RFC 5321 grammar: line 1 is the greeting
  kEveryLine,
  kRawReply,  // a substring search over the reply bytes
};

struct ClientRule {
  Client client;
  std::string_view name;  // the key in the output's `clients` map
  ClientScope scope;
  std::string_view rule;    // the rule in words, for humans (`classify --raw`)
  std::string_view source;  // where the client's source shows it
  // For line scopes: does this line (whole line, line end excluded) offer STARTTLS?
  // For kRawReply: does the reply's raw bytes contain it?
  bool (*offers)(std::string_view line);
};

const std::array<ClientRule, kClientCount>& ClientRules();

// Bit i set when client i would see STARTTLS offered in this (2xx) reply.
class ClientViews {
 public:
  void Set(Client client) { bits_ |= 1u << static_cast<unsigned>(client); }
  bool Sees(Client client) const { return (bits_ & (1u << static_cast<unsigned>(client))) != 0; }
  friend bool operator==(ClientViews, ClientViews) = default;

 private:
  uint32_t bits_ = 0;
};

ClientViews ComputeClientViews(const Reply& ehlo);

}  // namespace starttls
