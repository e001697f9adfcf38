#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/line_batch.hpp"
#include "actors/metrics/metrics_registry.hpp"
#include "actors/sink/credit_waits.hpp"
#include "actors/sink/database_destination.hpp"
#include "actors/sink/delivery_positions.hpp"
#include "actors/sink/sink_options.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// Something the database must hold, in the order it arrived.
struct database_op {
  enum class kind { batch, forget, baseline };
  kind what = kind::batch;
  uint64_t seq = 0; ///< arrival number: everything up to a sync's is answered before it
  std::chrono::steady_clock::time_point arrived;
  std::shared_ptr<const line_batch> batch; ///< kind::batch, whole as the tailer sent it
  caf::actor reply_to;                     ///< kind::batch: the tailer to acknowledge
  std::string key;                         ///< forget, baseline: the position key
  file_identity file;                      ///< forget
  int64_t at_ms = 0;                       ///< baseline: since when the key tracks its files
  // Set when the op goes into a write (checked against the positions then):
  std::size_t first_line = 0;
  bool skip = false; ///< every line already in the database: only acknowledged
};

/// What the database sink is started with.
struct database_sink_options {
  sink_config cfg;
  std::shared_ptr<database_destination> destination;
  batch_observer observer;                   ///< in-process verifiers (tests)
  std::shared_ptr<metrics_registry> metrics; ///< may be null
  /// The caller's prepare() of `destination` just succeeded: not repeated.
  bool prepared = false;
};

struct database_sink_state {
  ~database_sink_state();

  std::string name = "database sink";
  std::string where; ///< the destination's name, for the log
  sink_config cfg;
  caf::actor io;     ///< database_io_actor: every database call, off this thread
  batch_observer observer;
  std::shared_ptr<metrics_registry> metrics;
  key_metrics_cache key_figures;
  /// What the database holds, plus the write in flight. Reloaded from the
  /// database at every (re)connect, so a write whose outcome is unknown is
  /// checked again against what really is there.
  delivery_positions positions;
  bool connected = false;  ///< positions loaded: writes may go
  bool connecting = false; ///< a connect is asked or its backoff runs
  /// An aggregator's collector said hello (refresh_atom): read the positions
  /// back before writing anything that came after it. Another aggregator
  /// may have written that node's lines since they were last read.
  bool refresh_wanted = false;
  std::chrono::milliseconds backoff{0};
  std::string last_problem; ///< reported once until it changes or clears
  std::deque<database_op> queue;  ///< not yet in a write
  std::deque<database_op> flying; ///< in the write in flight
  std::size_t queued_rows = 0;
  std::size_t queued_bytes = 0;
  /// Tailers out of credit: their queued batches are written at once.
  credit_waits credit;
  bool flush_scheduled = false;
  uint64_t next_seq = 1;
  uint64_t done_seq = 0; ///< every op up to it is in the database
  std::set<std::string> baseline_queued; ///< keys whose baseline op is queued or flying
  /// Syncs that came while the positions were not loaded, with when each
  /// came (unix ms): a key's first sync is the time since which it tracks
  /// its files (its baseline), however long the database takes to answer.
  struct parked_sync {
    std::string key;
    caf::response_promise promise;
    int64_t asked_ms = 0;
  };
  std::vector<parked_sync> syncs_before_connect;
  /// Syncs and drains waiting for every op before them (seq) to be written.
  std::vector<std::tuple<uint64_t, std::string, caf::response_promise>> waiting_sync;
  std::vector<std::pair<uint64_t, caf::response_promise>> waiting_drain;
  uint64_t lines_written = 0;
  uint64_t writes = 0;
  uint64_t write_errors = 0;
  uint64_t unknown_outcomes = 0; ///< writes whose outcome was unknown (the positions were re-read)
};

/// The one sink all tailers send to when the sink is a database. It has the
/// file sink's interface: line_batch and forget from tailers (acknowledged
/// once the database committed them), sync and drain from the root. It
/// groups queued batches into one database write (batch.max_rows,
/// max_bytes, max_delay, or at once when a tailer with batches queued is out
/// of credit), one write in flight at a time, through its I/O
/// worker. The positions live in the database with the rows: loaded at
/// start and after every failed write, then each write is checked against
/// them (delivery_positions::check), so a write that did reach the database
/// before an error is not repeated. While the database is unreachable it
/// reconnects with backoff and acknowledges nothing: tailers stop at their
/// credit limit and nothing read is dropped.
///
/// Behind an aggregator (database_front_actor) position keys are
/// `node/key`, and (refresh_atom) re-reads every position from the database
/// once the write in flight is done, before anything sent after it is
/// checked: a collector that comes from another aggregator writing into the
/// same database finds what that one committed.
caf::behavior database_sink_actor(caf::stateful_actor<database_sink_state>* self,
                                  database_sink_options opts);

} // namespace logcatch
