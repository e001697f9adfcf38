#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/metrics/metrics_registry.hpp"
#include "actors/tailer/change_waiter.hpp"
#include "actors/tailer/file_set.hpp"
#include "config/config_model.hpp"

namespace logcatch {

struct tailer_state {
  /// Logs how many lines this tailer handed to the sink (shutdown checks use it).
  ~tailer_state();

  std::string name; ///< "tailer[KEY]" in logs
  log_config cfg;
  caf::actor sink;
  caf::actor root;
  uint64_t incarnation = 0;
  std::unique_ptr<file_set> files;
  std::unique_ptr<change_waiter> waiter;
  std::chrono::steady_clock::time_point last_scan;
  std::chrono::steady_clock::time_point last_sweep; ///< of positions of gone files
  std::chrono::steady_clock::time_point last_full_look; ///< every follower stepped
  std::size_t read_block = 0;
  uint64_t inflight = 0;          // bytes sent to the sink, not yet acknowledged
  bool waiting_for_credit = false;
  uint64_t lines_since_crash = 0; // fault hook counter
  uint64_t lines_sent = 0;
  uint64_t batches_sent = 0;
  uint64_t reported_rotations = 0;
  uint64_t reported_truncations = 0;
  std::shared_ptr<key_metrics> metrics; ///< the key's figures (shared with root and sink)
  std::chrono::steady_clock::time_point last_lag_look; ///< unread bytes measured
  uint64_t lag_read_mark = 0; ///< bytes_read at that time
};

/// One tailer per path key, spawned detached by the root: it follows its
/// file(s) with a file_set (one file_follower per file; a glob path finds new
/// files while running), sends each block's lines to the sink as one batch,
/// and waits on inotify (or sleeps, as the stat-poll fallback) when all is
/// read. At most max_inflight_bytes are unacknowledged, so a slow sink slows
/// reading instead of filling memory.
///
/// `known`: where the sink has this key's lines up to, per file, most recent
/// first (a plain path resumes the most recent).
/// `first_start`: read_from applies (only the key's very first tailer).
/// `never_read`: files never taken for a copy of the log (the sink's output).
caf::behavior tailer_actor(caf::stateful_actor<tailer_state>* self, log_config cfg,
                           caf::actor sink, caf::actor root, uint64_t incarnation,
                           std::vector<resume_position> known, bool first_start,
                           std::vector<std::string> never_read,
                           std::shared_ptr<key_metrics> metrics);

} // namespace logcatch
