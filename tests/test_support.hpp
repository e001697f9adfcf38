#pragma once

// Helpers shared by the tests: temporary folders, whole-file I/O and waiting
// on a condition with a deadline (never a fixed sleep).

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace logcatch::test {

/// A fresh folder under /tmp, removed with everything in it at scope exit.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/logcatch-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    if (std::getenv("LOGCATCH_KEEP_TEST_DIRS") != nullptr)
      return; // for post-mortems
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& text, bool append = true) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes; returns
/// whether it held. Generous timeouts keep small, noisy machines green.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

/// The lines of `text`, without their '\n'.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// "STREAM FROM PAYLOAD" ... "STREAM TO-1 PAYLOAD" as '\n'-terminated numbered lines.
inline std::string numbered_lines(const std::string& stream, uint64_t from, uint64_t to,
                                  const std::string& payload = "payload") {
  std::string text;
  for (auto i = from; i < to; ++i)
    text += stream + " " + std::to_string(i) + " " + payload + "\n";
  return text;
}

/// A random seed for a randomized test, or LOGCATCH_TEST_SEED when set (to
/// replay a failure: tests print the seed they used).
inline unsigned test_seed() {
  if (const char* fixed = std::getenv("LOGCATCH_TEST_SEED"))
    return static_cast<unsigned>(std::strtoul(fixed, nullptr, 10));
  return std::random_device{}();
}

/// The same for a 64-bit seed (the simulation's programs print 64-bit ones).
inline uint64_t test_seed64() {
  if (const char* fixed = std::getenv("LOGCATCH_TEST_SEED"))
    return std::strtoull(fixed, nullptr, 10);
  return (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
}

/// Resident set size of this process in KiB (from /proc/self/status).
inline long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string word;
  while (in >> word)
    if (word == "VmRSS:") {
      long kib = 0;
      in >> kib;
      return kib;
    }
  return -1;
}

} // namespace logcatch::test
