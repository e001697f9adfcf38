#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

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

  explicit key_entry(const log_config& c, const supervision_config& s) : cfg(c), policy(s) {
  }
};

struct root_state {
  std::string name = "root";
  supervision_config supervision;
  caf::actor sink;
  std::map<std::string, key_entry> keys;
  std::map<caf::actor_addr, std::string> key_of; ///< live tailer -> its key
  bool stopping = false;
  std::vector<caf::response_promise> stop_promises;
};

/// The supervisor: spawns one detached tailer per key and monitors it. On a
/// down message it waits (backoff), asks the sink where the key's lines are
/// delivered up to, and starts a new tailer there. On stop it stops every
/// tailer, waits until the sink has written every batch they sent, and quits.
caf::behavior root_actor(caf::stateful_actor<root_state>* self, collector_config cfg,
                         caf::actor sink);

} // namespace logcatch
