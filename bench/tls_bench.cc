// tls-bench: what one TLS handshake costs the scanner. (a) BoringSSL's client handshake over
// memory BIOs against an in-process server (the lab's PKI; TLS 1.3, ECDSA P-256), with the
// client's and the server's CPU time measured apart (CLOCK_THREAD_CPUTIME_ID around each
// side's calls); then the same plus what the session adds per handshake (certificate facts
// and chain validation). No sockets: this is the floor a scan's per-session TLS CPU is
// compared with.
//   tls-bench [--handshakes N]
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

// One handshake; false on failure.
bool OneHandshake(const TlsClientContext& client_ctx, lab::CertStore& store, bool extras,
                  Totals* totals) {
  const std::string mx = "mx-bench.lab.test";
  int64_t t0 = ThreadCpuNs();
  SSL* server = store.NewSsl(lab::TlsVersions::kTls13Only, lab::CertKind::kValidEcdsa, mx);
  BIO* server_in = BIO_new(BIO_s_mem());
  BIO* server_out = BIO_new(BIO_s_mem());
  SSL_set_bio(server, server_in, server_out);
  int64_t t1 = ThreadCpuNs();
  totals->server_cpu_ns += t1 - t0;

  t0 = ThreadCpuNs();
  TlsConnection client;
  bool ok = client.Start(client_ctx.ctx(), mx, 64 * 1024);
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
    STACK_OF(X509)* chain = client.peer_chain();
    for (size_t i = 0; i < sk_X509_num(chain); ++i) {
      CertificateInfo info = DescribeCertificate(sk_X509_value(chain, i), false);
      if (info.sha256.empty()) ok = false;
    }
    ChainValidation validation = ValidateChain(chain, client.verify_result(), mx, std::time(nullptr));
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
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--handshakes") == 0 && i + 1 < argc) {
      handshakes = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: tls-bench [--handshakes N]\n");
      return 2;
    }
  }
  char dir_template[] = "/tmp/tls-bench.XXXXXX";
  std::string dir = mkdtemp(dir_template);
  lab::CertStore store;
  std::string error;
  if (!store.Init(dir, error)) {
    std::fprintf(stderr, "tls-bench: lab PKI: %s\n", error.c_str());
    return 1;
  }
  TlsClientOptions options;
  options.ca_file = dir + "/ca.pem";
  options.ca_file_required = true;
  std::unique_ptr<TlsClientContext> context = TlsClientContext::Create(options, &error);
  std::remove((dir + "/ca.pem").c_str());
  rmdir(dir.c_str());
  if (!context) {
    std::fprintf(stderr, "tls-bench: %s\n", error.c_str());
    return 1;
  }
  for (int i = 0; i < 50; ++i) {  // warm-up: leaf minted, caches warm
    Totals warm;
    OneHandshake(*context, store, true, &warm);
  }
  for (bool extras : {false, true}) {
    Totals totals;
    int64_t wall0 = WallNs();
    for (int i = 0; i < handshakes; ++i) OneHandshake(*context, store, extras, &totals);
    double wall_s = static_cast<double>(WallNs() - wall0) / 1e9;
    if (totals.ok != handshakes) {
      std::fprintf(stderr, "tls-bench: %d of %d handshakes failed\n", handshakes - totals.ok,
                   handshakes);
      return 1;
    }
    double n = handshakes;
    std::printf(
        "%s: %d TLS 1.3 ECDSA P-256 handshakes (X25519), one thread, both ends in process\n"
        "  handshakes/s (client+server on one core): %.0f\n"
        "  client CPU per handshake: %.1f us  (=> %.0f client handshakes/s per core)\n"
        "  server CPU per handshake: %.1f us\n",
        extras ? "client + certificate facts + validation" : "handshake only", handshakes,
        n / wall_s, totals.client_cpu_ns / n / 1e3, 1e9 / (totals.client_cpu_ns / n),
        totals.server_cpu_ns / n / 1e3);
    if (extras) {
      std::printf("  certificate facts + chain validation per handshake: %.1f us\n",
                  totals.extras_cpu_ns / n / 1e3);
    }
  }
  return 0;
}
