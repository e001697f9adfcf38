#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/line_batch.hpp"
#include "actors/remote/collector_sessions.hpp"
#include "actors/remote/reply_slot.hpp"
#include "actors/sink/checkpoint_file.hpp"
#include "actors/sink/delivery_positions.hpp"
#include "actors/sink/output_writer.hpp"
#include "actors/sink/sink_options.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// A batch being written, kept while the destination refuses it.
struct pending_write {
  line_batch batch;
  std::size_t first_line = 0;
  std::string text;      ///< formatted output (empty: write batch.data as is)
  std::size_t written = 0;
  caf::actor reply_to;   ///< the tailer to acknowledge
  bool skip = false;     ///< a duplicate: only acknowledged, in its turn
};

struct sink_state {
  ~sink_state();

  std::string name = "sink";
  sink_config cfg;
  std::shared_ptr<output_writer> out;
  /// Outputs replaced (rotated away, or a sink change) whose bytes are not
  /// known to be durable yet: synced before any state names the new output.
  std::vector<std::shared_ptr<output_writer>> retired;
  /// Writes wait until a state naming the new output is committed: recovery
  /// must know which file to cut. Batches meanwhile wait in `held`.
  bool holding_for_switch = false;
  std::deque<std::pair<line_batch, caf::actor>> held;
  uint64_t switch_seq = 0;      // the commit that names the new output; 0: not asked yet
  std::chrono::steady_clock::time_point last_look; // at the output's path
  bool output_missing_seen = false; // nothing at the path at the last look
  std::string reopen_problem;   // last reopen error, reported once
  bool write_failing = false;   // a failed write is being retried
  batch_observer observer;
  delivery_positions positions;
  std::shared_ptr<checkpoint_file> state;
  millis commit_interval{200};
  uint64_t output_length = 0;   // output bytes up to the end of the last whole batch
  bool dirty = false;           // written since the last commit
  bool commit_scheduled = false;
  caf::actor committer;         // fdatasync + state file, off this thread
  bool commit_in_flight = false;
  bool commit_again = false;    // more to commit once the one in flight is done
  bool last_commit_failed = false;
  uint64_t commit_seq = 0;
  std::string commit_problem;   // last commit error, reported once
  uint64_t commits = 0;
  uint64_t commit_errors = 0;
  bool aggregator = false;
  /// An aggregator's: who may speak for which node (one live session per
  /// node name); network answers and acknowledgements go out in the name of
  /// its gateway, set by (gateway_atom) before the gateway is published.
  std::shared_ptr<collector_sessions> sessions;
  std::deque<pending_write> backlog; // non-empty only while writes fail
  bool retry_scheduled = false;
  std::vector<std::pair<std::string, reply_slot>> waiting_sync;
  std::vector<caf::response_promise> waiting_drain;
  /// Syncs that made a key's baseline: answered once a commit holds it.
  std::vector<std::pair<std::string, reply_slot>> waiting_baseline;
  std::vector<std::pair<std::string, reply_slot>> baselines_in_commit;
  /// Aggregator: acknowledgements waiting for the commit that makes them true.
  std::vector<std::pair<caf::actor, uint64_t>> held_acks;
  std::vector<std::pair<caf::actor, uint64_t>> acks_in_commit; ///< released when it is done
  uint64_t held_ack_bytes = 0;
  uint64_t lines_written = 0;
  uint64_t bytes_written = 0;
  uint64_t write_errors = 0;
  std::shared_ptr<metrics_registry> metrics; ///< may be null
  key_metrics_cache key_figures;
  std::chrono::steady_clock::time_point commit_asked; ///< of the commit in flight
};

/// The one sink all tailers send to, spawned detached (writing to a pipe or
/// disk may block). It writes each batch whole, then acknowledges it to its
/// tailer (credit) and records the key's delivered position, which the root
/// asks for (sync) before starting a tailer. A failed write is retried every
/// second without acknowledging, so tailers stop at their credit limit and
/// nothing read is lost. Every commit_interval (and when drained) it commits:
/// fdatasync of the output, then the state file with the output's length and
/// every position, atomically, so the two always agree on disk.
///
/// A file output is reopened by its path when it was renamed away or deleted
/// (logrotate's `create`): on (reload_atom), which main sends on SIGHUP, and
/// by itself, looking at the path at every commit and before a write that
/// follows a quiet spell. The old file is synced and the new one named in a
/// commit before anything is written to it.
///
/// As an aggregator it is reached only through its gateway (published to
/// collectors on other nodes), and accepts a batch, sync or forget only with
/// a live session credential, handed out for a hello with the right token;
/// lines and positions are qualified by that session's node name, and every
/// field of a batch is checked before use (a bad one ends its session).
caf::behavior sink_actor(caf::stateful_actor<sink_state>* self, sink_options opts);

} // namespace logcatch
