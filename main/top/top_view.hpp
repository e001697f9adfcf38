#pragma once

// What `logcatch top` shows, computed from two scrapes of a collector's
// /metrics: per-key rates and state, and the sink and process footer.

#include <optional>
#include <string>
#include <vector>

#include "main/top/metrics_text.hpp"

namespace logcatch {

/// One row: a key (a `logs:` entry of the collector's config).
struct top_key_row {
  std::string key;
  std::optional<double> lines_per_s; ///< nothing until two scrapes saw the key
  std::optional<double> bytes_per_s;
  std::optional<double> lag_bytes; ///< nothing when the collector does not export it
  double restarts = 0;
  std::string last_error; ///< reason of the last failure; empty if it never failed
  bool failing = false;   ///< the key is failing right now
};

/// The whole screen's data.
struct top_view {
  std::vector<top_key_row> rows; ///< sorted by key
  std::optional<double> sink_lines_per_s;
  std::optional<double> sink_bytes_per_s;
  std::optional<double> sink_write_errors;
  std::optional<double> resident_bytes;
  std::optional<double> uptime_seconds;
  std::optional<bool> remote_connected; ///< only with a remote sink
  std::string version;
};

/// Builds the view from the `current` scrape and, for rates, the `previous`
/// one taken `seconds` earlier (null on the first scrape: rates unknown).
/// A counter that went down (the collector restarted) counts from zero.
top_view build_top_view(const std::vector<metric_sample>* previous,
                        const std::vector<metric_sample>& current, double seconds);

/// Whether a page holds logcatch's metrics at all (any `logcatch_` sample).
bool has_logcatch_metrics(const std::vector<metric_sample>& samples);

} // namespace logcatch
