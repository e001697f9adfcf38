#pragma once

#include <chrono>

namespace logcatch {

/// Decides when a burst of events on the config file becomes a reload: once
/// the file has been quiet for `quiet` (an editor's save is several events:
/// truncate, writes, close, or create, write, rename), but never later than
/// `max_delay` after the burst's first event, so a file that is written
/// without pause is still applied about once per `max_delay`.
class reload_debounce {
public:
  using clock = std::chrono::steady_clock;
  using duration = clock::duration;

  reload_debounce(duration quiet, duration max_delay) : quiet_(quiet), max_delay_(max_delay) {}

  /// An event concerning the config file happened at `now`.
  void on_event(clock::time_point now) {
    if (!pending_)
      first_ = now;
    pending_ = true;
    last_ = now;
  }

  /// A burst is waiting to be applied.
  bool pending() const { return pending_; }

  /// When the pending burst is due (only while pending()).
  clock::time_point due_at() const {
    auto quiet_end = last_ + quiet_;
    auto latest = first_ + max_delay_;
    return quiet_end < latest ? quiet_end : latest;
  }

  /// True when the pending burst should be applied at `now`; the caller
  /// then reloads and calls reset().
  bool due(clock::time_point now) const { return pending() && now >= due_at(); }

  /// The burst was applied: the next event starts a new one.
  void reset() { pending_ = false; }

private:
  duration quiet_;
  duration max_delay_;
  bool pending_ = false;
  clock::time_point first_{}; ///< the pending burst's first event
  clock::time_point last_{};  ///< its latest event
};

} // namespace logcatch
