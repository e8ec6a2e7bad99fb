#include "scanner/policy/delivery_verdict.h"

namespace starttls {
namespace {

bool TlsDone(const EndpointFacts& endpoint) {
  return endpoint.reached && endpoint.starttls_seen && endpoint.handshake_ok;
}

OpportunisticDelivery JudgeOpportunistic(const DeliveryInput& input) {
  for (const MxDeliveryFacts& mx : input.mx) {
    for (const EndpointFacts& endpoint : mx.endpoints) {
      if (!endpoint.reached) continue;
      return TlsDone(endpoint) ? OpportunisticDelivery::kTls : OpportunisticDelivery::kClear;
    }
  }
  return OpportunisticDelivery::kUnreachable;
}

DaneDelivery JudgeDane(const DeliveryInput& input) {
  if (input.dane_state != DaneState::kUsable && input.dane_state != DaneState::kBogus) {
    return DaneDelivery::kNotApplicable;
  }
  for (const MxDeliveryFacts& mx : input.mx) {
    if (!mx.dane_match) continue;
    for (const EndpointFacts& endpoint : mx.endpoints) {
      if (TlsDone(endpoint)) return DaneDelivery::kTls;
    }
  }
  return DaneDelivery::kDefer;
}

MtaStsDelivery JudgeMtaSts(const DeliveryInput& input) {
  if (input.sts_state != MtaStsState::kOk || !input.sts_mode.has_value() ||
      *input.sts_mode == MtaStsMode::kNone) {
    return MtaStsDelivery::kNotApplicable;
  }
  for (const MxDeliveryFacts& mx : input.mx) {
    if (mx.sts_covered && MtaStsMxValid(mx.endpoints)) return MtaStsDelivery::kTls;
  }
  return *input.sts_mode == MtaStsMode::kEnforce ? MtaStsDelivery::kDefer
                                                 : MtaStsDelivery::kReportOnly;
}

}  // namespace

bool MtaStsEndpointValid(const EndpointFacts& endpoint) {
  return TlsDone(endpoint) && endpoint.trusted && endpoint.name_matches && !endpoint.expired;
}

bool MtaStsMxValid(std::span<const EndpointFacts> endpoints) {
  for (const EndpointFacts& endpoint : endpoints) {
    if (MtaStsEndpointValid(endpoint)) return true;
  }
  return false;
}

DeliveryVerdicts JudgeDelivery(const DeliveryInput& input) {
  DeliveryVerdicts verdicts;
  verdicts.opportunistic = JudgeOpportunistic(input);
  verdicts.dane = JudgeDane(input);
  verdicts.mta_sts = JudgeMtaSts(input);
  return verdicts;
}

std::string_view OpportunisticDeliveryName(OpportunisticDelivery verdict) {
  switch (verdict) {
    case OpportunisticDelivery::kTls:
      return "tls";
    case OpportunisticDelivery::kClear:
      return "clear";
    case OpportunisticDelivery::kUnreachable:
      return "unreachable";
  }
  return "unreachable";
}

std::string_view DaneDeliveryName(DaneDelivery verdict) {
  switch (verdict) {
    case DaneDelivery::kNotApplicable:
      return "not_applicable";
    case DaneDelivery::kTls:
      return "tls";
    case DaneDelivery::kDefer:
      return "defer";
  }
  return "defer";
}

std::string_view MtaStsDeliveryName(MtaStsDelivery verdict) {
  switch (verdict) {
    case MtaStsDelivery::kNotApplicable:
      return "not_applicable";
    case MtaStsDelivery::kTls:
      return "tls";
    case MtaStsDelivery::kDefer:
      return "defer";
    case MtaStsDelivery::kReportOnly:
      return "report_only";
  }
  return "defer";
}

std::string_view MtaStsStateName(MtaStsState state) {
  switch (state) {
    case MtaStsState::kNone:
      return "none";
    case MtaStsState::kOk:
      return "ok";
    case MtaStsState::kError:
      return "error";
  }
  return "error";
}

}  // namespace starttls
