#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/metrics/metrics_registry.hpp"
#include "actors/root/restart_policy.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// The root's record of one path key.
struct key_entry {
  log_config cfg;
  caf::actor tailer;         ///< empty while waiting for a restart
  uint64_t incarnation = 0;  ///< bumped at every start; stale timers are ignored
  restart_policy policy;
  restart_policy::clock::time_point started;
  uint64_t restarts = 0;
  uint64_t rotations = 0;
  uint64_t truncations = 0;
  bool failing = false;
  std::string last_failure;
  bool starting = false;                ///< waiting for the sink's position to start a tailer
  bool removing = false;                ///< the tailer was told to stop for a remove
  std::optional<log_config> pending_cfg; ///< settings to restart with once the tailer is down
  std::shared_ptr<key_metrics> metrics;  ///< shared with its tailers and the sink

  explicit key_entry(const log_config& c, const supervision_config& s) : cfg(c), policy(s) {
  }
};

struct root_state {
  std::string name = "root";
  supervision_config supervision;
  caf::actor sink;
  std::vector<std::string> sink_files; ///< the sink's output: never read as a log
  /// A remote sink's window (max_inflight_bytes) is shared out among the keys
  /// as their tailers' credit; 0 for local sinks.
  std::size_t shared_window = 0;
  std::map<std::string, key_entry> keys;
  std::shared_ptr<metrics_registry> metrics;
  std::map<caf::actor_addr, std::string> key_of; ///< live tailer -> its key
  bool stopping = false;
  std::vector<caf::response_promise> stop_promises;
};

/// The supervisor: spawns one detached tailer per key and monitors it. Every
/// start asks the sink first where the key's lines are delivered up to, and
/// the tailer resumes there. On a down message it waits (backoff) and starts
/// the key again. The config watcher's add/update/remove start a key, restart
/// it with new settings once its tailer is down, or stop it (its position stays
/// with the sink, so a re-added key resumes). On stop it stops every tailer,
/// waits until the sink has written every batch they sent, and quits.
caf::behavior root_actor(caf::stateful_actor<root_state>* self, collector_config cfg,
                         caf::actor sink, std::shared_ptr<metrics_registry> metrics);

} // namespace logcatch
