// The behaviour table: one row per simulated server. The bytes are the lab's contract with
// its tests (tests/lab checks them literally) — change a row only together with its test,
// its row in truth_table.cc and bench/README.md.
#include "bench/lab/behaviour_table.h"

#include <algorithm>
#include <array>

namespace starttls::lab {
namespace {

#define BANNER "220 {mx} ESMTP smtp-lab\r\n"
#define HELO "250 {mx}\r\n"
#define TLS_OK "220 2.0.0 Ready to start TLS\r\n"
#define EHLO_HEAD "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
#define EHLO_TAIL "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
#define EHLO_STARTTLS EHLO_HEAD "250-STARTTLS\r\n" EHLO_TAIL
#define EHLO_PLAIN EHLO_HEAD EHLO_TAIL
#define NOT_SUPPORTED "502 5.5.2 Command not recognized\r\n"

// A compliant row with the given id/description; fields are then adjusted per row.
constexpr Behaviour Compliant(std::string_view id, std::string_view description) {
  Behaviour b;
  b.id = id;
  b.description = description;
  b.banner = BANNER;
  b.ehlo = EHLO_STARTTLS;
  b.helo = HELO;
  b.starttls = TLS_OK;
  b.ehlo_tls = EHLO_PLAIN;
  return b;
}

constexpr auto MakeTable() {
  std::array<Behaviour, 61> t{};
  size_t i = 0;
  auto add = [&](Behaviour b) {
    t[i++] = b;
    return &t[i - 1];
  };
  Behaviour* b = nullptr;

  add(Compliant("compliant", "STARTTLS as a later ehlo-line; valid ECDSA leaf, TLS 1.2-1.3"));
  b = add(Compliant("misordered", "Cisco seed: 250-STARTTLS on line 1, greeting on line 2"));
  b->ehlo =
      "250-STARTTLS\r\n250-{mx}\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"
      "250-DELIVERBY 300\r\n250 SIZE 30000000\r\n";
  b = add(Compliant("no_starttls", "EHLO without STARTTLS; STARTTLS answered 502"));
  b->ehlo = EHLO_PLAIN;
  b->starttls = NOT_SUPPORTED;
  b = add(Compliant("starttls_only", "EHLO reply is the single line 250 STARTTLS"));
  b->ehlo = "250 STARTTLS\r\n";
  b = add(Compliant("starttls_last", "250 STARTTLS as the final ehlo-line"));
  b->ehlo = "250-{mx} greets you\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
  b = add(Compliant("starttls_lowercase", "ehlo-line 250-starttls in lower case"));
  b->ehlo = EHLO_HEAD "250-starttls\r\n" EHLO_TAIL;
  b = add(Compliant("bare_lf", "every plaintext reply ends lines with LF only"));
  b->bare_lf = true;
  b = add(Compliant("asa_masked",
                    "Cisco ASA inspection: banner of *, EHLO 250-XXXXXXXA, STARTTLS 500"));
  b->banner = "220 ********************************0*0*****2002*******2002*0***0*****\r\n";
  b->ehlo = "250-{mx} greets you\r\n250-XXXXXXXA\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
  b->starttls = "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n";
  b = add(Compliant("greeting_keyword", "EHLO reply without greeting: line 1 is 250-8BITMIME"));
  b->ehlo = "250-8BITMIME\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 PIPELINING\r\n";
  b = add(Compliant("ehlo_rejected", "EHLO answered 500, HELO accepted"));
  b->ehlo = "500 5.5.1 Command unrecognized\r\n";
  b->starttls = NOT_SUPPORTED;
  b = add(Compliant("helo_rejected", "EHLO answered 500, HELO answered 550"));
  b->ehlo = "500 5.5.1 Command unrecognized\r\n";
  b->helo = "550 5.7.1 Go away\r\n";
  b->starttls = NOT_SUPPORTED;
  b = add(Compliant("banner_421", "421 at banner, then close"));
  b->opening = Opening::kBannerThenClose;
  b->banner = "421 4.7.0 {mx} ESMTP Too many connections, try again later\r\n";
  b = add(Compliant("banner_554", "554 at banner; every command but QUIT gets 503"));
  b->opening = Opening::kBannerThenReject;
  b->banner = "554 5.7.1 {mx} ESMTP No SMTP service here\r\n";
  b = add(Compliant("multiline_banner", "three-line 220 banner, otherwise compliant"));
  b->banner = "220-{mx} ESMTP smtp-lab\r\n220-Unauthorised use prohibited\r\n220 Ready\r\n";
  b = add(Compliant("slow_greeting", "banner held back --greeting-delay-ms (postscreen)"));
  b->slow_greeting = true;
  b = add(Compliant("drip", "every plaintext byte sent alone, --drip-gap-ms apart"));
  b->drip = true;
  b = add(Compliant("no_banner", "accepts, never sends a byte"));
  b->opening = Opening::kSilent;
  b = add(Compliant("connection_refused", "nothing listens on the address"));
  b->opening = Opening::kNotListening;
  b = add(Compliant("reset_after_banner", "banner, then RST when the client speaks"));
  b->opening = Opening::kBannerThenReset;
  b = add(Compliant("reset_on_accept", "RST right after accept"));
  b->opening = Opening::kResetOnAccept;
  b = add(Compliant("http", "an HTTP server's 400 reply instead of a banner, then close"));
  b->opening = Opening::kBannerThenClose;
  b->banner =
      "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
      "Content-Length: 0\r\nConnection: close\r\n\r\n";
  b = add(Compliant("endless_ehlo", "EHLO reply never ends (250- lines at a bounded rate)"));
  b->stream = Stream::kEndlessEhlo;
  b->ehlo = "250-{mx} greets you\r\n";
  b = add(Compliant("starttls_454", "STARTTLS answered 454"));
  b->starttls = "454 4.7.0 TLS not available due to local problem\r\n";
  b = add(Compliant("tls_garbage", "STARTTLS answered 220, then non-TLS bytes and close"));
  b->after_starttls = AfterStarttls::kGarbageThenFin;
  b = add(Compliant("starttls_readvertised", "EHLO over TLS still lists STARTTLS"));
  b->ehlo_tls = EHLO_STARTTLS;
  b = add(Compliant("tls_rsa", "valid RSA-2048 leaf"));
  b->cert = CertKind::kValidRsa;
  b = add(Compliant("tls_expired", "expired leaf (ECDSA) signed by the lab CA"));
  b->cert = CertKind::kExpired;
  b = add(Compliant("tls_wrong_name", "leaf for mail.wrong-name.test signed by the lab CA"));
  b->cert = CertKind::kWrongName;
  b = add(Compliant("tls_self_signed", "self-signed leaf for the MX name"));
  b->cert = CertKind::kSelfSigned;
  b = add(Compliant("tls12_only", "TLS 1.2 only"));
  b->versions = TlsVersions::kTls12Only;
  b = add(Compliant("tls13_only", "TLS 1.3 only"));
  b->versions = TlsVersions::kTls13Only;
  b = add(Compliant("starttls_both", "STARTTLS on line 1 and again as an ehlo-line"));
  b->ehlo = "250-STARTTLS\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
  b = add(Compliant("greeting_mentions_starttls", "greeting text mentions STARTTLS, no keyword"));
  b->ehlo = "250-{mx} supports STARTTLS soon\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
  b->starttls = NOT_SUPPORTED;
  b = add(Compliant("duplicate_keyword", "SIZE listed twice"));
  b->ehlo = EHLO_HEAD "250-STARTTLS\r\n250-SIZE 20480000\r\n250 8BITMIME\r\n";
  b = add(Compliant("non_ascii", "banner holds UTF-8 bytes"));
  b->banner = "220 {mx} ESMTP Gr\xc3\xbc\xc3\x9f dich\r\n";
  b = add(Compliant("trailing_data", "banner followed at once by an unsolicited line"));
  b->banner = BANNER "250 unsolicited\r\n";
  b = add(Compliant("line_too_long", "an ehlo-line of 620 octets"));
  b->ehlo = EHLO_HEAD
      "250-STARTTLS\r\n250-X-LONG "
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAAAAAAA"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAAAAAAA"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAAAAAAA"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAAAAAAA"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAAAAAAA"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAA"
      "\r\n250 8BITMIME\r\n";
  b = add(Compliant("mixed_codes", "EHLO reply with a 251- line among 250 lines"));
  b->ehlo = "250-{mx} greets you\r\n250-PIPELINING\r\n251-STARTTLS\r\n250 8BITMIME\r\n";
  b = add(Compliant("no_esmtp_banner", "banner without the word ESMTP"));
  b->banner = "220 {mx} smtp-lab ready\r\n";

  // Survey operations: a 421 that a retry gets past.
  b = add(Compliant("banner_421_once",
                    "first connection ever gets 421 then FIN; later ones are compliant"));
  b->banner_first = "421 4.7.0 {mx} Too many connections, try again later\r\n";

  // Hostile peers: what a scanner pointed at the Internet meets. None holds more than a small,
  // fixed amount of lab memory per connection; the endless ones are generated while sent.
  b = add(
      Compliant("hostile_drip_forever", "endless 220- banner, one byte per second, never ends"));
  b->stream = Stream::kDripBanner;
  b = add(Compliant("hostile_endless_ehlo_steady",
                    "EHLO: 250- lines, one per 10 ms, for ever, no FIN"));
  b->stream = Stream::kSteadyEhlo;
  b->ehlo = "250-{mx} greets you\r\n";
  b = add(Compliant("hostile_huge_line", "EHLO reply holds a 10 MiB line without LF"));
  b->stream = Stream::kHugeLine;
  b = add(Compliant("hostile_ehlo_1001_lines", "EHLO reply of 1,001 lines (STARTTLS on line 2)"));
  b->ehlo_lines = 1001;
  b = add(Compliant("ehlo_1000_lines", "EHLO reply of exactly 1,000 lines (STARTTLS on line 2)"));
  b->ehlo_lines = 1000;
  b = add(Compliant("hostile_nul_ff", "every reply line carries NUL and 0xFF before its line end"));
  b->nul_ff = true;
  b = add(
      Compliant("hostile_one_byte_segments", "every byte, TLS too, in its own send (TCP_NODELAY)"));
  b->one_byte_segments = true;
  b = add(Compliant("hostile_rst_mid_ehlo", "EHLO: part of the reply, then RST"));
  b->rst_mid_ehlo = true;
  b = add(Compliant("hostile_fin_after_banner", "220 banner, then FIN before any EHLO reply"));
  b->opening = Opening::kBannerThenClose;
  b = add(Compliant("hostile_starttls_then_smtp", "STARTTLS 220, then SMTP text instead of TLS"));
  b->after_starttls = AfterStarttls::kSmtpText;
  b = add(Compliant("hostile_starttls_then_silence", "STARTTLS 220, then nothing at all"));
  b->after_starttls = AfterStarttls::kSilence;
  b = add(
      Compliant("hostile_starttls_then_http", "STARTTLS 220, then an HTTP 400 response and FIN"));
  b->after_starttls = AfterStarttls::kHttpThenFin;
  b = add(Compliant("hostile_tls_stall_after_server_hello", "TLS: ServerHello, then nothing"));
  b->tls_fault = TlsFault::kStallAfterServerHello;
  b = add(Compliant("hostile_tls_chain_100", "TLS: valid leaf plus 99 unrelated certificates"));
  b->cert = CertKind::kChain100;
  b = add(
      Compliant("hostile_tls_huge_cert", "TLS: a 1 MiB leaf certificate (CA-signed, *.lab.test)"));
  b->cert = CertKind::kHuge;
  b = add(Compliant("hostile_tls_alert_instead_of_server_hello",
                    "TLS: fatal alert answers the ClientHello"));
  b->tls_fault = TlsFault::kAlertInsteadOfServerHello;
  b = add(Compliant("hostile_tls_alert_after_server_hello",
                    "TLS 1.2: first flight, then a fatal alert before Finished"));
  b->tls_fault = TlsFault::kAlertBeforeFinished;
  b->versions = TlsVersions::kTls12Only;
  b = add(Compliant("hostile_tls_alert_after_handshake",
                    "TLS completes; EHLO over TLS gets a fatal alert"));
  b->tls_fault = TlsFault::kAlertAfterHandshake;
  b = add(Compliant("hostile_late_banner",
                    "banner after --late-banner-ms (29 s: inside a 30 s deadline)"));
  b->late_banner = true;
  b = add(
      Compliant("hostile_never_reads", "banner, then never reads again (receive window fills)"));
  b->opening = Opening::kBannerThenDeaf;
  b = add(Compliant("hostile_quit_babble",
                    "QUIT answered with EHLO-like text every second, never closes"));
  b->stream = Stream::kQuitBabble;
  return std::pair{t, i};
}

constexpr auto kTableAndCount = MakeTable();
static_assert(kTableAndCount.second == kTableAndCount.first.size(), "table size mismatch");

}  // namespace

std::span<const Behaviour> AllBehaviours() { return kTableAndCount.first; }

int FindBehaviour(std::string_view id) {
  auto all = AllBehaviours();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].id == id) return static_cast<int>(i);
  return -1;
}

void AppendReply(std::string& out, std::string_view tmpl, std::string_view mx, bool bare_lf,
                 bool nul_ff) {
  for (size_t i = 0; i < tmpl.size();) {
    size_t brace = tmpl.find('{', i);
    size_t cr = tmpl.find('\r', i);
    size_t next = std::min(brace, cr);
    if (next == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, next - i));
    i = next;
    if (tmpl.compare(i, 4, "{mx}") == 0) {
      out.append(mx);
      i += 4;
    } else if (tmpl.compare(i, 2, "\r\n") == 0) {
      if (nul_ff) out.append(" \0\xff", 3);
      out.append(bare_lf ? "\n" : "\r\n");
      i += 2;
    } else {
      out.push_back(tmpl[i++]);
    }
  }
}

std::string RenderReply(std::string_view tmpl, std::string_view mx, bool bare_lf) {
  std::string out;
  out.reserve(tmpl.size() + mx.size());
  AppendReply(out, tmpl, mx, bare_lf);
  return out;
}

}  // namespace starttls::lab
