// Hand-made expectations per behaviour. Reasoning per row is in bench/README.md
// ("Truth table"); the rules quoted are docs/rules.md §3 (framing), §4 (classes, anomalies), §5
// (TLS). Rows whose record depends on the scanner's deadlines assume its defaults (banner and
// command 30 s, TLS handshake 10 s, session 120 s) and its certificate-message cap (100 KiB); each
// such row says so.
#include "bench/lab/truth_table.h"

#include <map>

#include "bench/lab/json_text.h"

namespace starttls::lab {
namespace {

TlsTruth TlsOk(std::string_view version = "TLSv1.3", std::string_view key = "ECDSA",
               int bits = 256) {
  return TlsTruth{"ok", version, key, bits, true, true, false, false, {}};
}

TlsTruth TlsFailure(std::string_view outcome) {
  TlsTruth t;
  t.outcome = outcome;
  return t;
}

HostTruth Success(std::string_view cls, std::vector<std::string_view> anomalies) {
  HostTruth t;
  t.status = "success";
  t.cls = cls;
  t.anomalies = std::move(anomalies);
  if (cls == "compliant" || cls == "starttls_misordered") {
    t.starttls_sent = true;
    t.starttls_reason = cls == "compliant" ? "offered" : "probe";
    t.starttls_code = 220;
    t.tls = TlsOk();
  } else {
    t.starttls_code = 502;  // what the server says if STARTTLS is forced (--starttls=always)
  }
  return t;
}

HostTruth Failed(std::string_view status, std::vector<std::string_view> anomalies = {}) {
  HostTruth t;
  t.status = status;
  t.anomalies = std::move(anomalies);
  return t;
}

std::map<std::string_view, HostTruth> MakeTable() {
  std::map<std::string_view, HostTruth> m;
  m["compliant"] = Success("compliant", {});
  m["misordered"] = Success("starttls_misordered", {"starttls_in_greeting"});
  m["no_starttls"] = Success("no_starttls", {});
  m["starttls_only"] = Success("starttls_misordered", {"starttls_in_greeting"});
  m["starttls_last"] = Success("compliant", {});
  m["starttls_lowercase"] = Success("compliant", {"starttls_lowercase"});
  m["bare_lf"] = Success("compliant", {"bare_lf"});
  m["asa_masked"] =
      Success("no_starttls", {"banner_masked", "no_esmtp_in_banner", "starttls_masked"});
  m["asa_masked"].starttls_code = 500;
  m["greeting_keyword"] = Success("compliant", {"greeting_is_keyword"});
  m["ehlo_rejected"] = Success("no_starttls", {"ehlo_rejected"});
  m["helo_rejected"] = Failed("rejected");
  m["banner_421"] = Failed("rate-limited");
  m["banner_554"] = Failed("rejected");
  m["multiline_banner"] = Success("compliant", {});
  m["slow_greeting"] = Success("compliant", {});
  m["drip"] = Success("compliant", {});
  m["no_banner"] = Failed("banner-timeout");
  m["connection_refused"] = Failed("connection-refused");
  m["reset_after_banner"] = Failed("connection-reset");
  m["reset_on_accept"] = Failed("connection-reset");
  m["http"] = Failed("protocol-error");
  m["endless_ehlo"] = Failed("protocol-error", {"reply_truncated"});
  auto& s454 = m["starttls_454"] = Success("compliant", {});
  s454.starttls_code = 454;
  s454.tls = TlsFailure("starttls-refused");
  // The garbage leaves with the 220, before the scanner's ClientHello: the STARTTLS reply's
  // trailing data (docs/rules.md §3 holds for every reply).
  auto& garbage = m["tls_garbage"] = Success("compliant", {"trailing_data"});
  garbage.tls = TlsFailure("handshake-error");
  m["starttls_readvertised"] = Success("compliant", {"starttls_readvertised"});
  auto& rsa = m["tls_rsa"] = Success("compliant", {});
  rsa.tls = TlsOk("TLSv1.3", "RSA", 2048);
  auto& expired = m["tls_expired"] = Success("compliant", {});
  expired.tls.chain_valid = false;
  expired.tls.expired = true;
  auto& wrong = m["tls_wrong_name"] = Success("compliant", {});
  wrong.tls.hostname_match = false;
  auto& self = m["tls_self_signed"] = Success("compliant", {});
  self.tls.chain_valid = false;
  self.tls.self_signed = true;
  auto& tls12 = m["tls12_only"] = Success("compliant", {});
  tls12.tls.version = "TLSv1.2";
  m["tls13_only"] = Success("compliant", {});
  m["starttls_both"] = Success("compliant", {"starttls_in_greeting"});
  m["greeting_mentions_starttls"] = Success("no_starttls", {});
  m["duplicate_keyword"] = Success("compliant", {"duplicate_keyword"});
  m["non_ascii"] = Success("compliant", {"non_ascii"});
  m["trailing_data"] = Success("compliant", {"trailing_data"});
  m["line_too_long"] = Success("compliant", {"line_too_long"});
  m["mixed_codes"] = Success("compliant", {"mixed_reply_codes"});
  m["no_esmtp_banner"] = Success("compliant", {"no_esmtp_in_banner"});

  // The first connection gets 421 (rate-limited); a retry reaches a compliant server.
  m["banner_421_once"] = Success("compliant", {});
  m["banner_421_once"].attempts = 2;

  // Hostile peers. A banner that never completes: the banner deadline ends it (it would take
  // 4.7 hours to reach the 1,000-line cap at one byte per second).
  m["hostile_drip_forever"] = Failed("banner-timeout");
  // 100 lines/s: the 1,000-line cap (§3) is reached after 10 s, inside the 30 s command deadline.
  m["hostile_endless_ehlo_steady"] = Failed("protocol-error", {"reply_truncated"});
  // §3: the line is cut at the 64 KiB cap, so it is also longer than 510 octets.
  m["hostile_huge_line"] = Failed("protocol-error", {"line_too_long", "reply_truncated"});
  // §3: more than 1,000 lines is cut; exactly 1,000 is a whole reply.
  m["hostile_ehlo_1001_lines"] = Failed("protocol-error", {"reply_truncated"});
  m["ehlo_1000_lines"] = Success("compliant", {});
  // §4 non_ascii: NUL and 0xFF in the banner and the EHLO reply; "STARTTLS \0\xff" still has
  // the keyword STARTTLS (up to the space).
  m["hostile_nul_ff"] = Success("compliant", {"non_ascii"});
  m["hostile_one_byte_segments"] = Success("compliant", {});
  m["hostile_rst_mid_ehlo"] = Failed("connection-reset");
  // §3: an EHLO reply cut (here: before its first byte) by the server's close.
  m["hostile_fin_after_banner"] = Failed("protocol-error");
  // §5: the session succeeded; TLS did not. Non-TLS bytes are a handshake error; silence runs
  // into the TLS handshake deadline (10 s).
  auto& smtp = m["hostile_starttls_then_smtp"] = Success("compliant", {});
  smtp.tls = TlsFailure("handshake-error");
  auto& silence = m["hostile_starttls_then_silence"] = Success("compliant", {});
  silence.tls = TlsFailure("timeout");
  auto& http = m["hostile_starttls_then_http"] = Success("compliant", {});
  http.tls = TlsFailure("handshake-error");
  auto& stall = m["hostile_tls_stall_after_server_hello"] = Success("compliant", {});
  stall.tls = TlsFailure("timeout");
  // 100 certificates (about 45 KB) fit the 100 KiB certificate cap; the 99 extra ones are not
  // on the path to the lab CA, so the chain still verifies.
  m["hostile_tls_chain_100"] = Success("compliant", {});
  // A 1 MiB certificate exceeds the 100 KiB cap: the handshake fails.
  auto& huge = m["hostile_tls_huge_cert"] = Success("compliant", {});
  huge.tls = TlsFailure("handshake-error");
  auto& alert0 = m["hostile_tls_alert_instead_of_server_hello"] = Success("compliant", {});
  alert0.tls = TlsFailure("handshake-error");
  auto& alert1 = m["hostile_tls_alert_after_server_hello"] = Success("compliant", {});
  alert1.tls = TlsFailure("handshake-error");
  // A failure after a completed handshake keeps outcome ok and names the phase.
  auto& alert2 = m["hostile_tls_alert_after_handshake"] = Success("compliant", {});
  alert2.tls.phase = "ehlo";
  // 29 s (+ latency below 1 s) is inside the 30 s banner deadline.
  m["hostile_late_banner"] = Success("compliant", {});
  // EHLO is never read, so never answered: the command deadline ends it.
  m["hostile_never_reads"] = Failed("io-timeout");
  // The QUIT reply is no reply §3 frames; the record is made before QUIT.
  m["hostile_quit_babble"] = Success("compliant", {});
  return m;
}

const std::map<std::string_view, HostTruth>& Table() {
  static const auto* table = new std::map<std::string_view, HostTruth>(MakeTable());
  return *table;
}

void AppendBool(std::string& o, std::string_view key, bool v) {
  o += ",\"";
  o += key;
  o += v ? "\":true" : "\":false";
}

}  // namespace

const HostTruth* TruthFor(std::string_view behaviour_id) {
  auto it = Table().find(behaviour_id);
  return it == Table().end() ? nullptr : &it->second;
}

std::string HostTruthJson(std::string_view ip, uint16_t port, std::string_view mx,
                          std::string_view behaviour_id, const HostTruth& t) {
  std::string o = "{\"ip\":";
  AppendJsonString(o, ip);
  o += ",\"port\":" + std::to_string(port) + ",\"mx\":";
  AppendJsonString(o, mx);
  o += ",\"behaviour\":";
  AppendJsonString(o, behaviour_id);
  o += ",\"status\":";
  AppendJsonString(o, t.status);
  o += ",\"class\":";
  if (t.cls.empty())
    o += "null";
  else
    AppendJsonString(o, t.cls);
  o += ",\"anomalies\":[";
  for (size_t i = 0; i < t.anomalies.size(); ++i) {
    if (i) o += ',';
    AppendJsonString(o, t.anomalies[i]);
  }
  o += "],\"starttls\":";
  if (t.status != "success") {
    o += "null";
  } else {
    o += "{\"sent\":";
    o += t.starttls_sent ? "true" : "false";
    if (t.starttls_sent) {
      o += ",\"reason\":";
      AppendJsonString(o, t.starttls_reason);
    }
    o += ",\"code\":" + std::to_string(t.starttls_code) + "}";
  }
  o += ",\"tls\":";
  if (t.tls.outcome.empty()) {
    o += "null";
  } else {
    o += "{\"outcome\":";
    AppendJsonString(o, t.tls.outcome);
    if (t.tls.outcome == "ok") {
      o += ",\"version\":";
      AppendJsonString(o, t.tls.version);
      o += ",\"key_type\":";
      AppendJsonString(o, t.tls.key_type);
      o += ",\"key_bits\":" + std::to_string(t.tls.key_bits);
      AppendBool(o, "chain_valid", t.tls.chain_valid);
      AppendBool(o, "hostname_match", t.tls.hostname_match);
      AppendBool(o, "expired", t.tls.expired);
      AppendBool(o, "self_signed", t.tls.self_signed);
      if (!t.tls.phase.empty()) {
        o += ",\"phase\":";
        AppendJsonString(o, t.tls.phase);
      }
    } else if (t.tls.outcome == "starttls-refused") {
      o += ",\"code\":" + std::to_string(t.starttls_code);
    }
    o += "}";
  }
  o += ",\"attempts\":" + std::to_string(t.attempts) + "}";
  return o;
}

}  // namespace starttls::lab
