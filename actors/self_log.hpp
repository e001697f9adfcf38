#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "config/config_model.hpp"

namespace logcatch {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3 };

/// The collector's own log: one line per event, to stderr and, when
/// configured, appended to a file, each line flushed as it is written.
/// Thread-safe. Text lines read "TIME LEVEL who: text"; JSON lines are one
/// object each (see format_line).
namespace self_log {

/// Applies a `log` config: level, file, format. On failure (an unknown
/// level, a file that cannot be opened: the message names it) throws
/// std::runtime_error and leaves the running log as it was.
void configure(const self_log_config& config);
/// "debug" | "info" | "warn" (or "warning") | "error"; false for anything else.
bool parse_level(const std::string& text, log_level& out);
bool enabled(log_level level);
void write(log_level level, const std::string& who, const std::string& text);

/// One event as a line, without the '\n'. text:
/// "2026-11-25T00:24:01.123Z INFO who: text" (UTC, milliseconds, DEBUG,
/// INFO, WARN or ERROR); json: {"time":"2026-11-25T00:24:01.123Z",
/// "level":"info","who":"...","msg":"..."}, strings escaped as the JSON sink
/// does (append_json_string), so any bytes give valid JSON.
std::string format_line(self_log_format format, std::chrono::system_clock::time_point time,
                        log_level level, std::string_view who, std::string_view text);

} // namespace self_log

inline void log_debug(const std::string& who, const std::string& text) {
  self_log::write(log_level::debug, who, text);
}
inline void log_info(const std::string& who, const std::string& text) {
  self_log::write(log_level::info, who, text);
}
inline void log_warn(const std::string& who, const std::string& text) {
  self_log::write(log_level::warn, who, text);
}
inline void log_error(const std::string& who, const std::string& text) {
  self_log::write(log_level::error, who, text);
}

} // namespace logcatch
