#include "actors/self_log.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace logcatch::self_log {

namespace {

std::mutex mtx;
std::atomic<int> min_level{static_cast<int>(log_level::info)};
std::FILE* file = nullptr;

const char* level_name(log_level level) {
  switch (level) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO";
    case log_level::warn:
      return "WARN";
    case log_level::error:
      return "ERROR";
  }
  return "?";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

} // namespace

void configure(log_level level, const std::string& dir) {
  std::lock_guard<std::mutex> guard{mtx};
  min_level = static_cast<int>(level);
  if (file != nullptr) {
    std::fclose(file);
    file = nullptr;
  }
  if (dir.empty())
    return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto path = dir + "/logcatch.log";
  file = std::fopen(path.c_str(), "ae");
  if (file == nullptr)
    throw std::runtime_error(path + ": cannot open the collector's log: " + std::strerror(errno));
}

bool parse_level(const std::string& text, log_level& out) {
  static const std::pair<const char*, log_level> names[] = {
    {"debug", log_level::debug}, {"info", log_level::info}, {"warn", log_level::warn},
    {"warning", log_level::warn}, {"error", log_level::error}};
  for (auto& [name, level] : names)
    if (text == name) {
      out = level;
      return true;
    }
  return false;
}

bool enabled(log_level level) {
  return static_cast<int>(level) >= min_level.load();
}

void write(log_level level, const std::string& who, const std::string& text) {
  if (!enabled(level))
    return;
  std::string line = timestamp() + " " + level_name(level) + " " + who + ": " + text + "\n";
  std::lock_guard<std::mutex> guard{mtx};
  std::fwrite(line.data(), 1, line.size(), stderr);
  if (file != nullptr) {
    std::fwrite(line.data(), 1, line.size(), file);
    std::fflush(file);
  }
}

} // namespace logcatch::self_log
