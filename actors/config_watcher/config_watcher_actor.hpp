#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/metrics/metrics_registry.hpp"
#include "actors/config_watcher/config_file_watch.hpp"
#include "actors/config_watcher/reload_debounce.hpp"
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
  std::unique_ptr<config_file_watch> watch;
  /// A burst of events on the file is applied 150 ms after it ends, and at
  /// most 1 s after it began (a file rewritten without pause still applies).
  reload_debounce debounce{std::chrono::milliseconds(150), std::chrono::milliseconds(1000)};
  clock::time_point next_content_check{}; ///< the once-a-second content compare
  uint64_t applied = 0;
  uint64_t rejected = 0;
};

/// Watches the config file and turns edits into add/update/remove messages to
/// the root. Detached: it waits on inotify for the names of the file's
/// symlink chain and for writes to the file (`config_file_watch`), so editors
/// that save by writing a temporary file and renaming it, and symlink swaps,
/// are seen, while other files in the same folder (the state file, saved
/// every 200 ms) are not. Every second without such an event it also
/// compares the file's content (the stat-poll fallback). A burst of events
/// is applied once it has been quiet for 150 ms, at the latest 1 s after it
/// began. An invalid config is rejected with FILE:LINE:COL in the log and
/// the running config stays in force. (reload_atom) reads the file at once.
caf::behavior config_watcher_actor(caf::stateful_actor<config_watcher_state>* self,
                                   std::string path, collector_config current, caf::actor root,
                                   std::shared_ptr<metrics_registry> metrics);

} // namespace logcatch
