// The MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) TXT records, and the tag-list syntax
// they share.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/policy/mta_sts_txt.h"
#include "scanner/policy/tls_rpt_txt.h"
#include "scanner/policy/txt_tag_list.h"

namespace starttls {
namespace {

using Records = std::vector<std::string>;

TEST(TxtTagListTest, SplitsFieldsWithSpacesAroundSeparators) {
  std::vector<TxtTag> tags;
  std::string error;
  ASSERT_TRUE(SplitTxtTags("v=STSv1 ;\tid=abc ; x-y.z=1;", &tags, &error)) << error;
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].name, "v");
  EXPECT_EQ(tags[0].value, "STSv1");
  EXPECT_EQ(tags[1].name, "id");
  EXPECT_EQ(tags[1].value, "abc");
  EXPECT_EQ(tags[2].name, "x-y.z");
  EXPECT_FALSE(SplitTxtTags("v=STSv1;;id=1", &tags, &error));
  EXPECT_EQ(error, "empty field");
  EXPECT_FALSE(SplitTxtTags("v=STSv1; id", &tags, &error));
  EXPECT_EQ(error, "field without '='");
  EXPECT_FALSE(SplitTxtTags("v=STSv1; _x=1", &tags, &error));
  EXPECT_EQ(error, "bad field name");
  EXPECT_FALSE(SplitTxtTags("", &tags, &error));
  std::string many = "v=STSv1";
  for (int i = 0; i < 40; ++i) many += "; a=1";
  EXPECT_FALSE(SplitTxtTags(many, &tags, &error));
  EXPECT_EQ(error, "too many fields");
  EXPECT_TRUE(TxtRecordHasVersion("v=STSv1", "v=STSv1"));
  EXPECT_TRUE(TxtRecordHasVersion("v=STSv1 ;id=1", "v=STSv1"));
  EXPECT_FALSE(TxtRecordHasVersion("v=STSv10; id=1", "v=STSv1"));
  EXPECT_FALSE(TxtRecordHasVersion(" v=STSv1; id=1", "v=STSv1"));
  EXPECT_FALSE(TxtRecordHasVersion("V=STSV1; id=1", "v=STSv1"));
}

TEST(MtaStsTxtTest, OneValidRecordAmongOthers) {
  MtaStsTxt txt = ParseMtaStsTxt(
      Records{"google-site-verification=xyz", "v=STSv1; id=20160831085700Z;", "v=spf1 -all"});
  EXPECT_EQ(txt.state, MtaStsTxtState::kFound);
  EXPECT_EQ(txt.id, "20160831085700Z");
  EXPECT_TRUE(txt.error.empty());
  txt = ParseMtaStsTxt(Records{"v=STSv1;id=a1;ext=val-ue!"});
  EXPECT_EQ(txt.state, MtaStsTxtState::kFound);
  EXPECT_EQ(txt.id, "a1");
}

TEST(MtaStsTxtTest, NoneWhenNoRecordHasTheVersion) {
  EXPECT_EQ(ParseMtaStsTxt(Records{}).state, MtaStsTxtState::kNone);
  EXPECT_EQ(ParseMtaStsTxt(Records{"v=spf1 -all", "v=STSv10; id=1", "id=1; v=STSv1"}).state,
            MtaStsTxtState::kNone);
}

TEST(MtaStsTxtTest, Errors) {
  struct Case {
    Records records;
    const char* error;
  } cases[] = {
      {{"v=STSv1; id=1", "v=STSv1; id=2"}, "more than one v=STSv1 TXT record"},
      {{"v=STSv1"}, "TXT record: no id"},
      {{"v=STSv1;"}, "TXT record: no id"},
      {{"v=STSv1; id="}, "TXT record: id is not 1-32 letters and digits"},
      {{"v=STSv1; id=2024-01-01"}, "TXT record: id is not 1-32 letters and digits"},
      {{"v=STSv1; id=" + std::string(33, 'a')}, "TXT record: id is not 1-32 letters and digits"},
      {{"v=STSv1; id=1; id=2"}, "TXT record: more than one id"},
      {{"v=STSv1 x; id=1"}, "TXT record: bad version field"},
      {{"v=STSv1; id=1; ext=a b"}, "TXT record: bad extension value"},
      {{"v=STSv1; id=1;; "}, "TXT record: empty field"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.records[0]);
    const MtaStsTxt txt = ParseMtaStsTxt(c.records);
    EXPECT_EQ(txt.state, MtaStsTxtState::kError);
    EXPECT_EQ(txt.error, c.error);
    EXPECT_TRUE(txt.id.empty());
  }
  // Exactly 32 is fine.
  EXPECT_EQ(ParseMtaStsTxt(Records{"v=STSv1; id=" + std::string(32, 'Z')}).state,
            MtaStsTxtState::kFound);
}

TEST(TlsRptTxtTest, RuaListOfMailtoAndHttps) {
  TlsRptTxt txt = ParseTlsRptTxt(
      Records{"v=spf1 -all",
              "v=TLSRPTv1; rua=mailto:tlsrpt@example.org , https://reports.example.org/v1/tlsrpt"});
  EXPECT_EQ(txt.state, TlsRptState::kOk);
  EXPECT_EQ(txt.rua, (std::vector<std::string>{"mailto:tlsrpt@example.org",
                                               "https://reports.example.org/v1/tlsrpt"}));
  EXPECT_EQ(TlsRptStateName(txt.state), "ok");
  // Other schemes are skipped; a query string with '=' stays whole; extensions tolerated.
  txt = ParseTlsRptTxt(Records{"v=TLSRPTv1;rua=ftp://x.example,HTTPS://r.example/?a=b;x=1"});
  EXPECT_EQ(txt.state, TlsRptState::kOk);
  EXPECT_EQ(txt.rua, (std::vector<std::string>{"HTTPS://r.example/?a=b"}));
}

TEST(TlsRptTxtTest, NoneAndErrors) {
  EXPECT_EQ(ParseTlsRptTxt(Records{"v=STSv1; id=1"}).state, TlsRptState::kNone);
  EXPECT_EQ(TlsRptStateName(TlsRptState::kNone), "none");
  struct Case {
    Records records;
    const char* error;
  } cases[] = {
      // RFC 8460 §3: more than one record means the domain does not implement TLS-RPT.
      {{"v=TLSRPTv1; rua=mailto:a@b", "v=TLSRPTv1; rua=mailto:c@d"},
       "more than one v=TLSRPTv1 TXT record"},
      {{"v=TLSRPTv1"}, "TXT record: no rua"},
      {{"v=TLSRPTv1; rua=ftp://x"}, "TXT record: no mailto: or https: URI in rua"},
      {{"v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d"}, "TXT record: more than one rua"},
      {{"v=TLSRPTv1; rua=mailto:a@b,,mailto:c@d"}, "TXT record: malformed rua URI"},
      {{"v=TLSRPTv1; rua=mailto:"}, "TXT record: malformed rua URI"},
      {{"v=TLSRPTv1; rua=mailto:a b"}, "TXT record: malformed rua URI"},
      {{"v=TLSRPTv1; rua=" + std::string("https://x/") + std::string(3000, 'a')},
       "TXT record: malformed rua URI"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.records[0]);
    const TlsRptTxt txt = ParseTlsRptTxt(c.records);
    EXPECT_EQ(txt.state, TlsRptState::kError);
    EXPECT_EQ(txt.error, c.error);
    EXPECT_TRUE(txt.rua.empty());
  }
  // At most kMaxTlsRptUris are kept.
  std::string many = "v=TLSRPTv1; rua=mailto:a@b";
  for (int i = 0; i < 30; ++i) many += ",mailto:a" + std::to_string(i) + "@b";
  EXPECT_EQ(ParseTlsRptTxt(Records{many}).rua.size(), kMaxTlsRptUris);
}

}  // namespace
}  // namespace starttls
