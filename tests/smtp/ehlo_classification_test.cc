// docs/rules.md §4: classes and every anomaly, each asserted on the full sorted anomaly list.
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/smtp/classify_test_util.h"

namespace starttls {
namespace {

using testing::AnomalyNames;
using testing::MakeConversation;
using Names = std::vector<std::string>;

constexpr std::string_view kBanner = "220 mx.example ESMTP ready\r\n";

struct Expectation {
  ScanStatus status;
  std::optional<EhloClass> cls;
  Names anomalies;
};

void ExpectVerdict(const Conversation& conversation, const Expectation& expected) {
  ConversationVerdict verdict = JudgeConversation(conversation);
  EXPECT_EQ(ScanStatusName(verdict.status), ScanStatusName(expected.status)) << verdict.error;
  ASSERT_EQ(verdict.cls.has_value(), expected.cls.has_value());
  if (expected.cls) {
    EXPECT_EQ(EhloClassName(*verdict.cls), EhloClassName(*expected.cls));
  }
  EXPECT_EQ(AnomalyNames(verdict.anomalies), expected.anomalies);
}

void ExpectEhlo(std::string_view ehlo, std::optional<EhloClass> cls, Names anomalies,
                std::string_view banner = kBanner) {
  ExpectVerdict(MakeConversation(banner, ehlo), {ScanStatus::kSuccess, cls, anomalies});
}

TEST(EhloClass, CompliantWhenAnEhloLineHasTheKeyword) {
  ExpectEhlo("250-mx.example\r\n250-SIZE 10\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {});
  ExpectEhlo("250-mx.example\r\n250-STARTTLS\r\n250 HELP\r\n", EhloClass::kCompliant, {});
  // Keyword ends at SP, TAB or '='.
  ExpectEhlo("250-mx\r\n250 STARTTLS now\r\n", EhloClass::kCompliant, {});
  ExpectEhlo("250-mx\r\n250 STARTTLS\tx\r\n", EhloClass::kCompliant, {});
  ExpectEhlo("250-mx\r\n250 STARTTLS=1\r\n", EhloClass::kCompliant, {});
}

TEST(EhloClass, MisorderedWhenOnlyTheGreetingSaysStarttls) {
  ExpectEhlo("250-STARTTLS\r\n250-mail.domain1.com\r\n250 SIZE 1\r\n",
             EhloClass::kStarttlsMisordered, {"starttls_in_greeting"});
  ExpectEhlo("250 STARTTLS\r\n", EhloClass::kStarttlsMisordered, {"starttls_in_greeting"});
  ExpectEhlo("250-STARTTLS\tmx\r\n250 SIZE 1\r\n", EhloClass::kStarttlsMisordered,
             {"starttls_in_greeting"});
}

TEST(EhloClass, GreetingAndLaterLineIsCompliantWithTheAnomaly) {
  ExpectEhlo("250-STARTTLS\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {"starttls_in_greeting"});
}

TEST(EhloClass, GreetingMentioningStarttlsLaterIsNoStarttls) {
  ExpectEhlo("250-mx.example supports STARTTLS\r\n250 SIZE 1\r\n", EhloClass::kNoStarttls, {});
  ExpectEhlo("250 mx.example STARTTLS\r\n", EhloClass::kNoStarttls, {});
  // '=' does not end the greeting's first word.
  ExpectEhlo("250-STARTTLS=yes\r\n250 SIZE 1\r\n", EhloClass::kNoStarttls, {});
}

TEST(EhloClass, NoStarttlsAtAll) {
  ExpectEhlo("250-mx\r\n250-8BITMIME\r\n250 SIZE 5\r\n", EhloClass::kNoStarttls, {});
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {});
  // Keyword must be the whole first token: these are not STARTTLS.
  ExpectEhlo("250-mx\r\n250-STARTTLSX\r\n250 XSTARTTLS\r\n", EhloClass::kNoStarttls, {});
  ExpectEhlo("250-mx\r\n250 START TLS\r\n", EhloClass::kNoStarttls, {});
}

TEST(EhloClass, EhloRejectedHeloAccepted) {
  ExpectVerdict(MakeConversation(kBanner, "500 unrecognized\r\n", "250 mx.example\r\n"),
                {ScanStatus::kSuccess, EhloClass::kNoStarttls, {"ehlo_rejected"}});
  ExpectVerdict(MakeConversation(kBanner, "502 no\r\n", "250-mx\r\n250 STARTTLS\r\n"),
                {ScanStatus::kSuccess, EhloClass::kNoStarttls, {"ehlo_rejected"}});
}

TEST(EhloClass, EhloAndHeloRejected) {
  ExpectVerdict(MakeConversation(kBanner, "500 no\r\n", "550 go away\r\n"),
                {ScanStatus::kRejected, std::nullopt, {}});
  ExpectVerdict(MakeConversation(kBanner, "500 no\r\n", "421 busy\r\n"),
                {ScanStatus::kRateLimited, std::nullopt, {}});
  ExpectVerdict(MakeConversation(kBanner, "554 no\r\n"), {ScanStatus::kRejected, std::nullopt, {}});
  ExpectVerdict(MakeConversation(kBanner, "421 later\r\n"),
                {ScanStatus::kRateLimited, std::nullopt, {}});
}

TEST(EhloClass, BannerDecidesFirst) {
  ExpectVerdict(MakeConversation("421 too busy\r\n", "250 mx\r\n"),
                {ScanStatus::kRateLimited, std::nullopt, {}});
  ExpectVerdict(MakeConversation("554 no service\r\n", "250 mx\r\n"),
                {ScanStatus::kRejected, std::nullopt, {}});
  ExpectVerdict(MakeConversation("HTTP/1.1 400 Bad Request\r\n", "250 mx\r\n"),
                {ScanStatus::kProtocolError, std::nullopt, {}});
  ExpectVerdict(MakeConversation("120 wait\r\n", "250 mx\r\n"),
                {ScanStatus::kProtocolError, std::nullopt, {}});
}

TEST(EhloClass, MalformedOrEndlessEhloIsProtocolError) {
  ExpectVerdict(MakeConversation(kBanner, "250-mx\r\nSTARTTLS\r\n250 x\r\n"),
                {ScanStatus::kProtocolError, std::nullopt, {}});
  ExpectVerdict(MakeConversation(kBanner, "250-mx\r\n250-SIZE 1\r\n"),
                {ScanStatus::kProtocolError, std::nullopt, {}});
  std::string endless;
  for (int i = 0; i < 1200; ++i) endless += "250-KEYWORD" + std::to_string(i) + "\r\n";
  ExpectVerdict(MakeConversation(kBanner, endless),
                {ScanStatus::kProtocolError, std::nullopt, {"reply_truncated"}});
}

TEST(Anomaly, GreetingIsKeyword) {
  ExpectEhlo("250-8BITMIME\r\n250 SIZE 1\r\n", EhloClass::kNoStarttls, {"greeting_is_keyword"});
  ExpectEhlo("250-pipelining\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {"greeting_is_keyword"});
  ExpectEhlo("250-SIZE 1000\r\n250 HELP\r\n", EhloClass::kNoStarttls, {"greeting_is_keyword"});
  // STARTTLS itself is reported as starttls_in_greeting instead; X-keywords are never registered.
  ExpectEhlo("250-STARTTLS\r\n250 SIZE 1\r\n", EhloClass::kStarttlsMisordered,
             {"starttls_in_greeting"});
  ExpectEhlo("250-XCLIENT\r\n250 SIZE 1\r\n", EhloClass::kNoStarttls, {});
}

TEST(Anomaly, StarttlsMasked) {
  ExpectEhlo("250-mx\r\n250 XXXXXXXA\r\n", EhloClass::kNoStarttls, {"starttls_masked"});
  ExpectEhlo("250-mx\r\n250-XXXXXXXX\r\n250 SIZE 1\r\n", EhloClass::kNoStarttls,
             {"starttls_masked"});
  ExpectEhlo("250 XXXXXXXA\r\n", EhloClass::kNoStarttls, {"starttls_masked"});
  ExpectEhlo("250-mx\r\n250 XXXXXXXA extra\r\n", EhloClass::kNoStarttls, {"starttls_masked"});
  // Not the pattern: 7 or 9 characters, lower case, other last letter.
  ExpectEhlo("250-mx\r\n250-XXXXXXA\r\n250-XXXXXXXXA\r\n250-xxxxxxxa\r\n250 XXXXXXXB\r\n",
             EhloClass::kNoStarttls, {});
}

TEST(Anomaly, BannerMasked) {
  ExpectEhlo("250-mx\r\n250 XXXXXXXA\r\n", EhloClass::kNoStarttls,
             {"banner_masked", "no_esmtp_in_banner", "starttls_masked"},
             "220 **************************\r\n");
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls,
             {"banner_masked", "bare_lf", "no_esmtp_in_banner"}, "220 *** *\t*\n");
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {"no_esmtp_in_banner"}, "220 ***x**\r\n");
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {"no_esmtp_in_banner"},
             "220-****\r\n220 ****\r\n");
}

TEST(Anomaly, StarttlsLowercase) {
  ExpectEhlo("250-mx\r\n250 starttls\r\n", EhloClass::kCompliant, {"starttls_lowercase"});
  ExpectEhlo("250-mx\r\n250 StartTLS\r\n", EhloClass::kCompliant, {"starttls_lowercase"});
  // Line 1 is the greeting, not an ehlo-line: its lower-case starttls sets only
  // starttls_in_greeting (docs/rules.md §4).
  ExpectEhlo("250-starttls\r\n250 SIZE 1\r\n", EhloClass::kStarttlsMisordered,
             {"starttls_in_greeting"});
  ExpectEhlo("250 StartTls\r\n", EhloClass::kStarttlsMisordered, {"starttls_in_greeting"});
  // A lower-case ehlo-line beside an upper-case greeting still counts.
  ExpectEhlo("250-STARTTLS\r\n250 starttls\r\n", EhloClass::kCompliant,
             {"starttls_in_greeting", "starttls_lowercase"});
}

TEST(Anomaly, DuplicateKeyword) {
  ExpectEhlo("250-mx\r\n250-AUTH PLAIN\r\n250 auth LOGIN\r\n", EhloClass::kNoStarttls,
             {"duplicate_keyword"});
  ExpectEhlo("250-mx\r\n250-AUTH PLAIN\r\n250 AUTH=PLAIN\r\n", EhloClass::kNoStarttls, {});
  ExpectEhlo("250-mx\r\n250-STARTTLS\r\n250 STARTTLS\r\n", EhloClass::kCompliant,
             {"duplicate_keyword"});
  // The greeting is not an ehlo-line.
  ExpectEhlo("250-SIZE\r\n250 SIZE 1\r\n", EhloClass::kNoStarttls, {"greeting_is_keyword"});
  // A prefix of another keyword is another keyword.
  ExpectEhlo("250-mx\r\n250-X-A\r\n250-X-AB\r\n250 x-a\r\n", EhloClass::kNoStarttls,
             {"duplicate_keyword"});
  ExpectEhlo("250-mx\r\n250-X-AB\r\n250 X-A\r\n", EhloClass::kNoStarttls, {});
}

// A reply at the framer's cap: 1,000 lines, all distinct, or with one pair far apart that
// differs only in case (the check must find it wherever it is, and fast: it runs on the loop).
TEST(Anomaly, DuplicateKeywordInAThousandLines) {
  auto reply = [](std::string_view last) {
    std::string ehlo = "250-mx\r\n250-X-LAB-KEY-0001\r\n";
    for (int i = 2; i < 999; ++i) {
      char line[32];
      std::snprintf(line, sizeof line, "250-X-LAB-KEY-%04d\r\n", i);
      ehlo += line;
    }
    return ehlo + "250 " + std::string(last) + "\r\n";
  };
  ExpectEhlo(reply("STARTTLS"), EhloClass::kCompliant, {});
  ExpectEhlo(reply("x-lab-key-0001"), EhloClass::kNoStarttls, {"duplicate_keyword"});
}

TEST(Anomaly, FramingAnomaliesOfEveryReply) {
  ExpectEhlo("250-mx\n250 STARTTLS\n", EhloClass::kCompliant, {"bare_lf"});
  ExpectEhlo("250-mx\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {"bare_lf"}, "220 mx ESMTP\n");
  ExpectEhlo("250-mx\r\n220 STARTTLS\r\n", EhloClass::kCompliant, {"mixed_reply_codes"});
  ExpectEhlo("250-mx " + std::string(600, 'g') + "\r\n250 STARTTLS\r\n", EhloClass::kCompliant,
             {"line_too_long"});
  ExpectEhlo("250-mx\r\n250 STARTTLS\r\n250 again\r\n", EhloClass::kCompliant, {"trailing_data"});
  ExpectEhlo("250-mx\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {"trailing_data"},
             "220 mx ESMTP\r\n250 early\r\n");
  ExpectVerdict(MakeConversation(kBanner, "500 no\r\n", "250 mx\n"),
                {ScanStatus::kSuccess, EhloClass::kNoStarttls, {"bare_lf", "ehlo_rejected"}});
}

TEST(Anomaly, NonAscii) {
  ExpectEhlo("250-mx \xc3\xa9t\xc3\xa9\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {"non_ascii"});
  ExpectEhlo("250-mx\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {"non_ascii"},
             "220 mx ESMTP \x01\r\n");
  ExpectEhlo("250-mx\tok\r\n250 STARTTLS\r\n", EhloClass::kCompliant, {});
  constexpr char kWithNul[] = "250-mx\0\r\n250 STARTTLS\r\n";
  ExpectEhlo(std::string(kWithNul, sizeof(kWithNul) - 1), EhloClass::kCompliant, {"non_ascii"});
}

TEST(Anomaly, NoEsmtpInBanner) {
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {"no_esmtp_in_banner"}, "220 mx SMTP ready\r\n");
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {"no_esmtp_in_banner"},
             "220 mx esmtp ready\r\n");
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {}, "220-mx\r\n220 ESMTP\r\n");
  // No banner captured (transcripts): nothing to judge.
  ExpectEhlo("250 mx\r\n", EhloClass::kNoStarttls, {}, "");
}

TEST(EhloAnalysis, GreetingAndKeywords) {
  std::string trailing;
  Reply reply = FrameWholeReply(
      "250-mx.example Hello [1.2.3.4]\r\n250-SIZE 1000\r\n250-AUTH=PLAIN LOGIN\r\n"
      "250-8BITMIME\r\n250 STARTTLS\r\n",
      &trailing);
  EhloAnalysis analysis = AnalyzeEhlo(reply);
  EXPECT_EQ(analysis.greeting, "mx.example");
  ASSERT_EQ(analysis.keywords.size(), 4u);
  EXPECT_EQ(analysis.keywords[0].keyword, "SIZE");
  EXPECT_EQ(analysis.keywords[0].params, "1000");
  EXPECT_EQ(analysis.keywords[1].keyword, "AUTH");
  EXPECT_EQ(analysis.keywords[1].params, "PLAIN LOGIN");
  EXPECT_EQ(analysis.keywords[2].params, "");
  EXPECT_TRUE(ListsStarttls(reply));
}

TEST(AnomalyNames, AreSortedSoSetsPrintSorted) {
  for (size_t i = 1; i < kAnomalyNames.size(); ++i) {
    EXPECT_LT(kAnomalyNames[i - 1], kAnomalyNames[i]);
  }
  for (std::string_view name : kAnomalyNames) {
    ASSERT_TRUE(AnomalyFromName(name).has_value());
    EXPECT_EQ(AnomalyName(*AnomalyFromName(name)), name);
  }
}

}  // namespace
}  // namespace starttls
