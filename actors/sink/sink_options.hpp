#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/line_batch.hpp"
#include "actors/metrics/metrics_registry.hpp"
#include "actors/sink/checkpoint_file.hpp"
#include "actors/sink/output_writer.hpp"
#include "actors/sink/sink_recovery.hpp"
#include "config/config_model.hpp"

namespace logcatch {

class collector_sessions; // actors/remote/collector_sessions.hpp (CAF)

/// Called after lines [first_line, end) of a batch are written (in-process
/// observers: the demo's and the tests' exactly-once verifiers).
using batch_observer = std::function<void(const line_batch&, std::size_t first_line)>;

/// What the sink is started with.
struct sink_options {
  sink_config cfg;
  std::shared_ptr<output_writer> out;
  batch_observer observer;
  std::shared_ptr<checkpoint_file> state; ///< none: positions live in memory only
  sink_recovery recovery;                 ///< positions and output length from the state
  millis commit_interval{200};
  bool aggregator = false;                ///< accepts batches from authenticated collectors only
  std::shared_ptr<metrics_registry> metrics; ///< none: nothing counted (an aggregator)
  /// An aggregator's: its collectors' sessions (hello checks, tokens, where
  /// each session's connection is noted for connection_guard).
  std::shared_ptr<collector_sessions> sessions;
};

/// Recovers the state in `state_dir` (if any: output cut to its committed
/// length, positions loaded, problems logged) and opens the output. Throws
/// std::runtime_error naming the file when the output cannot be opened.
sink_options prepare_sink(const sink_config& cfg, const std::string& state_dir);

} // namespace logcatch
