#include "actors/self_log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "actors/sink/line_formatter.hpp"

namespace logcatch::self_log {

namespace {

// spdlog carries the lines: the sinks (stderr, the file), the one lock around
// both, the flush after every line. The line itself is built here, not by a
// spdlog pattern, because the text format is a contract (tests and the
// benchmark driver parse it) that spdlog's level names cannot spell, and the
// JSON format needs `who` as a field of its own.

/// What write() sends to: a logger and the format of its lines.
struct output {
  std::shared_ptr<spdlog::logger> logger;
  self_log_format format = self_log_format::text;
};

struct state {
  std::mutex mtx; ///< guards `current` (the pointer; the sinks lock the writes)
  std::shared_ptr<const output> current;
  std::atomic<int> min_level{static_cast<int>(log_level::info)};
};

std::shared_ptr<spdlog::sinks::sink> open_file_sink(const std::string& path) {
  std::error_code ec;
  auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty())
    std::filesystem::create_directories(folder, ec); // an error shows in the open below
  // Opened once here for a plain reason in the error (spdlog retries for 50 ms
  // and words it its own way).
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    throw std::runtime_error(path + ": cannot open the collector's log: " + std::strerror(errno));
  ::close(fd);
  spdlog::file_event_handlers handlers;
  // Children (none today) must not inherit the log file.
  handlers.after_open = [](const spdlog::filename_t&, std::FILE* file) {
    ::fcntl(::fileno(file), F_SETFD, FD_CLOEXEC);
  };
  try {
    return std::make_shared<spdlog::sinks::basic_file_sink_st>(path, false, handlers);
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error(path + ": cannot open the collector's log: " + e.what());
  }
}

std::shared_ptr<const output> make_output(const std::string& path, self_log_format format) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_sink_st>()};
  if (!path.empty())
    sinks.push_back(open_file_sink(path));
  // One lock around both sinks, so stderr and the file hold the lines in the same order.
  auto both = std::make_shared<spdlog::sinks::dist_sink_mt>(std::move(sinks));
  auto logger = std::make_shared<spdlog::logger>("logcatch", std::move(both));
  logger->set_formatter(
    std::make_unique<spdlog::pattern_formatter>("%v", spdlog::pattern_time_type::utc, "\n"));
  logger->set_level(spdlog::level::trace); // min_level filters, before a line is built
  logger->flush_on(spdlog::level::trace); // every line: a crash loses none
  auto out = std::make_shared<output>();
  out->logger = std::move(logger);
  out->format = format;
  return out;
}

state& the_state() {
  // Never destroyed: threads that outlive main() may still log.
  static state* s = [] {
    auto* fresh = new state;
    fresh->current = make_output("", self_log_format::text);
    return fresh;
  }();
  return *s;
}

std::shared_ptr<const output> current_output() {
  auto& s = the_state();
  std::lock_guard<std::mutex> guard{s.mtx};
  return s.current;
}

const char* upper_name(log_level level) {
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

const char* lower_name(log_level level) {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "?";
}

spdlog::level::level_enum spdlog_level(log_level level) {
  switch (level) {
    case log_level::debug:
      return spdlog::level::debug;
    case log_level::info:
      return spdlog::level::info;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::error:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

/// "2026-11-25T00:24:01.123Z"
std::string timestamp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto secs = system_clock::to_time_t(time);
  auto ms = duration_cast<milliseconds>(time.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

} // namespace

std::string format_line(self_log_format format, std::chrono::system_clock::time_point time,
                        log_level level, std::string_view who, std::string_view text) {
  std::string line;
  line.reserve(who.size() + text.size() + 64);
  if (format == self_log_format::text) {
    line += timestamp(time);
    line += ' ';
    line += upper_name(level);
    line += ' ';
    line += who;
    line += ": ";
    line += text;
    return line;
  }
  line += "{\"time\":\"";
  line += timestamp(time);
  line += "\",\"level\":\"";
  line += lower_name(level);
  line += "\",\"who\":";
  append_json_string(line, who.data(), who.size());
  line += ",\"msg\":";
  append_json_string(line, text.data(), text.size());
  line += '}';
  return line;
}

void configure(const self_log_config& config) {
  log_level level = log_level::info;
  if (!parse_level(config.level, level))
    throw std::runtime_error("log level '" + config.level +
                             "' is not one of debug, info, warn, error");
  auto next = make_output(config.path, config.format); // throws before anything changes
  auto& s = the_state();
  std::lock_guard<std::mutex> guard{s.mtx};
  s.current = std::move(next);
  s.min_level = static_cast<int>(level);
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
  return static_cast<int>(level) >= the_state().min_level.load();
}

void write(log_level level, const std::string& who, const std::string& text) {
  if (!enabled(level))
    return;
  auto out = current_output();
  auto line = format_line(out->format, std::chrono::system_clock::now(), level, who, text);
  out->logger->log(spdlog_level(level), spdlog::string_view_t(line.data(), line.size()));
}

} // namespace logcatch::self_log
