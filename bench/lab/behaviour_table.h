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
};

enum class CertKind { kValidEcdsa, kValidRsa, kExpired, kWrongName, kSelfSigned };
enum class TlsVersions { kTls12And13, kTls12Only, kTls13Only };

struct Behaviour {
  std::string_view id;           // short snake_case id used in specs and truth
  std::string_view description;  // one line for --help and the README
  Opening opening = Opening::kBanner;
  // Reply templates, written with CRLF; "{mx}" becomes the address's MX name.
  std::string_view banner;
  std::string_view ehlo;       // reply to EHLO before TLS
  std::string_view helo;       // reply to HELO
  std::string_view starttls;   // reply to STARTTLS; a reply starting "220" starts TLS
  std::string_view ehlo_tls;   // reply to EHLO after TLS
  CertKind cert = CertKind::kValidEcdsa;
  TlsVersions versions = TlsVersions::kTls12And13;
  bool bare_lf = false;        // every plaintext reply uses LF instead of CRLF
  bool drip = false;           // every plaintext byte is sent on its own, --drip-gap-ms apart
  bool slow_greeting = false;  // banner held back by --greeting-delay-ms
  bool endless_ehlo = false;   // EHLO reply: first line, then 250- lines without end
  bool tls_garbage = false;    // after "220 Ready", non-TLS bytes instead of a handshake
};

std::span<const Behaviour> AllBehaviours();
// Index into AllBehaviours(), or -1.
int FindBehaviour(std::string_view id);

// Replaces every "{mx}" by `mx` and, when `bare_lf`, every CRLF by LF.
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
inline constexpr std::string_view kTlsGarbage = "This is not TLS. \x01\x02\x03\xff\xfe garbage garbage\r\n";
// One filler line of the endless EHLO reply: printf format with the line number.
inline constexpr const char* kEndlessLineFormat = "250-X-LAB-FILLER-%07u\r\n";

}  // namespace starttls::lab
