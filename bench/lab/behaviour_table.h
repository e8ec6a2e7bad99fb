// The server side of every simulated mail-server behaviour: what bytes it sends and when.
// What a correct scanner must REPORT for each behaviour lives apart, in truth_table.h, written
// by hand from docs/rules.md §3-4, so the two can be checked against each other.
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace starttls::lab {

// What happens right after the TCP connection is accepted.
enum class Opening {
  kBanner,            // send `banner` (after latency, and the greeting delay if `slow_greeting`)
  kBannerThenClose,   // send `banner`, then close (FIN): 421 / HTTP
  kBannerThenReject,  // send `banner` (554), answer every command but QUIT with 503
  kBannerThenReset,   // send `banner`, then RST as soon as the client sends anything (or 10 s)
  kSilent,            // accept, never send a byte (scanner: banner-timeout)
  kResetOnAccept,     // RST right after accept (scanner: connection-reset)
  kNotListening,      // no listener on the address at all (scanner: connection-refused)
  kBannerThenDeaf,    // send `banner`, then never read again: the receive window fills
};

// Output too long (or endless) to hold: generated while it is sent, under a small bound.
enum class Stream : uint8_t {
  kNone,
  kEndlessEhlo,  // EHLO: first line, then 100 filler lines per 5 ms tick; FIN after 200,000
  kDripBanner,   // instead of the banner: endless 220- lines, one byte per second, never FIN
  kSteadyEhlo,   // EHLO: first line, then one 250- line every 10 ms for ever, never FIN
  kHugeLine,     // EHLO: a 10 MiB ehlo-line without LF, then the rest of the reply
  kQuitBabble,   // QUIT: an EHLO-like reply, again every second; never closes
};

// What follows a 220 answer to STARTTLS.
enum class AfterStarttls : uint8_t {
  kTls,             // a TLS handshake
  kGarbageThenFin,  // kTlsGarbage, then FIN
  kSmtpText,        // the client's next bytes get a second SMTP banner, later reads 500; no FIN
  kSilence,         // nothing at all (input read and dropped)
  kHttpThenFin,     // the client's next bytes get an HTTP 400 response, then FIN
};

// Where the server's side of the TLS handshake goes wrong on purpose.
enum class TlsFault : uint8_t {
  kNone,
  kStallAfterServerHello,      // ServerHello alone, then nothing
  kAlertInsteadOfServerHello,  // fatal handshake_failure alert answers the ClientHello, FIN
  kAlertBeforeFinished,        // TLS 1.2: whole first flight, then a fatal alert answers the
                               // client's Finished (before the server's), FIN
  kAlertAfterHandshake,        // handshake completes; the EHLO over TLS gets a fatal alert, FIN
};

enum class CertKind {
  kValidEcdsa,
  kValidRsa,
  kExpired,
  kWrongName,
  kSelfSigned,
  kChain100,  // the valid ECDSA leaf followed by 99 unrelated self-signed certificates
  kHuge,      // one shared CA-signed leaf for *.lab.test padded to 1 MiB
};
enum class TlsVersions { kTls12And13, kTls12Only, kTls13Only };

struct Behaviour {
  std::string_view id;           // short snake_case id used in specs and truth
  std::string_view description;  // one line for --help and the README
  Opening opening = Opening::kBanner;
  // Reply templates, written with CRLF; "{mx}" becomes the address's MX name.
  std::string_view banner;
  std::string_view ehlo;      // reply to EHLO before TLS
  std::string_view helo;      // reply to HELO
  std::string_view starttls;  // reply to STARTTLS; a reply starting "220" starts TLS
  std::string_view ehlo_tls;  // reply to EHLO after TLS
  CertKind cert = CertKind::kValidEcdsa;
  TlsVersions versions = TlsVersions::kTls12And13;
  bool bare_lf = false;            // every plaintext reply uses LF instead of CRLF
  bool drip = false;               // every plaintext byte is sent on its own, --drip-gap-ms apart
  bool slow_greeting = false;      // banner held back by --greeting-delay-ms
  bool late_banner = false;        // banner held back by --late-banner-ms (default 29,000)
  bool nul_ff = false;             // every reply line ends " \x00\xff" before its line end
  bool one_byte_segments = false;  // every byte of the conversation (TLS too) in its own send
  bool rst_mid_ehlo = false;       // EHLO: part of the reply, then RST
  uint16_t ehlo_lines = 0;  // EHLO reply of this many lines (greeting, STARTTLS, fillers, 8BITMIME)
  std::string_view banner_first;  // non-empty: the first connection ever to the address gets
                                  // this banner and FIN; every later one is served normally
  Stream stream = Stream::kNone;
  AfterStarttls after_starttls = AfterStarttls::kTls;
  TlsFault tls_fault = TlsFault::kNone;
};

std::span<const Behaviour> AllBehaviours();
// Index into AllBehaviours(), or -1.
int FindBehaviour(std::string_view id);

// Appends `tmpl` to `out` with every "{mx}" replaced by `mx`; when `bare_lf`, every CRLF
// becomes LF; when `nul_ff`, " \x00\xff" is inserted before every line end.
void AppendReply(std::string& out, std::string_view tmpl, std::string_view mx, bool bare_lf,
                 bool nul_ff = false);
std::string RenderReply(std::string_view tmpl, std::string_view mx, bool bare_lf);

// Fixed replies shared by all behaviours.
inline constexpr std::string_view kReplyQuit = "221 2.0.0 Bye\r\n";
inline constexpr std::string_view kReplyOk = "250 2.0.0 OK\r\n";
inline constexpr std::string_view kReplyUnknown = "502 5.5.2 Command not recognized\r\n";
inline constexpr std::string_view kReplyForbidden503 = "503 5.5.1 Not accepted by smtp-lab\r\n";
inline constexpr std::string_view kReplyForbidden502 = "502 5.5.1 Not accepted by smtp-lab\r\n";
inline constexpr std::string_view kReplyBadSequence = "503 5.5.1 Bad sequence of commands\r\n";
inline constexpr std::string_view kReplyTlsActive = "503 5.5.1 TLS already active\r\n";
inline constexpr std::string_view kReplyLineTooLong = "500 5.5.2 Line too long\r\n";
// Bytes sent instead of a TLS handshake by `tls_garbage`.
inline constexpr std::string_view kTlsGarbage =
    "This is not TLS. \x01\x02\x03\xff\xfe garbage garbage\r\n";
// One filler line of the endless EHLO reply: printf format with the line number.
inline constexpr const char* kEndlessLineFormat = "250-X-LAB-FILLER-%07u\r\n";
// hostile_endless_ehlo_steady's lines, and the filler lines of the many-line EHLO replies.
inline constexpr const char* kSteadyLineFormat = "250-X-LAB-STEADY-%07u\r\n";
inline constexpr const char* kManyLineFormat = "250-X-LAB-LINE-%04u\r\n";
// hostile_drip_forever: this, then kDripFiller repeated, one byte per second.
inline constexpr std::string_view kDripHead = "220-{mx} ESMTP smtp-lab tarpit\r\n";
inline constexpr std::string_view kDripFiller = "220-please wait\r\n";
// hostile_huge_line: kHugeHead, kHugeLength 'A's, kHugeTail.
inline constexpr std::string_view kHugeHead = "250-{mx} greets you\r\n250-STARTTLS\r\n250-X-HUGE ";
inline constexpr size_t kHugeLength = 10u << 20;
inline constexpr std::string_view kHugeTail = "\r\n250 8BITMIME\r\n";
// hostile_rst_mid_ehlo sends this much of an EHLO reply, then RST 100 ms later.
inline constexpr std::string_view kRstMidEhlo = "250-{mx} greets you\r\n250-PIPELI";
// hostile_quit_babble's answer to QUIT (and to anything after it), again every second.
inline constexpr std::string_view kQuitBabble =
    "250-{mx} greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
// hostile_starttls_then_smtp: answers the client's first bytes after the 220 (the ClientHello);
// every later read gets kReplySyntax.
inline constexpr std::string_view kSecondBanner = "220 {mx} ESMTP smtp-lab\r\n";
inline constexpr std::string_view kReplySyntax = "500 5.5.1 Command unrecognized\r\n";
inline constexpr std::string_view kHttp400 =
    "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
    "Content-Length: 0\r\nConnection: close\r\n\r\n";
// TLS alert records (RFC 8446 §6 / RFC 5246 §7.2): fatal handshake_failure (40); the
// after-handshake alert is internal_error (80), sent encrypted by the TLS library.
inline constexpr std::string_view kAlertHandshakeFailure{"\x15\x03\x03\x00\x02\x02\x28", 7};

}  // namespace starttls::lab
