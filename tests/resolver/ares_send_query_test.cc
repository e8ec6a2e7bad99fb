// What c-ares (the installed 1.18) does with a query we built and hand it through ares_send:
// it keeps our query ID, sends our bytes unchanged, hands back the answer with our ID and its
// AD bit; and on a FORMERR without OPT it retries with our OPT record (the last 11 octets)
// cut. dns_query.h relies on these facts; a c-ares upgrade that changes them fails here.
// The "server" is a UDP socket on 127.0.0.1 in this process.
#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "resolver/dns_answer.h"
#include "resolver/dns_query.h"

namespace starttls {
namespace {

struct Outcome {
  bool called = false;
  int status = -1;
  std::vector<uint8_t> answer;
};

void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* outcome = static_cast<Outcome*>(arg);
  outcome->called = true;
  outcome->status = status;
  if (abuf != nullptr && alen > 0) outcome->answer.assign(abuf, abuf + alen);
}

class AresSendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ares_library_init(ARES_LIB_INIT_ALL), ARES_SUCCESS);
    server_ = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(server_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(server_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(getsockname(server_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    ares_options opts;
    std::memset(&opts, 0, sizeof(opts));
    opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS;
    opts.ednspsz = 1232;
    opts.timeout = 2000;
    opts.tries = 1;
    ASSERT_EQ(
        ares_init_options(&channel_, &opts,
                          ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES),
        ARES_SUCCESS);
    const std::string server = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    ASSERT_EQ(ares_set_servers_ports_csv(channel_, server.c_str()), ARES_SUCCESS);
  }
  void TearDown() override {
    if (channel_ != nullptr) ares_destroy(channel_);
    if (server_ >= 0) close(server_);
  }

  // Runs c-ares and the server socket until `outcome` is called or 3 s pass; each query the
  // server receives goes to `serve`, whose reply (if not empty) is sent back.
  template <typename Serve>
  void Run(Outcome* outcome, Serve&& serve) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!outcome->called && std::chrono::steady_clock::now() < deadline) {
      fd_set readers, writers;
      FD_ZERO(&readers);
      FD_ZERO(&writers);
      int nfds = ares_fds(channel_, &readers, &writers);
      FD_SET(server_, &readers);
      if (server_ + 1 > nfds) nfds = server_ + 1;
      timeval tv{0, 50000};
      select(nfds, &readers, &writers, nullptr, &tv);
      if (FD_ISSET(server_, &readers)) {
        uint8_t buf[4096];
        sockaddr_in from{};
        socklen_t from_len = sizeof(from);
        ssize_t n =
            recvfrom(server_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n > 0) {
          std::vector<uint8_t> query(buf, buf + n);
          received_.push_back(query);
          std::vector<uint8_t> reply = serve(query);
          if (!reply.empty()) {
            sendto(server_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
                   from_len);
          }
        }
        FD_CLR(server_, &readers);
      }
      ares_process(channel_, &readers, &writers);
    }
  }

  ares_channel channel_ = nullptr;
  int server_ = -1;
  std::vector<std::vector<uint8_t>> received_;
};

// The query echoed back as an answer: QR, AD and RA set, with one TLSA record appended to
// the answer section (the query's OPT record moves after it).
std::vector<uint8_t> TlsaAnswerTo(const std::vector<uint8_t>& query) {
  std::vector<uint8_t> reply(query.begin(), query.end() - kDnsOptRecordOctets);
  reply[2] |= 0x80;
  reply[3] = 0xA0;  // RA, AD
  reply[7] = 1;     // ANCOUNT
  const uint8_t record[] = {0xC0, 0x0C, 0x00, 0x34, 0x00, 0x01, 0,    0,   1,
                            0,    0x00, 0x05, 3,    1,    1,    0xAB, 0xCD};
  reply.insert(reply.end(), record, record + sizeof(record));
  reply.insert(reply.end(), query.end() - kDnsOptRecordOctets, query.end());
  return reply;
}

TEST_F(AresSendTest, KeepsOurIdAndBytesAndReturnsTheAdBit) {
  std::vector<uint8_t> query;
  std::string error;
  ASSERT_TRUE(BuildDnsQuery(0x5A17, "_25._tcp.mx.example", kDnsTypeTlsa, {}, &query, &error));
  Outcome outcome;
  ares_send(channel_, query.data(), static_cast<int>(query.size()), &OnAnswer, &outcome);
  Run(&outcome, TlsaAnswerTo);
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0], query);  // the ID and every other byte as we built them
  ASSERT_TRUE(outcome.called);
  ASSERT_EQ(outcome.status, ARES_SUCCESS);
  ASSERT_GE(outcome.answer.size(), 12u);
  EXPECT_EQ(outcome.answer[0], 0x5A);
  EXPECT_EQ(outcome.answer[1], 0x17);
  DnsAnswer answer;
  ASSERT_TRUE(ParseDnsAnswer(outcome.answer.data(), outcome.answer.size(), "_25._tcp.mx.example",
                             kDnsTypeTlsa, 8, &answer, &error))
      << error;
  EXPECT_TRUE(answer.authenticated_data);
  ASSERT_EQ(answer.tlsa.size(), 1u);
  EXPECT_EQ(answer.tlsa[0].usage, 3);
  EXPECT_EQ(answer.tlsa[0].data, "\xAB\xCD");
}

TEST_F(AresSendTest, FormerrWithoutOptRetriesWithTheOptRecordCut) {
  std::vector<uint8_t> query;
  std::string error;
  ASSERT_TRUE(BuildDnsQuery(0x0102, "_mta-sts.example.org", kDnsTypeTxt, {}, &query, &error));
  Outcome outcome;
  ares_send(channel_, query.data(), static_cast<int>(query.size()), &OnAnswer, &outcome);
  Run(&outcome, [](const std::vector<uint8_t>& q) {
    std::vector<uint8_t> reply(q.begin(), q.end());
    if (q[11] == 1) {  // with OPT: FORMERR, echoing the question only
      reply.resize(q.size() - kDnsOptRecordOctets);
      reply[11] = 0;
      reply[2] |= 0x80;
      reply[3] = 0x01;  // FORMERR
      return reply;
    }
    reply[2] |= 0x80;  // without OPT: NOERROR, no records
    return reply;
  });
  ASSERT_EQ(received_.size(), 2u);
  EXPECT_EQ(received_[0], query);
  std::vector<uint8_t> cut(query.begin(), query.end() - kDnsOptRecordOctets);
  cut[11] = 0;  // ARCOUNT
  EXPECT_EQ(received_[1], cut);
  ASSERT_TRUE(outcome.called);
  EXPECT_EQ(outcome.status, ARES_SUCCESS);
}

}  // namespace
}  // namespace starttls
