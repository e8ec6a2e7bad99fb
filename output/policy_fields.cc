#include "output/policy_fields.h"

#include "output/json_writer.h"

namespace starttls {

void AppendPolicyFields(const DomainPolicyView& view, std::string* out) {
  std::string object;
  JsonWriter w(&object);
  w.BeginObject();
  w.StringField("state", DaneStateName(view.dane.state));
  w.StringField("dnssec", DnssecStatusName(view.dane.dnssec));
  w.Key("hosts");
  w.BeginArray();
  for (const DaneHostView& host : view.dane_hosts) {
    w.BeginObject();
    w.RawBytesField("mx", host.mx);
    w.Key("tlsa");
    w.BeginArray();
    for (const TlsaRecord& record : host.tlsa) {
      w.BeginObject();
      w.UintField("usage", record.usage);
      w.UintField("selector", record.selector);
      w.UintField("matching_type", record.matching_type);
      w.StringField("data", TlsaDataHex(record));
      w.EndObject();
    }
    w.EndArray();
    w.BoolField("secure", host.secure);
    if (host.match.has_value()) {
      w.BoolField("match", *host.match);
    } else {
      w.NullField("match");
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out->append(",\"dane\":").append(object);

  object.clear();
  JsonWriter s(&object);
  s.BeginObject();
  s.StringField("state", MtaStsStateName(view.mta_sts_state));
  if (view.mta_sts_id)
    s.RawBytesField("id", *view.mta_sts_id);
  else
    s.NullField("id");
  if (view.mta_sts_fetch)
    s.StringField("fetch", *view.mta_sts_fetch);
  else
    s.NullField("fetch");
  const MtaStsPolicy& policy = view.mta_sts_policy;
  if (policy.mode)
    s.StringField("mode", MtaStsModeName(*policy.mode));
  else
    s.NullField("mode");
  if (policy.max_age)
    s.UintField("max_age", *policy.max_age);
  else
    s.NullField("max_age");
  s.Key("mx");
  s.BeginArray();
  for (const std::string& pattern : policy.mx) s.RawBytes(pattern);
  s.EndArray();
  s.Key("errors");
  s.BeginArray();
  for (const std::string& error : policy.errors) s.RawBytes(error);
  s.EndArray();
  s.Key("hosts");
  s.BeginArray();
  for (const MtaStsHostView& host : view.mta_sts_hosts) {
    s.BeginObject();
    s.RawBytesField("mx", host.mx);
    s.BoolField("covered", host.covered);
    s.BoolField("valid", host.valid);
    s.EndObject();
  }
  s.EndArray();
  s.EndObject();
  out->append(",\"mta_sts\":").append(object);

  object.clear();
  JsonWriter t(&object);
  t.BeginObject();
  t.StringField("state", TlsRptStateName(view.tls_rpt.state));
  t.Key("rua");
  t.BeginArray();
  for (const std::string& uri : view.tls_rpt.rua) t.RawBytes(uri);
  t.EndArray();
  if (view.tls_rpt.error.empty())
    t.NullField("error");
  else
    t.StringField("error", view.tls_rpt.error);
  t.EndObject();
  out->append(",\"tls_rpt\":").append(object);

  object.clear();
  JsonWriter d(&object);
  d.BeginObject();
  d.StringField("opportunistic", OpportunisticDeliveryName(view.delivery.opportunistic));
  d.StringField("dane", DaneDeliveryName(view.delivery.dane));
  d.StringField("mta_sts", MtaStsDeliveryName(view.delivery.mta_sts));
  d.EndObject();
  out->append(",\"delivery\":").append(object);
}

}  // namespace starttls
