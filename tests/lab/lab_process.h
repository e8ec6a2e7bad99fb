// Test support: starts smtp-lab (path from SMTP_LAB_BIN) on a random 127.x.y.0/24 range and
// stops it by its recorded PID in the destructor — so even a failing test leaves nothing behind.
#pragma once
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace starttls::lab::test {

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class LabProcess {
 public:
  // Picks a random /24 inside 127.100.0.0-127.199.255.0 and a random port.
  LabProcess() : rng_(std::random_device{}()) {
    prefix_ =
        "127." + std::to_string(100 + rng_() % 100) + "." + std::to_string(rng_() % 256) + ".";
    PickPort();
    run_dir_ =
        std::filesystem::temp_directory_path() /
        ("smtp-lab-test-" + std::to_string(getpid()) + "-" + std::to_string(rng_() % 100000));
    std::filesystem::create_directories(run_dir_);
  }
  ~LabProcess() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(run_dir_, ec);
  }

  std::string Ip(int host) const { return prefix_ + std::to_string(host); }
  uint16_t port() const { return port_; }
  std::string run_dir() const { return run_dir_.string(); }
  std::string Path(const std::string& name) const { return (run_dir_ / name).string(); }
  std::string Mx(int host) const {
    std::string dashed = prefix_;
    for (char& c : dashed)
      if (c == '.') c = '-';
    return "mx-" + dashed + std::to_string(host) + ".lab.test";
  }

  // Starts the lab with `flags` plus --run-dir/--port/--stats-file; waits for the ready file.
  // Tests run side by side, and a wildcard lab's 0.0.0.0:port clashes with any socket another
  // test holds on that port, so a lab that exits at start is tried again on another port.
  bool Start(const std::vector<std::string>& flags, int timeout_ms = 15000) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (StartOnce(flags, timeout_ms)) return true;
      if (pid_ > 0) return false;  // still running but never ready: not a port clash
      PickPort();
    }
    return false;
  }

 private:
  // Ports below Linux's ephemeral range (32768+), so client sockets of other tests never hold them.
  void PickPort() { port_ = static_cast<uint16_t>(20000 + rng_() % 12000); }

  bool StartOnce(const std::vector<std::string>& flags, int timeout_ms) {
    std::vector<std::string> args = {SMTP_LAB_BIN,      "--run-dir",           run_dir(),
                                     "--port",          std::to_string(port_), "--stats-file",
                                     Path("stats.json")};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, SMTP_LAB_BIN, nullptr, nullptr, argv.data(), environ) != 0) return false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(Path("ready"))) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 public:
  // SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status (or -1).
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = -1;
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_t pid() const { return pid_; }

 private:
  std::mt19937 rng_;
  std::string prefix_;
  uint16_t port_ = 0;
  std::filesystem::path run_dir_;
  pid_t pid_ = -1;
};

}  // namespace starttls::lab::test
