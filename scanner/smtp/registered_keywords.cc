#include "scanner/smtp/registered_keywords.h"

#include <array>

#include "scanner/smtp/ascii.h"

namespace starttls {
namespace {

// https://www.iana.org/assignments/mail-parameters (SMTP Service Extensions), including the
// historic entries, since old servers still advertise them. "X" keywords are never
// registered (RFC 5321 §2.2.2), so none appears here.
constexpr std::array<std::string_view, 35> kRegisteredKeywords = {
    "8BITMIME", "ATRN",        "AUTH",          "BINARYMIME",
    "BURL",     "CHECKPOINT",  "CHUNKING",      "CONNEG",
    "CONPERM",  "DELIVERBY",   "DSN",           "ENHANCEDSTATUSCODES",
    "ETRN",     "EXPN",        "FUTURERELEASE", "HELP",
    "LIMITS",   "MT-PRIORITY", "MTRK",          "NO-SOLICITING",
    "ONEX",     "PIPELINING",  "REQUIRETLS",    "RRVS",
    "SAML",     "SEND",        "SIZE",          "SMTPUTF8",
    "SOML",     "STARTTLS",    "SUBMITTER",     "TURN",
    "UTF8SMTP", "VERB",        "VRFY",
};

}  // namespace

bool IsRegisteredEhloKeyword(std::string_view word) {
  for (std::string_view keyword : kRegisteredKeywords) {
    if (EqualsIgnoreCase(word, keyword)) return true;
  }
  return false;
}

}  // namespace starttls
