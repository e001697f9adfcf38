#pragma once

#include <chrono>
#include <deque>

#include "config/config_model.hpp"

namespace logcatch {

/// When to start a failed tailer again: exponential backoff from
/// backoff_initial to backoff_max, back to backoff_initial once a tailer has
/// run for reset_after without failing. More than max_restarts failures within
/// window make the key "failing": it is then retried at backoff_max, never
/// given up, because giving up would lose its lines.
class restart_policy {
public:
  using clock = std::chrono::steady_clock;

  explicit restart_policy(const supervision_config& cfg);

  /// Records a failure at `now` of a tailer started at `started`; returns
  /// how long to wait before starting it again.
  millis on_failure(clock::time_point now, clock::time_point started);

  /// More than max_restarts failures within the window (as of the last failure).
  bool failing() const { return failing_; }
  std::size_t failures_in_window() const { return recent_.size(); }

private:
  supervision_config cfg_;
  unsigned attempt_ = 0;
  std::deque<clock::time_point> recent_;
  bool failing_ = false;
};

} // namespace logcatch
