#include "output/host_record.h"

#include <openssl/base64.h>
#include "output/json_writer.h"
#include "output/rfc3339.h"
#include "output/verdict_fields.h"
#include "scanner/smtp/ehlo_analysis.h"

#include <string>

namespace starttls {
namespace {

void BeginHost(const Endpoint& endpoint, const HostContext& context, JsonWriter* w) {
  w->BeginObject();
  w->StringField("type", "host");
  w->IntField("schema", kRecordSchemaVersion);
  char ip[64];
  endpoint.ip.FormatTo(ip, sizeof(ip));
  w->StringField("ip", ip);
  w->UintField("port", endpoint.port);
  if (context.line != 0) w->UintField("line", context.line);
  w->StringField("source", context.from_input ? "input" : "mx");
  w->Key("names");
  w->BeginArray();
  for (const std::string& name : context.names) w->String(name);
  w->EndArray();
  w->UintField("attempts", context.attempts);
}

// {"raw", "code", "trailing"} of one captured reply; code is null until a line was framed.
void WriteReply(const CapturedReply& captured, JsonWriter* w) {
  w->RawBytesField("raw", captured.reply.raw);
  if (captured.reply.lines.empty()) {
    w->NullField("code");
  } else {
    w->IntField("code", captured.reply.code());
  }
  if (!captured.trailing.empty()) w->RawBytesField("trailing", captured.trailing);
}

void WriteTimings(const PhaseTimings& timing, JsonWriter* w) {
  w->Key("timing_ms");
  w->BeginObject();
  auto field = [w](std::string_view name, const std::optional<double>& ms) {
    if (ms.has_value()) w->DoubleField(name, *ms);
  };
  field("connect", timing.connect_ms);
  field("banner", timing.banner_ms);
  field("ehlo", timing.ehlo_ms);
  field("helo", timing.helo_ms);
  field("starttls", timing.starttls_ms);
  field("tls", timing.tls_ms);
  field("tls_ehlo", timing.tls_ehlo_ms);
  w->DoubleField("total", timing.total_ms);
  w->EndObject();
}

std::string Base64(std::string_view bytes) {
  size_t length = 0;
  if (!EVP_EncodedLength(&length, bytes.size())) return {};
  std::string out(length, '\0');
  size_t written = EVP_EncodeBlock(reinterpret_cast<uint8_t*>(out.data()),
                                   reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  out.resize(written);
  return out;
}

// "starttls": {"sent", "reason", "code", "text", "trailing"}; null record = not sent.
void WriteStarttlsField(const StarttlsRecord* starttls, JsonWriter* w) {
  w->Key("starttls");
  w->BeginObject();
  w->BoolField("sent", starttls != nullptr);
  if (starttls != nullptr) {
    w->StringField("reason", StarttlsReasonName(starttls->reason));
    if (starttls->reply.has_value() && !starttls->reply->reply.lines.empty()) {
      w->IntField("code", starttls->reply->reply.code());
    } else {
      w->NullField("code");
    }
    if (starttls->reply.has_value()) {
      w->RawBytesField("text", starttls->reply->reply.raw);
      if (!starttls->reply->trailing.empty()) {
        w->RawBytesField("trailing", starttls->reply->trailing);
      }
    }
  }
  w->EndObject();
}

void WriteCertificate(const CertificateInfo& cert, JsonWriter* w) {
  w->BeginObject();
  w->RawBytesField("subject", cert.subject);
  w->RawBytesField("issuer", cert.issuer);
  w->StringField("serial", cert.serial);
  if (cert.validity_parsed) {
    std::string time;
    AppendRfc3339UnixMillis(cert.not_before_unix_s * 1000, &time);
    w->StringField("not_before", time);
    time.clear();
    AppendRfc3339UnixMillis(cert.not_after_unix_s * 1000, &time);
    w->StringField("not_after", time);
  }
  w->Key("dns_names");
  w->BeginArray();
  for (const std::string& name : cert.dns_names) w->RawBytes(name);
  w->EndArray();
  w->StringField("key_type", cert.key_type);
  w->IntField("key_bits", cert.key_bits);
  w->StringField("signature_algorithm", cert.signature_algorithm);
  w->StringField("sha256", cert.sha256);
  if (!cert.der.empty()) w->StringField("der", Base64(cert.der));
  w->EndObject();
}

void WriteValidation(const ChainValidation& validation, JsonWriter* w) {
  w->Key("validation");
  w->BeginObject();
  w->BoolField("trusted", validation.trusted);
  if (validation.hostname_match.has_value()) {
    w->BoolField("hostname_match", *validation.hostname_match);
  } else {
    w->NullField("hostname_match");
  }
  w->BoolField("expired", validation.expired);
  w->BoolField("self_signed", validation.self_signed);
  if (validation.error.empty()) {
    w->NullField("error");
  } else {
    w->StringField("error", validation.error);
  }
  w->EndObject();
}

// "tls": outcome (and where a failure happened), what was negotiated, the chain, the
// validation verdict and the EHLO over TLS.
void WriteTlsField(const TlsRecord& tls, JsonWriter* w) {
  w->Key("tls");
  w->BeginObject();
  w->StringField("outcome", TlsOutcomeName(tls.outcome));
  if (tls.failed_phase.has_value()) w->StringField("phase", TlsPhaseName(*tls.failed_phase));
  if (tls.error.empty()) {
    w->NullField("error");
  } else {
    w->StringField("error", tls.error);
  }
  if (tls.sni.has_value()) {
    w->StringField("sni", *tls.sni);
  } else {
    w->NullField("sni");
  }
  if (!tls.version.empty()) {
    w->StringField("version", tls.version);
    w->StringField("cipher", tls.cipher);
    w->StringField("cipher_standard", tls.cipher_standard);
    if (tls.group.empty()) {
      w->NullField("group");
    } else {
      w->StringField("group", tls.group);
    }
    w->Key("chain");
    w->BeginArray();
    for (const CertificateInfo& cert : tls.chain) WriteCertificate(cert, w);
    w->EndArray();
  }
  if (tls.validation.has_value()) WriteValidation(*tls.validation, w);
  if (tls.ehlo.has_value()) {
    w->Key("ehlo");
    w->BeginObject();
    WriteReply(*tls.ehlo, w);
    const Reply& reply = tls.ehlo->reply;
    if (reply.complete() && KindOfReply(reply.code()) == ReplyKind::kPositive) {
      WriteEhloFields(AnalyzeEhlo(reply), w);
    }
    w->EndObject();
  }
  w->EndObject();
}

void EndRecord(int64_t unix_ms, std::string_view error, JsonWriter* w) {
  std::string timestamp;
  AppendRfc3339UnixMillis(unix_ms, &timestamp);
  w->StringField("timestamp", timestamp);
  if (!error.empty()) w->StringField("error", error);
  w->EndObject();
  w->EndLine();
}

}  // namespace

void AppendHostRecord(const Endpoint& endpoint, const HostContext& context,
                      const SessionResult& result, int64_t started_unix_ms, std::string* out) {
  JsonWriter w(out);
  BeginHost(endpoint, context, &w);
  WriteVerdictFields(result.verdict, &w);
  const Conversation& conversation = result.conversation;
  if (conversation.banner.has_value()) {
    w.Key("banner");
    w.BeginObject();
    WriteReply(*conversation.banner, &w);
    w.EndObject();
  }
  if (conversation.ehlo.has_value()) {
    w.Key("ehlo");
    w.BeginObject();
    WriteReply(*conversation.ehlo, &w);
    if (result.verdict.ehlo.has_value()) WriteEhloFields(*result.verdict.ehlo, &w);
    w.EndObject();
  }
  if (conversation.helo.has_value()) {
    w.Key("helo");
    w.BeginObject();
    WriteReply(*conversation.helo, &w);
    w.EndObject();
  }
  // STARTTLS: whether it was sent once the EHLO phase succeeded; TLS: what followed.
  if (result.status == ScanStatus::kSuccess || result.starttls.has_value()) {
    WriteStarttlsField(result.starttls.has_value() ? &*result.starttls : nullptr, &w);
  }
  if (result.tls.has_value()) WriteTlsField(*result.tls, &w);
  WriteTimings(result.timing, &w);
  EndRecord(started_unix_ms, result.error, &w);
}

void AppendUnscannedHostRecord(const Endpoint& endpoint, const HostContext& context,
                               ScanStatus status, std::string_view error, int64_t now_unix_ms,
                               std::string* out) {
  JsonWriter w(out);
  BeginHost(endpoint, context, &w);
  w.StringField("status", ScanStatusName(status));
  w.NullField("class");
  w.Key("anomalies");
  w.BeginArray();
  w.EndArray();
  EndRecord(now_unix_ms, error, &w);
}

}  // namespace starttls
