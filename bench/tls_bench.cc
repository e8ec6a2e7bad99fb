// tls-bench: what one TLS handshake costs the scanner. (a) The floor: a bare BoringSSL TLS 1.3
// client handshake over memory BIOs against an in-process server (the lab's PKI), on a
// TLS_with_buffers_method() context whose verify callback accepts at once: it checks the
// CertificateVerify signature (BoringSSL always does) but parses and builds no chain. (b) The
// scanner's own client (TlsClientContext: its chain parse in the verify callback) plus what the
// session adds per handshake (certificate facts, trust verdict, validation). The client's and
// the server's CPU time are measured apart (CLOCK_THREAD_CPUTIME_ID around each side's calls).
// Every handshake is with a new MX name, so a new leaf; with `--pki intermediates` the leaves
// are RSA-2048 for --rsa-percent of the names and ECDSA P-256 otherwise, under the lab's four
// intermediates, as `smtp-lab --pki intermediates` serves them. No sockets: this is the
// handshake part of the floor a scan's per-session TLS CPU is compared with.
//   tls-bench [--handshakes N] [--pki flat|intermediates] [--rsa-percent N] [--only floor|scanner]
// (--only: run one of the two, e.g. under callgrind --toggle-collect='starttls::TlsConnection::*'
// to count the client's instructions alone.)
#include <openssl/ssl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "bench/lab/lab_certs.h"
#include "scanner/tls/certificate_info.h"
#include "scanner/tls/chain_validation.h"
#include "scanner/tls/tls_client_context.h"
#include "scanner/tls/tls_connection.h"

namespace starttls {
namespace {

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t WallNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The floor's verify callback: the chain is not looked at.
enum ssl_verify_result_t AcceptChain(SSL*, uint8_t*) { return ssl_verify_ok; }

struct Totals {
  int64_t client_cpu_ns = 0;
  int64_t server_cpu_ns = 0;
  int64_t extras_cpu_ns = 0;  // certificate facts + validation
  int ok = 0;
};

std::string Drain(BIO* bio) {
  std::string out;
  char buffer[8192];
  int got;
  while ((got = BIO_read(bio, buffer, sizeof(buffer))) > 0) out.append(buffer, got);
  return out;
}

// One handshake with `mx`; false on failure. `scanner` null: the floor's bare client on `ctx`.
bool OneHandshake(SSL_CTX* ctx, const TlsClientContext* scanner, lab::CertStore& store,
                  const std::string& mx, Totals* totals) {
  const bool extras = scanner != nullptr;
  int64_t t0 = ThreadCpuNs();
  SSL* server = store.NewSsl(lab::TlsVersions::kTls13Only, lab::CertKind::kValidEcdsa, mx);
  BIO* server_in = BIO_new(BIO_s_mem());
  BIO* server_out = BIO_new(BIO_s_mem());
  SSL_set_bio(server, server_in, server_out);
  int64_t t1 = ThreadCpuNs();
  totals->server_cpu_ns += t1 - t0;

  t0 = ThreadCpuNs();
  TlsConnection client;
  bool ok = client.Start(ctx, mx, 64 * 1024);
  std::string to_server;
  TlsStep step = client.Handshake();
  client.TakeCiphertext(&to_server);
  totals->client_cpu_ns += ThreadCpuNs() - t0;

  for (int round = 0; ok && round < 6 && step != TlsStep::kDone; ++round) {
    t0 = ThreadCpuNs();
    BIO_write(server_in, to_server.data(), static_cast<int>(to_server.size()));
    to_server.clear();
    SSL_do_handshake(server);
    std::string to_client = Drain(server_out);
    totals->server_cpu_ns += ThreadCpuNs() - t0;

    t0 = ThreadCpuNs();
    client.FeedCiphertext(to_client);
    step = client.Handshake();
    client.TakeCiphertext(&to_server);
    totals->client_cpu_ns += ThreadCpuNs() - t0;
    if (step == TlsStep::kError) ok = false;
  }
  // The server reads the client's Finished (its part of the cost).
  t0 = ThreadCpuNs();
  BIO_write(server_in, to_server.data(), static_cast<int>(to_server.size()));
  SSL_do_handshake(server);
  Drain(server_out);
  SSL_free(server);
  totals->server_cpu_ns += ThreadCpuNs() - t0;

  ok = ok && step == TlsStep::kDone && client.version() == std::string_view("TLSv1.3");
  if (ok && extras) {
    t0 = ThreadCpuNs();
    const PeerChain& chain = client.peer_chain();
    for (size_t i = 0; i < chain.size(); ++i) {
      CertificateInfo info = chain.Describe(i, false);
      if (info.sha256.empty()) ok = false;
    }
    time_t now = std::time(nullptr);
    long trust = scanner->verifier().Verify(chain, now);
    ChainValidation validation = ValidateChain(chain.stack(), trust, mx, now);
    if (!validation.trusted) ok = false;
    totals->extras_cpu_ns += ThreadCpuNs() - t0;
  }
  if (ok) ++totals->ok;
  return ok;
}

}  // namespace
}  // namespace starttls

int main(int argc, char** argv) {
  using namespace starttls;
  int handshakes = 5000;
  lab::PkiShape shape;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--handshakes") == 0 && i + 1 < argc) {
      handshakes = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--pki") == 0 && i + 1 < argc &&
               (std::strcmp(argv[i + 1], "flat") == 0 ||
                std::strcmp(argv[i + 1], "intermediates") == 0)) {
      shape.intermediates = std::strcmp(argv[++i], "intermediates") == 0;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc &&
               (std::strcmp(argv[i + 1], "floor") == 0 ||
                std::strcmp(argv[i + 1], "scanner") == 0)) {
      only = argv[++i];
    } else if (std::strcmp(argv[i], "--rsa-percent") == 0 && i + 1 < argc) {
      shape.rsa_percent = static_cast<unsigned>(std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: tls-bench [--handshakes N] [--pki flat|intermediates] [--rsa-percent N]"
                   " [--only floor|scanner]\n");
      return 2;
    }
  }
  char dir_template[] = "/tmp/tls-bench.XXXXXX";
  std::string dir = mkdtemp(dir_template);
  lab::CertStore store;
  std::string error;
  if (!store.Init(dir, error, shape)) {
    std::fprintf(stderr, "tls-bench: lab PKI: %s\n", error.c_str());
    return 1;
  }
  TlsClientOptions options;
  options.ca_file = dir + "/ca.pem";
  options.ca_file_required = true;
  std::unique_ptr<TlsClientContext> context = TlsClientContext::Create(options, &error);
  std::remove((dir + "/ca.pem").c_str());
  std::remove((dir + "/lab-pki.pem").c_str());
  rmdir(dir.c_str());
  if (!context) {
    std::fprintf(stderr, "tls-bench: %s\n", error.c_str());
    return 1;
  }
  bssl::UniquePtr<SSL_CTX> bare(SSL_CTX_new(TLS_with_buffers_method()));
  if (!bare || !SSL_CTX_set_min_proto_version(bare.get(), TLS1_3_VERSION)) return 1;
  SSL_CTX_set_custom_verify(bare.get(), SSL_VERIFY_PEER, AcceptChain);
  SSL_CTX_set_session_cache_mode(bare.get(), SSL_SESS_CACHE_OFF);
  // A new name per handshake: a new leaf each time, as in a scan (the names differ between
  // the two runs too). Warm-up first: code and the intermediates' cache entries.
  int serial = 0;
  auto next_name = [&serial] { return "mx-bench-" + std::to_string(++serial) + ".lab.test"; };
  for (int i = 0; i < 50; ++i) {
    Totals warm;
    OneHandshake(bare.get(), nullptr, store, next_name(), &warm);
    OneHandshake(context->ctx(), context.get(), store, next_name(), &warm);
  }
  for (bool extras : {false, true}) {
    if (!only.empty() && extras != (only == "scanner")) continue;
    Totals totals;
    int64_t wall0 = WallNs();
    for (int i = 0; i < handshakes; ++i) {
      OneHandshake(extras ? context->ctx() : bare.get(), extras ? context.get() : nullptr, store,
                   next_name(), &totals);
    }
    double wall_s = static_cast<double>(WallNs() - wall0) / 1e9;
    if (totals.ok != handshakes) {
      std::fprintf(stderr, "tls-bench: %d of %d handshakes failed\n", handshakes - totals.ok,
                   handshakes);
      return 1;
    }
    double n = handshakes;
    std::printf(
        "%s: %d TLS 1.3 handshakes (X25519), %s, one thread, both ends in process\n"
        "  handshakes/s (client+server on one core): %.0f\n"
        "  client CPU per handshake: %.1f us  (=> %.0f client handshakes/s per core)\n"
        "  server CPU per handshake: %.1f us\n",
        extras ? "scanner client + certificate facts + trust verdict + validation"
               : "floor: bare client, CertificateVerify checked, no chain built",
        handshakes,
        shape.intermediates ? ("leaves under intermediates, " + std::to_string(shape.rsa_percent) +
                               "% RSA-2048, the rest ECDSA P-256")
                                  .c_str()
                            : "ECDSA P-256 leaves under the CA",
        n / wall_s, totals.client_cpu_ns / n / 1e3, 1e9 / (totals.client_cpu_ns / n),
        totals.server_cpu_ns / n / 1e3);
    if (extras) {
      std::printf(
          "  certificate facts + trust verdict + validation per handshake: %.1f us\n"
          "  trust verdicts: %llu by the shortcut, %llu in full\n",
          totals.extras_cpu_ns / n / 1e3,
          static_cast<unsigned long long>(context->verifier().shortcut_count()),
          static_cast<unsigned long long>(context->verifier().full_count()));
    }
  }
  return 0;
}
