#pragma once

#include <string>
#include <vector>

#include "config/config_model.hpp"

namespace logcatch {

/// What changes when `next` replaces `current`: per key added, updated (any
/// setting differs) or removed, and which global sections changed.
struct config_diff {
  std::vector<log_config> added;
  std::vector<log_config> updated; ///< with their new settings
  std::vector<std::string> removed;
  bool sink_changed = false;
  bool supervision_changed = false;
  bool log_changed = false;
  bool state_dir_changed = false; ///< applies at the next start only
  bool metrics_changed = false;   ///< applies at the next start only

  bool empty() const {
    return added.empty() && updated.empty() && removed.empty() && !sink_changed &&
           !supervision_changed && !log_changed && !state_dir_changed && !metrics_changed;
  }
};

config_diff diff_configs(const collector_config& current, const collector_config& next);

/// True when two keys would be tailed the same way (their place in the file,
/// line and column, does not matter).
bool same_settings(const log_config& a, const log_config& b);

/// What differs between two settings of one key, e.g. "path, read_from".
std::string changed_settings(const log_config& a, const log_config& b);

/// One line for the log: "added logdir4; updated logdir1 (path); removed
/// logdir2; sink changed", or "no changes".
std::string describe(const config_diff& diff, const collector_config& current);

} // namespace logcatch
