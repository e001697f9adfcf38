#pragma once

// The Prometheus text exposition format (0.0.4), read side: what `logcatch
// top` scrapes from a collector's /metrics. No I/O here.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace logcatch {

/// One sample line: `name{label="value",...} value [timestamp]`.
struct metric_sample {
  std::string name;
  std::map<std::string, std::string> labels; ///< unescaped values
  double value = 0;                          ///< may be NaN or +-infinity
};

/// A line that is neither a sample, a comment nor blank.
struct metrics_text_error {
  std::size_t line = 0; ///< 1-based
  std::string cause;
};

/// Every sample of a page, in page order, and every line that was not one.
struct metrics_text {
  std::vector<metric_sample> samples;
  std::vector<metrics_text_error> errors;
};

/// Parses a whole page. Comments (`# HELP`, `# TYPE`, any `#` line) and blank
/// lines are skipped, a trailing timestamp is accepted and dropped, label
/// values are unescaped (\\, \", \n). A malformed line is reported in
/// `errors` and skipped; parsing goes on with the next line.
metrics_text parse_metrics_text(std::string_view text);

} // namespace logcatch
