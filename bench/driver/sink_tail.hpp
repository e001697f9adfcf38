#pragma once

// Follows a sink's output file as it grows, the way a consumer would: reads
// what is new, hands over complete lines, counts them. The benchmark uses it
// to see when lines arrive (latency, lag) and to verify them.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace logcatch::bench {

class sink_tail {
public:
  using line_fn = std::function<void(std::string_view line)>;

  /// `on_line` may be empty (then lines are only counted).
  sink_tail(std::string path, line_fn on_line);
  ~sink_tail();
  sink_tail(const sink_tail&) = delete;
  sink_tail& operator=(const sink_tail&) = delete;

  /// Reads what was appended since the last call; returns the lines it completed.
  uint64_t poll();

  uint64_t lines() const { return lines_; }
  uint64_t bytes() const { return offset_; }

private:
  std::string path_;
  line_fn on_line_;
  int fd_ = -1;
  uint64_t offset_ = 0; ///< bytes read so far
  uint64_t lines_ = 0;
  std::string partial_;
  std::string buffer_;
};

struct scenario_result;

/// Checks the sink file at `path` line by line against `written` (stream ->
/// lines written) and records lost and duplicated (out-of-order and
/// malformed lines count as duplicated) in `r`. `segment_lines`: order is
/// checked within each rotated file only (keys whose files are read side by
/// side); 0: within the whole stream.
void verify_sink(const std::string& path, const std::map<std::string, uint64_t>& written,
                 uint64_t segment_lines, scenario_result& r);

/// The `"line":"..."` value of a JSON sink line (lines without escapes, as the
/// benchmark writes them), or the line itself when it is not JSON.
std::string_view payload_of(std::string_view line);

} // namespace logcatch::bench
