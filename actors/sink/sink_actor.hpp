#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/line_batch.hpp"
#include "actors/sink/delivery_positions.hpp"
#include "actors/sink/output_writer.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// Called after lines [first_line, end) of a batch are written (in-process
/// observers: the demo's and the tests' exactly-once verifiers).
using batch_observer = std::function<void(const line_batch&, std::size_t first_line)>;

/// A batch being written, kept while the destination refuses it.
struct pending_write {
  line_batch batch;
  std::size_t first_line = 0;
  std::string text;      ///< formatted output (empty: write batch.data as is)
  std::size_t written = 0;
  caf::actor reply_to;   ///< the tailer to acknowledge
};

struct sink_state {
  ~sink_state();

  std::string name = "sink";
  sink_config cfg;
  std::shared_ptr<output_writer> out;
  batch_observer observer;
  delivery_positions positions;
  std::deque<pending_write> backlog; // non-empty only while writes fail
  bool retry_scheduled = false;
  std::vector<std::pair<std::string, caf::response_promise>> waiting_sync;
  std::vector<caf::response_promise> waiting_drain;
  uint64_t lines_written = 0;
  uint64_t bytes_written = 0;
  uint64_t write_errors = 0;
};

/// The one sink all tailers send to, spawned detached (writing to a pipe or
/// disk may block). It writes each batch whole, then acknowledges it to its
/// tailer (credit) and records the key's delivered position, which the root
/// asks for (sync) before restarting a tailer. A failed write is retried every
/// second without acknowledging, so tailers stop at their credit limit and
/// nothing read is lost.
caf::behavior sink_actor(caf::stateful_actor<sink_state>* self, sink_config cfg,
                         std::shared_ptr<output_writer> out, batch_observer observer);

} // namespace logcatch
