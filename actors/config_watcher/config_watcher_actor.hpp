#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/metrics/metrics_registry.hpp"
#include "actors/tailer/change_waiter.hpp"
#include "config/config_model.hpp"

namespace logcatch {

struct config_watcher_state {
  using clock = std::chrono::steady_clock;
  std::shared_ptr<metrics_registry> metrics; ///< counts reloads by result

  std::string name = "config-watcher";
  std::string path;                ///< the config file, as given on the command line
  caf::actor root;
  collector_config current;        ///< the config in force
  std::string seen_content;        ///< last content handled (applied or rejected)
  bool missing_reported = false;
  std::unique_ptr<change_waiter> waiter;
  std::optional<clock::time_point> last_event; ///< set while debouncing a burst
  uint64_t applied = 0;
  uint64_t rejected = 0;
};

/// Watches the config file and turns edits into add/update/remove messages to
/// the root. Detached: it waits on inotify on the file's folder, so editors
/// that save by writing a temporary file and renaming it, and symlink swaps,
/// are seen; every second it also compares the file's content (the stat-poll
/// fallback). A burst of events is applied once it has been quiet for
/// debounce. An invalid config is rejected with FILE:LINE:COL in the log and
/// the running config stays in force. (reload_atom) reads the file at once.
caf::behavior config_watcher_actor(caf::stateful_actor<config_watcher_state>* self,
                                   std::string path, collector_config current, caf::actor root,
                                   std::shared_ptr<metrics_registry> metrics);

} // namespace logcatch
