// docs/rules.md §8 `delivery`: every branch of the three senders, and MTA-STS's `valid`.
#include "scanner/policy/delivery_verdict.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

EndpointFacts Unreached() { return EndpointFacts{}; }
EndpointFacts Clear() {  // reached, Postfix sees no STARTTLS (missing or misordered)
  EndpointFacts e;
  e.reached = true;
  return e;
}
EndpointFacts HandshakeFails() {
  EndpointFacts e = Clear();
  e.starttls_seen = true;
  return e;
}
EndpointFacts Tls(bool trusted = true, bool name = true, bool expired = false) {
  EndpointFacts e = HandshakeFails();
  e.handshake_ok = true;
  e.trusted = trusted;
  e.name_matches = name;
  e.expired = expired;
  return e;
}

MxDeliveryFacts Mx(std::vector<EndpointFacts> endpoints, bool dane_match = false,
                   bool covered = false) {
  MxDeliveryFacts mx;
  mx.mx = "mx";
  mx.endpoints = std::move(endpoints);
  mx.dane_match = dane_match;
  mx.sts_covered = covered;
  return mx;
}

OpportunisticDelivery Opportunistic(std::vector<MxDeliveryFacts> mx) {
  DeliveryInput input;
  input.mx = std::move(mx);
  return JudgeDelivery(input).opportunistic;
}

TEST(DeliveryVerdictTest, OpportunisticTakesTheFirstReachedEndpoint) {
  EXPECT_EQ(Opportunistic({Mx({Unreached(), Tls()}), Mx({Clear()})}), OpportunisticDelivery::kTls);
  EXPECT_EQ(Opportunistic({Mx({Unreached()}), Mx({Clear(), Tls()})}),
            OpportunisticDelivery::kClear);
  // Misordered STARTTLS: reached, Postfix sees none, though a later MX would do TLS.
  EXPECT_EQ(Opportunistic({Mx({Clear()}), Mx({Tls()})}), OpportunisticDelivery::kClear);
  // A failed handshake: the sender retries in clear.
  EXPECT_EQ(Opportunistic({Mx({HandshakeFails()})}), OpportunisticDelivery::kClear);
  // Untrusted or expired certificates do not matter to an opportunistic sender.
  EXPECT_EQ(Opportunistic({Mx({Tls(false, false, true)})}), OpportunisticDelivery::kTls);
  EXPECT_EQ(Opportunistic({Mx({Unreached()}), Mx({})}), OpportunisticDelivery::kUnreachable);
  EXPECT_EQ(Opportunistic({}), OpportunisticDelivery::kUnreachable);
  EXPECT_EQ(OpportunisticDeliveryName(OpportunisticDelivery::kUnreachable), "unreachable");
  EXPECT_EQ(OpportunisticDeliveryName(OpportunisticDelivery::kClear), "clear");
}

DaneDelivery Dane(DaneState state, std::vector<MxDeliveryFacts> mx) {
  DeliveryInput input;
  input.dane_state = state;
  input.mx = std::move(mx);
  return JudgeDelivery(input).dane;
}

TEST(DeliveryVerdictTest, Dane) {
  EXPECT_EQ(Dane(DaneState::kNone, {Mx({Tls()}, true)}), DaneDelivery::kNotApplicable);
  EXPECT_EQ(Dane(DaneState::kUnusable, {Mx({Tls()}, true)}), DaneDelivery::kNotApplicable);
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({Tls()}, true)}), DaneDelivery::kTls);
  // A later MX that matches and completes TLS carries the mail.
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({Clear()}, true), Mx({Unreached(), Tls()}, true)}),
            DaneDelivery::kTls);
  // Match but no STARTTLS as Postfix sees it (misordered): TLS is required, mail defers.
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({Clear()}, true)}), DaneDelivery::kDefer);
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({HandshakeFails()}, true)}), DaneDelivery::kDefer);
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({Tls()}, false)}), DaneDelivery::kDefer);
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({Unreached()}, true)}), DaneDelivery::kDefer);
  EXPECT_EQ(Dane(DaneState::kBogus, {Mx({Tls()}, false)}), DaneDelivery::kDefer);
  EXPECT_EQ(Dane(DaneState::kBogus, {Mx({Tls()}, false), Mx({Tls()}, true)}), DaneDelivery::kTls);
  // DANE-EE ignores names and dates: only `match` counts, not trust, name or expiry.
  EXPECT_EQ(Dane(DaneState::kUsable, {Mx({Tls(false, false, true)}, true)}), DaneDelivery::kTls);
  EXPECT_EQ(DaneDeliveryName(DaneDelivery::kNotApplicable), "not_applicable");
  EXPECT_EQ(DaneDeliveryName(DaneDelivery::kDefer), "defer");
}

TEST(DeliveryVerdictTest, MtaStsValidNeedsEverything) {
  EXPECT_TRUE(MtaStsEndpointValid(Tls()));
  EXPECT_FALSE(MtaStsEndpointValid(Tls(false, true, false)));
  EXPECT_FALSE(MtaStsEndpointValid(Tls(true, false, false)));
  EXPECT_FALSE(MtaStsEndpointValid(Tls(true, true, true)));
  EXPECT_FALSE(MtaStsEndpointValid(HandshakeFails()));
  EndpointFacts no_starttls = Tls();
  no_starttls.starttls_seen = false;  // e.g. forced STARTTLS on a misordered host
  EXPECT_FALSE(MtaStsEndpointValid(no_starttls));
  EndpointFacts unreached = Tls();
  unreached.reached = false;
  EXPECT_FALSE(MtaStsEndpointValid(unreached));
  const std::vector<EndpointFacts> one_good = {Clear(), Tls()};
  EXPECT_TRUE(MtaStsMxValid(one_good));
  EXPECT_FALSE(MtaStsMxValid({}));
}

MtaStsDelivery Sts(MtaStsState state, std::optional<MtaStsMode> mode,
                   std::vector<MxDeliveryFacts> mx) {
  DeliveryInput input;
  input.sts_state = state;
  input.sts_mode = mode;
  input.mx = std::move(mx);
  return JudgeDelivery(input).mta_sts;
}

TEST(DeliveryVerdictTest, MtaSts) {
  const auto covered_good = Mx({Tls()}, false, true);
  const auto covered_bad = Mx({Tls(false)}, false, true);
  const auto uncovered_good = Mx({Tls()}, false, false);
  EXPECT_EQ(Sts(MtaStsState::kNone, std::nullopt, {covered_good}), MtaStsDelivery::kNotApplicable);
  EXPECT_EQ(Sts(MtaStsState::kError, MtaStsMode::kEnforce, {covered_good}),
            MtaStsDelivery::kNotApplicable);
  EXPECT_EQ(Sts(MtaStsState::kOk, MtaStsMode::kNone, {covered_bad}),
            MtaStsDelivery::kNotApplicable);
  EXPECT_EQ(Sts(MtaStsState::kOk, std::nullopt, {covered_bad}), MtaStsDelivery::kNotApplicable);
  EXPECT_EQ(Sts(MtaStsState::kOk, MtaStsMode::kEnforce, {covered_bad, covered_good}),
            MtaStsDelivery::kTls);
  EXPECT_EQ(Sts(MtaStsState::kOk, MtaStsMode::kTesting, {covered_good}), MtaStsDelivery::kTls);
  EXPECT_EQ(Sts(MtaStsState::kOk, MtaStsMode::kEnforce, {covered_bad, uncovered_good}),
            MtaStsDelivery::kDefer);
  EXPECT_EQ(Sts(MtaStsState::kOk, MtaStsMode::kTesting, {covered_bad, uncovered_good}),
            MtaStsDelivery::kReportOnly);
  EXPECT_EQ(Sts(MtaStsState::kOk, MtaStsMode::kEnforce, {}), MtaStsDelivery::kDefer);
  EXPECT_EQ(MtaStsDeliveryName(MtaStsDelivery::kReportOnly), "report_only");
  EXPECT_EQ(MtaStsStateName(MtaStsState::kOk), "ok");
}

TEST(DeliveryVerdictTest, AllThreeAtOnce) {
  // A misordered first MX under MTA-STS enforce: opportunistic goes in clear, DANE and
  // MTA-STS senders defer.
  DeliveryInput input;
  input.mx = {Mx({Clear()}, true, true)};
  input.dane_state = DaneState::kUsable;
  input.sts_state = MtaStsState::kOk;
  input.sts_mode = MtaStsMode::kEnforce;
  const DeliveryVerdicts v = JudgeDelivery(input);
  EXPECT_EQ(v.opportunistic, OpportunisticDelivery::kClear);
  EXPECT_EQ(v.dane, DaneDelivery::kDefer);
  EXPECT_EQ(v.mta_sts, MtaStsDelivery::kDefer);
}

}  // namespace
}  // namespace starttls
