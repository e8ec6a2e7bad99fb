// The session's STARTTLS/TLS states driven by scripted bytes, with a real in-process BoringSSL
// server (the lab's PKI) over memory BIOs: every outcome and failure path, the send-buffer
// rule, and the record's contents.
#include <gtest/gtest.h>

#include <string>

#include "scanner/smtp/conversation.h"
#include "tests/tls/tls_test_peer.h"

namespace starttls::testing {
namespace {

using lab::CertKind;
using lab::TlsVersions;

constexpr std::string_view kMx = "mx.example";

class TlsSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki_.ok()); }

  SessionConfig Config(StarttlsPolicy policy = StarttlsPolicy::kOffered,
                       TlsChainDer der = TlsChainDer::kNone) {
    SessionConfig config("scanner.example");
    SessionTlsSettings tls;
    tls.context = pki_.context();
    tls.policy = policy;
    tls.chain_der = der;
    config.set_tls(tls);
    return config;
  }
  SSL* Server(TlsVersions versions = TlsVersions::kTls12And13,
              CertKind kind = CertKind::kValidEcdsa, std::string mx = std::string(kMx)) {
    return pki_.store().NewSsl(versions, kind, mx);
  }

  // Banner, EHLO reply; returns what the session sent after the EHLO reply.
  std::string ToStarttls(ScriptedPeer& peer, std::string_view ehlo = kEhloCompliant) {
    peer.Start();
    peer.Reply(kBanner);
    peer.TakeWire();
    peer.Reply(ehlo);
    return peer.TakeWire();
  }
  // Through a completed handshake and the EHLO over TLS reply.
  void ThroughTls(ScriptedPeer& peer, SSL* server, std::string_view tls_ehlo = kEhloOverTls) {
    EXPECT_EQ(ToStarttls(peer), "STARTTLS\r\n");
    peer.BeginTls(server);
    peer.Reply(kReady);
    peer.Ferry();
    EXPECT_EQ(peer.TakeServerPlain(), "EHLO scanner.example\r\n");
    peer.TlsReply(tls_ehlo);
    EXPECT_EQ(peer.TakeServerPlain(), "QUIT\r\n");
  }

  TestPki pki_;
};

TEST_F(TlsSessionTest, CompliantHostHandshakesValidatesAndQuitsOverTls) {
  SessionConfig config = Config(StarttlsPolicy::kOffered, TlsChainDer::kLeaf);
  Session session(config);
  session.Reset(config, kMx);
  ScriptedPeer peer(&session);
  ThroughTls(peer, Server());
  peer.TlsReply("221 2.0.0 Bye\r\n");
  ASSERT_TRUE(session.finished());
  const SessionResult& result = session.result();
  EXPECT_EQ(result.status, ScanStatus::kSuccess);
  ASSERT_TRUE(result.starttls.has_value());
  EXPECT_EQ(result.starttls->reason, StarttlsReason::kOffered);
  EXPECT_EQ(result.starttls->reply->reply.code(), 220);
  ASSERT_TRUE(result.tls.has_value());
  const TlsRecord& tls = *result.tls;
  EXPECT_EQ(tls.outcome, TlsOutcome::kOk);
  EXPECT_TRUE(tls.error.empty()) << tls.error;
  EXPECT_EQ(tls.version, "TLSv1.3");
  EXPECT_FALSE(tls.cipher.empty());
  EXPECT_FALSE(tls.group.empty());
  EXPECT_EQ(tls.sni, std::string(kMx));
  EXPECT_EQ(std::string(SSL_get_servername(peer.server(), TLSEXT_NAMETYPE_host_name)), kMx);
  ASSERT_EQ(tls.chain.size(), 2u);  // the leaf, then the lab CA the server sends with it
  EXPECT_NE(tls.chain[1].subject.find("CN=smtp-lab CA"), std::string::npos);
  const CertificateInfo& leaf = tls.chain[0];
  EXPECT_EQ(leaf.key_type, "ECDSA");
  EXPECT_EQ(leaf.key_bits, 256);
  EXPECT_EQ(leaf.dns_names, std::vector<std::string>{std::string(kMx)});
  EXPECT_NE(leaf.subject.find("CN=mx.example"), std::string::npos);
  EXPECT_EQ(leaf.signature_algorithm, "ecdsa-with-SHA256");
  EXPECT_EQ(leaf.sha256.size(), 64u);
  EXPECT_FALSE(leaf.der.empty());  // --tls-chain=leaf
  EXPECT_LT(leaf.not_before_unix_s, leaf.not_after_unix_s);
  ASSERT_TRUE(tls.validation.has_value());
  EXPECT_TRUE(tls.validation->trusted) << tls.validation->error;
  EXPECT_EQ(tls.validation->hostname_match, true);
  EXPECT_FALSE(tls.validation->expired);
  EXPECT_FALSE(tls.validation->self_signed);
  ASSERT_TRUE(tls.ehlo.has_value());
  EXPECT_EQ(tls.ehlo->reply.code(), 250);
  EXPECT_FALSE(tls.starttls_readvertised);
  EXPECT_FALSE(result.verdict.anomalies.Has(Anomaly::kStarttlsReadvertised));
  EXPECT_TRUE(result.quit_sent);
  EXPECT_TRUE(result.timing.tls_ms.has_value());
  // EHLO, STARTTLS, ClientHello, Finished with the EHLO over TLS in the same send, QUIT.
  EXPECT_EQ(peer.sends_.size(), 5u);
}

TEST_F(TlsSessionTest, ReadvertisedStarttlsJoinsTheSortedAnomalies) {
  SessionConfig config = Config();
  Session session(config);
  session.Reset(config, kMx);
  ScriptedPeer peer(&session);
  ThroughTls(peer, Server(), "250-mx.example\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
  peer.TlsReply("221 Bye\r\n");
  ASSERT_TRUE(session.finished());
  EXPECT_TRUE(session.result().tls->starttls_readvertised);
  EXPECT_TRUE(session.result().verdict.anomalies.Has(Anomaly::kStarttlsReadvertised));
}

TEST_F(TlsSessionTest, MisorderedHostGetsAProbeAndTls12OnlyIsRecorded) {
  SessionConfig config = Config();
  Session session(config);
  session.Reset(config, kMx);
  ScriptedPeer peer(&session);
  EXPECT_EQ(ToStarttls(peer, kEhloMisordered), "STARTTLS\r\n");
  peer.BeginTls(Server(TlsVersions::kTls12Only, CertKind::kValidRsa));
  peer.Reply(kReady);
  peer.Ferry();
  peer.TlsReply(kEhloOverTls);
  peer.Step(SessionEvent::PeerClosed(peer.now()));
  ASSERT_TRUE(session.finished());
  const SessionResult& result = session.result();
  EXPECT_EQ(result.starttls->reason, StarttlsReason::kProbe);
  EXPECT_EQ(result.tls->outcome, TlsOutcome::kOk);
  EXPECT_EQ(result.tls->version, "TLSv1.2");
  EXPECT_EQ(result.tls->chain[0].key_type, "RSA");
  EXPECT_EQ(result.tls->chain[0].key_bits, 2048);
  EXPECT_TRUE(result.tls->chain[0].der.empty());  // --tls-chain=none
}

TEST_F(TlsSessionTest, PolicyDecidesWhetherStarttlsIsSent) {
  for (auto [policy, ehlo, sent] : {std::tuple{StarttlsPolicy::kOffered, kEhloNoStarttls, false},
                                    std::tuple{StarttlsPolicy::kAlways, kEhloNoStarttls, true},
                                    std::tuple{StarttlsPolicy::kNever, kEhloCompliant, false}}) {
    SessionConfig config = Config(policy);
    Session session(config);
    ScriptedPeer peer(&session);
    std::string wire = ToStarttls(peer, ehlo);
    EXPECT_EQ(wire, sent ? "STARTTLS\r\n" : "QUIT\r\n");
    if (sent) {
      peer.Reply("502 5.5.2 Command not recognized\r\n");
      EXPECT_EQ(session.result().starttls->reason, StarttlsReason::kForced);
      EXPECT_EQ(session.result().tls->outcome, TlsOutcome::kStarttlsRefused);
    }
  }
}

TEST_F(TlsSessionTest, RefusedStarttlsRecordsTheCodeAndQuitsInPlaintext) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  ToStarttls(peer);
  peer.Reply("454 4.7.0 TLS not available due to local problem\r\n");
  EXPECT_EQ(peer.TakeWire(), "QUIT\r\n");
  peer.Reply("221 Bye\r\n");
  ASSERT_TRUE(session.finished());
  const SessionResult& result = session.result();
  EXPECT_EQ(result.status, ScanStatus::kSuccess);
  EXPECT_EQ(result.starttls->reply->reply.code(), 454);
  EXPECT_EQ(result.tls->outcome, TlsOutcome::kStarttlsRefused);
  EXPECT_EQ(result.tls->failed_phase, TlsPhase::kStarttls);
}

TEST_F(TlsSessionTest, PlaintextAfter220IsKeptAndFailsTheHandshakeNotTheSmtpSession) {
  for (bool same_read : {true, false}) {
    SessionConfig config = Config();
    Session session(config);
    ScriptedPeer peer(&session);
    ToStarttls(peer);
    std::string garbage = "This is not TLS. \x01\x02\x03\xff\xfe garbage\r\n";
    if (same_read) {
      peer.Reply(std::string(kReady) + garbage);
    } else {
      peer.Reply(kReady);
      peer.Reply(garbage);
    }
    ASSERT_TRUE(session.finished());
    const SessionResult& result = session.result();
    EXPECT_EQ(result.status, ScanStatus::kSuccess);
    EXPECT_EQ(result.tls->outcome, TlsOutcome::kHandshakeError);
    EXPECT_EQ(result.tls->failed_phase, TlsPhase::kHandshake);
    EXPECT_EQ(result.starttls->reply->trailing, same_read ? garbage : "");
    EXPECT_FALSE(result.tls->ehlo.has_value());  // never parsed as an SMTP reply
  }
}

TEST_F(TlsSessionTest, ServerAlertIsAHandshakeErrorWithItsReason) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  ToStarttls(peer);
  SSL* server = Server(TlsVersions::kTls12Only);
  // The server insists on a client certificate the scanner does not have: it sends an alert.
  SSL_set_verify(server, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  peer.BeginTls(server);
  peer.Reply(kReady);
  peer.Ferry();
  ASSERT_TRUE(session.finished());
  const TlsRecord& tls = *session.result().tls;
  EXPECT_EQ(tls.outcome, TlsOutcome::kHandshakeError);
  EXPECT_NE(tls.error.find("ALERT"), std::string::npos) << tls.error;
}

TEST_F(TlsSessionTest, EveryPreHandshakeFailureHasItsOutcomeAndPhase) {
  struct Case {
    SessionEvent::Kind kind;
    bool after_220;
    TlsOutcome outcome;
    TlsPhase phase;
  };
  for (const Case& c :
       {Case{SessionEvent::Kind::kTimeout, false, TlsOutcome::kTimeout, TlsPhase::kStarttls},
        Case{SessionEvent::Kind::kTimeout, true, TlsOutcome::kTimeout, TlsPhase::kHandshake},
        Case{SessionEvent::Kind::kPeerClosed, false, TlsOutcome::kPeerClosed, TlsPhase::kStarttls},
        Case{SessionEvent::Kind::kPeerClosed, true, TlsOutcome::kPeerClosed, TlsPhase::kHandshake},
        Case{SessionEvent::Kind::kIoError, true, TlsOutcome::kConnectionReset,
             TlsPhase::kHandshake}}) {
    SessionConfig config = Config();
    Session session(config);
    ScriptedPeer peer(&session);
    ToStarttls(peer);
    if (c.after_220) {
      peer.Reply(kReady);
      EXPECT_EQ(peer.deadline_.phase, SessionPhase::kTlsHandshake);
    } else {
      peer.Reply("220-partial");  // part of a reply only
    }
    SessionEvent event = SessionEvent::PeerClosed(peer.now());
    if (c.kind == SessionEvent::Kind::kTimeout)
      event = SessionEvent::Timeout(peer.now(), session.phase());
    if (c.kind == SessionEvent::Kind::kIoError)
      event = SessionEvent::IoError(peer.now(), ECONNRESET);
    peer.Step(event);
    ASSERT_TRUE(session.finished());
    const SessionResult& result = session.result();
    EXPECT_EQ(result.status, ScanStatus::kSuccess);
    EXPECT_EQ(result.tls->outcome, c.outcome);
    EXPECT_EQ(result.tls->failed_phase, c.phase);
    EXPECT_FALSE(result.tls->error.empty());
  }
}

TEST_F(TlsSessionTest, InterruptAndMalformedStarttlsReply) {
  {
    SessionConfig config = Config();
    Session session(config);
    ScriptedPeer peer(&session);
    ToStarttls(peer);
    peer.Step(SessionEvent::Interrupt(peer.now(), SessionPhase::kStarttls));
    EXPECT_EQ(session.result().tls->outcome, TlsOutcome::kInterrupted);
  }
  {
    SessionConfig config = Config();
    Session session(config);
    ScriptedPeer peer(&session);
    ToStarttls(peer);
    peer.Reply("HTTP/1.1 400 Bad Request\r\n");
    ASSERT_TRUE(session.finished());
    EXPECT_EQ(session.result().tls->outcome, TlsOutcome::kProtocolError);
    EXPECT_EQ(session.result().status, ScanStatus::kSuccess);
  }
}

// docs/rules.md §3: the framing rules hold for the STARTTLS reply too. A reply that never ends
// is cut at the cap, keeps its bytes and its anomalies, and the class stays the EHLO's.
TEST_F(TlsSessionTest, EndlessStarttlsReplyIsCutWithItsAnomaliesAndBytes) {
  for (bool one_line : {false, true}) {
    SessionConfig config = Config();
    Session session(config);
    ScriptedPeer peer(&session);
    ToStarttls(peer);
    std::string chunk;
    if (one_line) {
      peer.Reply("220-");
      chunk = std::string(4096, 'x');
    } else {
      for (int i = 0; i < 32; ++i) chunk += "220-still not ready " + std::string(100, '.') + "\r\n";
    }
    for (int i = 0; i < 100 && !session.finished(); ++i) peer.Reply(chunk);
    ASSERT_TRUE(session.finished());
    const SessionResult& result = session.result();
    EXPECT_EQ(result.status, ScanStatus::kSuccess);
    EXPECT_EQ(result.verdict.cls, EhloClass::kCompliant);
    EXPECT_EQ(result.tls->outcome, TlsOutcome::kProtocolError);
    EXPECT_TRUE(result.verdict.anomalies.Has(Anomaly::kReplyTruncated));
    EXPECT_EQ(result.verdict.anomalies.Has(Anomaly::kLineTooLong), one_line);
    ASSERT_TRUE(result.starttls->reply.has_value());
    EXPECT_EQ(result.starttls->reply->reply.raw.size(), 64u * 1024);
  }
}

// ... and for the EHLO over TLS: cut, its bytes kept, the handshake's outcome still ok.
TEST_F(TlsSessionTest, EndlessEhloOverTlsIsCutWithItsAnomaliesAndBytes) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  ToStarttls(peer);
  peer.BeginTls(Server());
  peer.Reply(kReady);
  peer.Ferry();
  ASSERT_EQ(session.phase(), SessionPhase::kTlsEhlo);
  std::string lines = "250-mx.example greets you\r\n";
  for (int i = 0; i < 100; ++i) {
    lines += "250-X-FILLER-" + std::to_string(i) + " " + std::string(100, '.') + "\r\n";
  }
  for (int i = 0; i < 40 && !session.finished(); ++i) peer.TlsReply(lines);
  ASSERT_TRUE(session.finished());
  const SessionResult& result = session.result();
  EXPECT_EQ(result.tls->outcome, TlsOutcome::kOk);
  EXPECT_EQ(result.tls->failed_phase, TlsPhase::kEhlo);
  EXPECT_TRUE(result.verdict.anomalies.Has(Anomaly::kReplyTruncated));
  ASSERT_TRUE(result.tls->ehlo.has_value());
  EXPECT_EQ(result.tls->ehlo->reply.raw.size(), 64u * 1024);
  EXPECT_EQ(result.verdict.cls, EhloClass::kCompliant);
}

TEST_F(TlsSessionTest, FailuresAfterTheHandshakeKeepOutcomeOk) {
  for (int variant = 0; variant < 3; ++variant) {
    SessionConfig config = Config();
    Session session(config);
    ScriptedPeer peer(&session);
    ToStarttls(peer);
    peer.BeginTls(Server());
    peer.Reply(kReady);
    peer.Ferry();
    ASSERT_EQ(session.phase(), SessionPhase::kTlsEhlo);
    if (variant == 0) peer.Step(SessionEvent::Timeout(peer.now(), SessionPhase::kTlsEhlo));
    if (variant == 1) peer.TlsReply("not a reply\r\n");
    if (variant == 2) {
      SSL_shutdown(peer.server());
      peer.Reply(peer.TakeServerCiphertext());
    }
    ASSERT_TRUE(session.finished());
    const TlsRecord& tls = *session.result().tls;
    EXPECT_EQ(tls.outcome, TlsOutcome::kOk);
    EXPECT_EQ(tls.failed_phase, TlsPhase::kEhlo);
    EXPECT_FALSE(tls.error.empty());
  }
}

TEST_F(TlsSessionTest, ValidationVerdictsForBadCertificates) {
  struct Case {
    CertKind kind;
    bool trusted, hostname, expired, self_signed;
  };
  for (const Case& c : {Case{CertKind::kExpired, false, true, true, false},
                        Case{CertKind::kWrongName, true, false, false, false},
                        Case{CertKind::kSelfSigned, false, true, false, true}}) {
    SessionConfig config = Config();
    Session session(config);
    session.Reset(config, kMx);
    ScriptedPeer peer(&session);
    ThroughTls(peer, Server(TlsVersions::kTls12And13, c.kind));
    const TlsRecord& tls = *session.result().tls;
    EXPECT_EQ(tls.outcome, TlsOutcome::kOk);  // validation never fails the handshake
    ASSERT_TRUE(tls.validation.has_value());
    EXPECT_EQ(tls.validation->trusted, c.trusted) << tls.validation->error;
    EXPECT_EQ(tls.validation->hostname_match, c.hostname);
    EXPECT_EQ(tls.validation->expired, c.expired);
    EXPECT_EQ(tls.validation->self_signed, c.self_signed);
    EXPECT_EQ(tls.validation->error.empty(), c.trusted);
  }
}

TEST_F(TlsSessionTest, NoServerNameMeansNoSniAndNoHostnameVerdict) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  ThroughTls(peer, Server());
  EXPECT_EQ(SSL_get_servername(peer.server(), TLSEXT_NAMETYPE_host_name), nullptr);
  EXPECT_FALSE(session.result().tls->sni.has_value());
  EXPECT_FALSE(session.result().tls->validation->hostname_match.has_value());
}

// The send buffer stays put while the engine sends it: bytes arriving meanwhile queue new
// records behind it, and the ClientHello waits for the STARTTLS command's send to finish.
TEST_F(TlsSessionTest, SendBufferIsStableWhileASendIsInFlight) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  ToStarttls(peer);
  peer.BeginTls(Server());
  peer.hold_sends_ = true;
  // The STARTTLS send has completed (ToStarttls reported it); hold the ClientHello's.
  peer.Reply(kReady);
  ASSERT_FALSE(peer.held_.empty());
  std::string held_copy(peer.held_);
  const char* held_data = peer.held_.data();
  std::string server_flight = peer.ServerTurn();  // ServerHello ... Finished
  SessionActions actions = peer.Step(SessionEvent::Bytes(peer.now(), server_flight));
  EXPECT_TRUE(actions.send.empty());  // the client Finished waits behind the held send
  EXPECT_EQ(std::string_view(held_data, held_copy.size()), held_copy);
  EXPECT_EQ(session.phase(), SessionPhase::kTlsEhlo);
  peer.ReleaseHeldSend();  // now the queued Finished + EHLO go out
  EXPECT_EQ(peer.TakeServerPlain(), "EHLO scanner.example\r\n");
}

TEST_F(TlsSessionTest, PeerFloodingTheHandshakeHitsTheCap) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  ToStarttls(peer);
  peer.Reply(kReady);
  // A record header announcing a large record, then far more bytes than the cap.
  std::string flood = std::string("\x16\x03\x03\x40\x00", 5) + std::string(200 * 1024, 'A');
  peer.Reply(flood);
  ASSERT_TRUE(session.finished());
  EXPECT_EQ(session.result().tls->outcome, TlsOutcome::kHandshakeError);
}

TEST_F(TlsSessionTest, WithoutContextTheSessionEndsAfterEhloAsBefore) {
  SessionConfig config("scanner.example");
  Session session(config);
  ScriptedPeer peer(&session);
  EXPECT_EQ(ToStarttls(peer), "QUIT\r\n");
  peer.Reply("221 Bye\r\n");
  EXPECT_FALSE(session.result().starttls.has_value());
  EXPECT_FALSE(session.result().tls.has_value());
}

// A server that answers EHLO and STARTTLS before our commands went out (found by
// fuzz/smtp/session_fuzzer): nothing overlaps the send in flight; once it completes,
// STARTTLS and the ClientHello behind it leave in order, as one send.
TEST_F(TlsSessionTest, EarlyRepliesQueueStarttlsAndClientHelloBehindTheSendInFlight) {
  SessionConfig config = Config();
  Session session(config);
  ScriptedPeer peer(&session);
  peer.Start();
  peer.hold_sends_ = true;
  peer.Reply(kBanner);
  EXPECT_EQ(peer.held_, "EHLO scanner.example\r\n");
  peer.Reply(kEhloCompliant);
  EXPECT_TRUE(peer.last_.send.empty());
  peer.Reply(kReady);
  EXPECT_TRUE(peer.last_.send.empty());
  EXPECT_EQ(session.state(), SessionState::kHandshake);
  ASSERT_EQ(peer.sends_.size(), 1u);
  peer.ReleaseHeldSend();
  ASSERT_EQ(peer.sends_.size(), 2u);
  const std::string& queued = peer.sends_[1];
  ASSERT_GT(queued.size(), 12u);
  EXPECT_EQ(queued.substr(0, 10), "STARTTLS\r\n");
  EXPECT_EQ(queued[10], '\x16');  // a handshake record: the ClientHello
  EXPECT_EQ(queued[11], '\x03');
  EXPECT_FALSE(session.finished());
}

}  // namespace
}  // namespace starttls::testing
