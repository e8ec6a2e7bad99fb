// docs/rules.md §4 client views: one reply per distinguishing case, with the exact set of clients
// that see STARTTLS offered.
#include "scanner/smtp/client_views.h"

#include <set>
#include <string>

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

}  // namespace
}  // namespace starttls
