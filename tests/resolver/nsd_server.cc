#include "tests/resolver/nsd_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "absl/status/status.h"

namespace starttls {
namespace {

std::string FindNsd() {
  for (const char* path : {"/usr/sbin/nsd", "/usr/local/sbin/nsd", "/usr/bin/nsd"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

bool CanBind(const Endpoint& endpoint, int type) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_storage addr;
  const socklen_t len = endpoint.ToSockaddr(&addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  close(fd);
  return ok;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::string ReadFileTail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

Endpoint RandomFreeLoopbackEndpoint() {
  std::random_device seed;
  std::mt19937 rng(seed());
  for (int attempt = 0; attempt < 200; ++attempt) {
    const uint32_t a = 1 + rng() % 254, b = rng() % 256, c = 1 + rng() % 254;
    Endpoint endpoint{IpAddress::V4((127u << 24) | (a << 16) | (b << 8) | c),
                      static_cast<uint16_t>(10000 + rng() % 10000)};
    if (CanBind(endpoint, SOCK_DGRAM) && CanBind(endpoint, SOCK_STREAM)) return endpoint;
  }
  return Endpoint{IpAddress::V4(0x7f000001), 0};
}

int ProbeRcode(const Endpoint& server, const std::string& zone, int timeout_ms) {
  std::string query("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  size_t start = 0;
  while (start <= zone.size()) {
    size_t dot = zone.find('.', start);
    if (dot == std::string::npos) dot = zone.size();
    query.push_back(static_cast<char>(dot - start));
    query.append(zone, start, dot - start);
    start = dot + 1;
  }
  query.append("\x00\x00\x06\x00\x01", 5);  // root, type SOA, class IN
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage addr;
  const socklen_t len = server.ToSockaddr(&addr);
  int rcode = -1;
  if (sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&addr), len) ==
      static_cast<ssize_t>(query.size())) {
    pollfd p{fd, POLLIN, 0};
    unsigned char reply[4096];
    if (poll(&p, 1, timeout_ms) == 1) {
      const ssize_t n = recv(fd, reply, sizeof(reply), 0);
      if (n >= 12 && reply[0] == 0x12 && reply[1] == 0x34) rcode = reply[3] & 0x0F;
    }
  }
  close(fd);
  return rcode;
}

absl::StatusOr<std::unique_ptr<NsdServer>> NsdServer::Start(
    const std::string& dir, const std::vector<NsdZone>& zones,
    const std::vector<std::string>& secondary_zones) {
  const std::string nsd = FindNsd();
  if (nsd.empty()) {
    return absl::FailedPreconditionError("nsd not installed (apt-get install -y nsd)");
  }
  if (zones.empty()) return absl::InvalidArgumentError("no zone");
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::unique_ptr<NsdServer> server(new NsdServer());
    server->dir_ = dir;
    server->endpoint_ = RandomFreeLoopbackEndpoint();
    const std::string addr = server->endpoint_.ip.ToString();
    const std::string port = std::to_string(server->endpoint_.port);
    std::string conf = "server:\n  ip-address: " + addr + "@" + port + "\n  port: " + port +
                       "\n  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"" + dir +
                       "\"\n  database: \"\"\n  zonelistfile: \"" + dir + "/zone.list\"\n" +
                       "  xfrdfile: \"" + dir + "/xfrd.state\"\n  xfrdir: \"" + dir + "\"\n" +
                       "  pidfile: \"" + dir + "/nsd.internal.pid\"\n  logfile: \"" + dir +
                       "/nsd.log\"\n  server-count: 1\n  verbosity: 1\n  hide-version: yes\n" +
                       "  tcp-count: 200\n  receive-buffer-size: 4194304\n  send-buffer-size: "
                       "4194304\nremote-control:\n  control-enable: no\n";
    for (const NsdZone& zone : zones) {
      const std::string file = dir + "/" + zone.origin + ".zone";
      if (!WriteFile(file, zone.text)) return absl::InternalError("cannot write " + file);
      conf += "zone:\n  name: " + zone.origin + "\n  zonefile: \"" + file + "\"\n";
    }
    for (const std::string& name : secondary_zones) {
      // The primary is an address where nothing listens: the zone never loads.
      conf += "zone:\n  name: " + name + "\n  request-xfr: 127.0.0.1@9 NOKEY\n" +
              "  allow-notify: 127.0.0.1 NOKEY\n";
    }
    const std::string conf_path = dir + "/nsd.conf";
    if (!WriteFile(conf_path, conf)) return absl::InternalError("cannot write " + conf_path);

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) return absl::InternalError("fork failed");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
      const int out = open((dir + "/nsd.stdout").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
      }
      const int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
      execl(nsd.c_str(), nsd.c_str(), "-d", "-c", conf_path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    server->pid_ = pid;
    WriteFile(dir + "/nsd.pid", std::to_string(pid) + "\n");
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        server->pid_ = -1;
        last_error =
            "nsd exited: " + ReadFileTail(dir + "/nsd.log") + ReadFileTail(dir + "/nsd.stdout");
        break;
      }
      if (ProbeRcode(server->endpoint_, zones.front().origin, 100) == 0) return server;
    }
    if (server->pid_ > 0) last_error = "nsd did not answer within 10 s";
    // ~NsdServer stops it; try another address and port.
  }
  return absl::InternalError(last_error);
}

NsdServer::~NsdServer() { Stop(); }

void NsdServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

}  // namespace starttls
