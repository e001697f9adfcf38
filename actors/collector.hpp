#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/sink/sink_actor.hpp"
#include "config/config_model.hpp"

namespace caf {
class actor_system;
}

namespace logcatch {

struct key_stats;

/// A running collector: its own actor system with the sink and the root
/// (which starts the tailers). Used by `logcatch run`, the demo and the
/// integration tests.
class collector {
public:
  /// Starts collecting. With `config_path`, a config watcher applies edits of
  /// that file while running. Throws std::runtime_error when the sink cannot
  /// be opened (the message names the path and the cause).
  explicit collector(const collector_config& cfg, batch_observer observer = {},
                     const std::string& config_path = {});
  /// Stops gracefully if stop() was not called.
  ~collector();
  collector(const collector&) = delete;
  collector& operator=(const collector&) = delete;

  /// SIGHUP: a local sink reopens its output file by path if it was
  /// rotated away, and the config file is read again now (with a watcher).
  void reload();

  /// Graceful stop: tailers stop reading, the sink writes every line they
  /// read, then every actor is gone. Idempotent. False when the sink could
  /// not write everything (it is then read again at the next start).
  bool stop();

  /// The root's per-key view (restarts, rotations, ...); after stop(), as it
  /// was when the collector stopped.
  std::vector<key_stats> stats();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace logcatch
