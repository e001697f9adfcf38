#pragma once

#include <string>

namespace logcatch {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3 };

/// The collector's own log: one line per event, "TIME LEVEL who: text", to
/// stderr and, when configured, to DIR/logcatch.log. Thread-safe.
namespace self_log {

/// Sets the level and the optional folder; throws std::runtime_error naming
/// the folder if its log file cannot be opened.
void configure(log_level level, const std::string& dir);
/// "debug" | "info" | "warn" | "error"; false for anything else.
bool parse_level(const std::string& text, log_level& out);
bool enabled(log_level level);
void write(log_level level, const std::string& who, const std::string& text);

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
