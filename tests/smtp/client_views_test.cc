// docs/rules.md §4 client views: one reply per distinguishing case, with the exact set of clients
// that see STARTTLS offered.
#include "scanner/smtp/client_views.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace starttls {
namespace {

std::set<std::string> Seeing(std::string_view ehlo) {
  std::string trailing;
  Reply reply = FrameWholeReply(ehlo, &trailing);
  EXPECT_TRUE(reply.complete()) << ehlo;
  ClientViews views = ComputeClientViews(reply);
  std::set<std::string> names;
  for (const ClientRule& rule : ClientRules()) {
    if (views.Sees(rule.client)) names.emplace(rule.name);
  }
  return names;
}

const std::set<std::string> kAll = {
    "postfix",      "cisco_esa", "sendmail",  "python_smtplib",  "go_net_smtp",
    "jakarta_mail", "exim",      "opensmtpd", "swaks",           "curl",
    "msmtp",        "testssl",   "zgrab2",    "openssl_s_client"};
const std::set<std::string> kEveryLineReaders = {
    "opensmtpd", "swaks", "curl", "msmtp", "testssl", "zgrab2", "openssl_s_client"};

TEST(ClientViews, TableHasEveryClientOnceInEnumOrder) {
  const auto& rules = ClientRules();
  std::set<std::string> names;
  for (size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(rules[i].client), i);
    EXPECT_FALSE(rules[i].source.empty());
    names.emplace(rules[i].name);
  }
  EXPECT_EQ(names, kAll);
}

TEST(ClientViews, PlainCompliantReplyIsSeenByAll) {
  EXPECT_EQ(Seeing("250-mx\r\n250 STARTTLS\r\n"), kAll);
}

TEST(ClientViews, MisorderedIsSeenOnlyByEveryLineReaders) {
  EXPECT_EQ(Seeing("250-STARTTLS\r\n250-mx\r\n250 SIZE 1\r\n"), kEveryLineReaders);
}

TEST(ClientViews, NoneWhenAbsent) {
  EXPECT_EQ(Seeing("250-mx\r\n250 SIZE 1\r\n"), std::set<std::string>{});
}

TEST(ClientViews, LowercaseKeyword) {
  // Exact-match, upper-case-only and raw-substring readers miss it.
  EXPECT_EQ(Seeing("250-mx\r\n250 starttls\r\n"),
            (std::set<std::string>{"postfix", "cisco_esa", "sendmail", "python_smtplib",
                                   "go_net_smtp", "jakarta_mail", "curl", "msmtp"}));
}

TEST(ClientViews, TabAfterKeyword) {
  // TAB ends the keyword for postfix/cisco; sendmail, go and jakarta read "STARTTLS\tx" whole.
  EXPECT_EQ(Seeing("250-mx\r\n250 STARTTLS\tx\r\n"),
            (std::set<std::string>{"postfix", "cisco_esa", "python_smtplib", "exim", "curl",
                                   "msmtp", "testssl", "zgrab2", "openssl_s_client"}));
}

TEST(ClientViews, EqualsAfterKeyword) {
  EXPECT_EQ(Seeing("250-mx\r\n250 STARTTLS=x\r\n"),
            (std::set<std::string>{"postfix", "cisco_esa", "sendmail", "python_smtplib", "curl",
                                   "msmtp", "testssl", "zgrab2", "openssl_s_client"}));
}

TEST(ClientViews, SpaceAndParameter) {
  EXPECT_EQ(Seeing("250-mx\r\n250 STARTTLS required\r\n"),
            (std::set<std::string>{"postfix", "cisco_esa", "sendmail", "python_smtplib",
                                   "go_net_smtp", "jakarta_mail", "exim", "curl", "msmtp",
                                   "testssl", "zgrab2", "openssl_s_client"}));
}

TEST(ClientViews, KeywordPrefixOfLongerWord) {
  // Only prefix readers and substring readers are fooled.
  EXPECT_EQ(Seeing("250-mx\r\n250 STARTTLSX\r\n"),
            (std::set<std::string>{"curl", "msmtp", "testssl", "zgrab2", "openssl_s_client"}));
}

TEST(ClientViews, PunctuationEndsPythonsRun) {
  EXPECT_EQ(Seeing("250-mx\r\n250 STARTTLS;\r\n"),
            (std::set<std::string>{"python_smtplib", "curl", "msmtp", "testssl", "zgrab2",
                                   "openssl_s_client"}));
}

TEST(ClientViews, EximNeeds250AndUpperCase) {
  EXPECT_EQ(Seeing("251-mx\r\n251 STARTTLS\r\n"),
            (std::set<std::string>{"postfix", "cisco_esa", "sendmail", "python_smtplib",
                                   "go_net_smtp", "jakarta_mail", "opensmtpd", "swaks", "curl",
                                   "msmtp", "zgrab2", "openssl_s_client"}));
  EXPECT_TRUE(Seeing("250-mx\r\n250 STARTTLS\r\r\n").count("exim"))
      << "a stray CR is whitespace to PCRE";
  EXPECT_TRUE(Seeing("250-mx\r\n250 STARTTLS\r\r\n").count("zgrab2"));
  EXPECT_FALSE(Seeing("250-mx\r\n250 STARTTLS\r\r\n").count("opensmtpd"));
}

TEST(ClientViews, MentionInsideTextOnlyForSubstringReaders) {
  EXPECT_EQ(Seeing("250-mx.example supports STARTTLS\r\n250 SIZE 1\r\n"),
            (std::set<std::string>{"zgrab2", "openssl_s_client"}));
  EXPECT_EQ(Seeing("250-mx\r\n250 X-STARTTLS\r\n"),
            (std::set<std::string>{"zgrab2", "openssl_s_client"}));
}

TEST(ClientViews, TestsslNeedsUpperCaseAtLineStart) {
  EXPECT_EQ(Seeing("250-mx\r\n250  STARTTLS\r\n"),
            (std::set<std::string>{"zgrab2", "openssl_s_client"}));
}

TEST(ClientViews, SingleLineMisorderedIsSeenByEveryLineReaders) {
  EXPECT_EQ(Seeing("250 STARTTLS\r\n"), kEveryLineReaders);
}

// ComputeClientViews puts only the lines that hold STARTTLS (any case) to the line rules; on
// replies built from pieces that come close (a split word, other cases, separators, codes),
// it must agree with every rule applied to every line it reads.
TEST(ClientViews, AgreesWithEveryRuleOnEveryLine) {
  const std::vector<std::string> pieces = {
      "STARTTLS",     "starttls",   "StartTls",  "START TLS",
      "STARTTL",      "TARTTLS",    "XSTARTTLS", "STARTTLSX",
      "STARTTLS=1",   "STARTTLS\t", "STARTTLS ", " STARTTLS",
      "-STARTTLS",    "SIZE 1",     "mx",        std::string("\0STARTTLS", 9),
      "STARTTLS\xff", "8BITMIME"};
  uint32_t state = 12345;
  auto next = [&state](size_t n) {
    state = state * 1664525u + 1013904223u;
    return static_cast<size_t>(state >> 8) % n;
  };
  for (int round = 0; round < 5000; ++round) {
    size_t lines = 1 + next(4);
    std::string ehlo;
    for (size_t i = 0; i < lines; ++i) {
      std::string sep = i + 1 == lines ? "250 " : next(4) == 0 ? "251-" : "250-";
      ehlo += sep + pieces[next(pieces.size())];
      if (next(3) == 0) ehlo += pieces[next(pieces.size())];
      ehlo += "\r\n";
    }
    std::string trailing;
    Reply reply = FrameWholeReply(ehlo, &trailing);
    ASSERT_TRUE(reply.complete()) << ehlo;
    ClientViews views = ComputeClientViews(reply);
    for (const ClientRule& rule : ClientRules()) {
      bool offered = false;
      if (rule.scope == ClientScope::kRawReply) {
        offered = rule.offers(reply.raw);
      } else {
        size_t first = rule.scope == ClientScope::kAfterFirstLine ? 1 : 0;
        for (size_t i = first; i < reply.lines.size(); ++i) offered |= rule.offers(reply.Line(i));
      }
      EXPECT_EQ(views.Sees(rule.client), offered) << rule.name << " on " << ehlo;
    }
  }
}

}  // namespace
}  // namespace starttls
