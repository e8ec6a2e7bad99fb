// The `domain` record: fields read back, and every shape validated against the JSON Schema.
#include "resolver/domain_record_writer.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "output/json_reader.h"

namespace starttls {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

DomainVerdict Sample() {
  DomainVerdict v;
  v.resolution.domain = "example.test";
  v.resolution.rcode = "NOERROR";
  v.resolution.kind = DomainResolution::kMx;
  v.resolution.exchanges = {Exchange{"mx1.example.test", 10, {Ip("192.0.2.1"), Ip("2001:db8::1")}, ""},
                            Exchange{"ghost.example.test", 20, {}, "no address records"},
                            Exchange{std::string("bad\xff.test"), 30, {}, "exchange is not a host name"}};
  v.endpoints = {JoinedEndpoint{Endpoint{Ip("192.0.2.1"), 25}, ScanStatus::kSuccess, EhloClass::kStarttlsMisordered},
                 JoinedEndpoint{Endpoint{Ip("2001:db8::1"), 25}, ScanStatus::kConnectionRefused, std::nullopt}};
  v.verdict = "starttls_misordered";
  return v;
}

TEST(DomainRecordWriterTest, FieldsReadBack) {
  std::string line;
  AppendDomainRecord(Sample(), 7, 1700000000123, &line);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto value = ParseJson(line);
  ASSERT_TRUE(value.ok()) << value.status() << line;
  EXPECT_NE(line.find("\"type\":\"domain\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"dns\":\"NOERROR\",\"mx_kind\":\"mx\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"line\":7"), std::string::npos) << line;
  EXPECT_NE(line.find("{\"name\":\"mx1.example.test\",\"preference\":10,\"addresses\":[\"192.0.2.1\","
                      "\"2001:db8::1\"],\"error\":null}"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("{\"ip\":\"2001:db8::1\",\"port\":25,\"status\":\"connection-refused\",\"class\":null}"),
            std::string::npos)
      << line;
  // Byte 0xFF is kept as U+00FF (UTF-8 C3 BF), not replaced.
  EXPECT_NE(line.find("\"name\":\"bad\xc3\xbf.test\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"verdict\":\"starttls_misordered\""), std::string::npos);
  EXPECT_NE(line.find("\"timestamp\":\"2023-11-14T22:13:20.123Z\""), std::string::npos) << line;
}

TEST(DomainRecordWriterTest, EveryShapeValidatesAgainstTheSchema) {
  std::string lines;
  AppendDomainRecord(Sample(), 1, 0, &lines);
  DomainVerdict null_mx;
  null_mx.resolution.domain = "null.test";
  null_mx.resolution.rcode = "NOERROR";
  null_mx.resolution.kind = DomainResolution::kNull;
  null_mx.resolution.exchanges = {Exchange{".", 0, {}, ""}};
  null_mx.verdict = "no_mail";
  AppendDomainRecord(null_mx, 0, 0, &lines);
  DomainVerdict nx;
  nx.resolution.domain = "nx.test";
  nx.resolution.rcode = "NXDOMAIN";
  nx.resolution.error = "MX lookup: Domain name not found";
  nx.verdict = "dns_error";
  AppendDomainRecord(nx, 3, 0, &lines);
  DomainVerdict timeout = nx;
  timeout.resolution.rcode = "TIMEOUT";
  AppendDomainRecord(timeout, 4, 0, &lines);

  char path[] = "/tmp/domain-records-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  close(fd);
  const std::string command = std::string("python3 '") + STARTTLS_VALIDATE_SCRIPT + "' '" +
                              STARTTLS_SCHEMA_DIR + "/starttls-scan.schema.json' '" + path + "'";
  const int status = std::system(command.c_str());
  unlink(path);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << lines;

  // And a broken record is caught by the same check (the check can fail).
  std::string bad = "{\"type\":\"domain\",\"schema\":1,\"domain\":\"x.test\",\"verdict\":\"maybe\"}\n";
  char bad_path[] = "/tmp/domain-records-bad-XXXXXX";
  const int bfd = mkstemp(bad_path);
  ASSERT_GE(bfd, 0);
  ASSERT_EQ(write(bfd, bad.data(), bad.size()), static_cast<ssize_t>(bad.size()));
  close(bfd);
  const int bad_status = std::system((std::string("python3 '") + STARTTLS_VALIDATE_SCRIPT + "' '" +
                                      STARTTLS_SCHEMA_DIR + "/starttls-scan.schema.json' '" + bad_path +
                                      "' --expect-invalid")
                                         .c_str());
  unlink(bad_path);
  EXPECT_EQ(WEXITSTATUS(bad_status), 0);
}

}  // namespace
}  // namespace starttls
