// MTA-STS MX patterns (RFC 8461 §4.1): exact or one-label wildcard, any case.
#include "scanner/policy/mx_pattern.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

TEST(MxPatternTest, ExactMatchIgnoresCaseAndTrailingDots) {
  EXPECT_TRUE(MxPatternMatches("mx.example.com", "mx.example.com"));
  EXPECT_TRUE(MxPatternMatches("MX.Example.COM", "mx.example.com"));
  EXPECT_TRUE(MxPatternMatches("mx.example.com.", "mx.example.com"));
  EXPECT_TRUE(MxPatternMatches("mx.example.com", "MX.EXAMPLE.COM."));
  EXPECT_FALSE(MxPatternMatches("mx.example.com", "mx2.example.com"));
  EXPECT_FALSE(MxPatternMatches("mx.example.com", "x.mx.example.com"));
  EXPECT_FALSE(MxPatternMatches("example.com", "mx.example.com"));
  EXPECT_FALSE(MxPatternMatches("", ""));
  EXPECT_FALSE(MxPatternMatches(".", "."));
}

TEST(MxPatternTest, WildcardStandsForExactlyOneLeftmostLabel) {
  EXPECT_TRUE(MxPatternMatches("*.example.com", "mx.example.com"));
  EXPECT_TRUE(MxPatternMatches("*.Example.com", "MX.example.COM."));
  EXPECT_FALSE(MxPatternMatches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(MxPatternMatches("*.example.com", "example.com"));
  EXPECT_FALSE(MxPatternMatches("*.example.com", ".example.com"));
  EXPECT_FALSE(MxPatternMatches("*.example.com", "mx.example.org"));
  EXPECT_FALSE(MxPatternMatches("*.example.com", "mxexample.com"));
  // Only a leading "*." is a wildcard; anything else is a literal that cannot match a name.
  EXPECT_FALSE(MxPatternMatches("mx*.example.com", "mx1.example.com"));
  EXPECT_FALSE(MxPatternMatches("*example.com", "mxexample.com"));
  EXPECT_FALSE(MxPatternMatches("*.", "mx."));
  EXPECT_FALSE(MxPatternMatches("mx.*.example.com", "mx.a.example.com"));
}

TEST(MxPatternTest, CoveredBySomePattern) {
  const std::vector<std::string> patterns = {"mail.example.net", "*.example.com"};
  EXPECT_TRUE(MxCoveredByPolicy(patterns, "mail.example.net"));
  EXPECT_TRUE(MxCoveredByPolicy(patterns, "mx1.example.com"));
  EXPECT_FALSE(MxCoveredByPolicy(patterns, "mx.mail.example.net"));
  EXPECT_FALSE(MxCoveredByPolicy({}, "mx1.example.com"));
}

}  // namespace
}  // namespace starttls
