#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/middleman_actor.hpp>

#include <map>

#include "actors/line_batch.hpp"
#include "actors/metrics/metrics_registry.hpp"
#include "actors/sink/resend_queue.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// A batch sent (or to be sent) to the aggregator and not yet acknowledged.
struct outgoing_batch {
  caf::message batch; ///< the line_batch, shared: a resend copies nothing
  caf::actor tailer;  ///< gets the acknowledgement (credit) once the aggregator has it
  uint64_t lines = 0;
  /// Counts the lines delivered once acknowledged (owned by the registry,
  /// which this sink holds; may be null).
  key_metrics* key = nullptr;
};

/// A restarting tailer's question "where do I start?", answered by the aggregator.
struct pending_sync {
  uint64_t id = 0;
  std::string key;
  caf::response_promise promise;
  uint64_t sent_on = 0; ///< connection it was asked on (0: not asked yet)
};

struct remote_sink_state {
  enum class phase { down, connecting, greeting, up };

  std::string name = "remote sink";
  sink_config cfg;
  caf::io::middleman_actor connector; ///< plain TCP or TLS middleman
  caf::actor aggregator;              ///< set from the connect until the link is lost
  std::string instance;               ///< this collector's persistent instance id (hello)
  /// Issued by the aggregator for this connection's hello; carried in every
  /// batch, sync and forget. Empty while not up.
  session_credential session;
  phase link = phase::down;
  uint64_t connection = 0; ///< bumps with every attempt: replies to older ones are stale
  millis backoff{100};
  std::string last_problem; ///< logged once until it changes or the link is up
  resend_queue<outgoing_batch> unacked; ///< in the order tailers sent them
  uint64_t queued_batches = 0; ///< batches ever put in `unacked`
  uint64_t acked_batches = 0;  ///< of those, acknowledged
  /// Forgets wait until every batch queued before them is acknowledged: a
  /// batch sent again after the aggregator applied a forget (it committed
  /// and died before its acknowledgements arrived) would find no position
  /// and be written twice.
  struct held_forget {
    uint64_t after; ///< queued_batches when it came
    std::string key;
    file_identity file;
  };
  std::vector<held_forget> held_forgets;
  std::vector<pending_sync> syncs;
  uint64_t next_sync_id = 1;
  std::vector<caf::response_promise> drains;
  /// Last sign of life on this connection: connected, or an acknowledgement.
  std::chrono::steady_clock::time_point last_progress;
  // counters (logged at exit; metrics later)
  uint64_t connects = 0;
  uint64_t resent_batches = 0;
  uint64_t acked_lines = 0;
  std::shared_ptr<metrics_registry> metrics;
  key_metrics_cache key_figures;
};

/// The collector's sink in distributed mode, with the local sink's interface
/// (line_batch, sync, drain, forget), so tailers and the root do not know the
/// difference. It forwards to an aggregator (`logcatch aggregate`) over CAF's
/// network layer and acknowledges a batch to its tailer only when the
/// aggregator says the batch is in its sink: the tailer's credit is the
/// bounded window, so while the aggregator is unreachable tailers stop
/// reading and the lines wait on disk. The link is a state machine: connect
/// (async, through the middleman actor), hello with node name and token,
/// then up; a down message, a refused hello or a failed request send it back
/// to down, and it reconnects with backoff (100 ms doubling to 5 s), then
/// resends every unacknowledged batch in order (the aggregator drops what it
/// already has). sync is forwarded, so a restarted tailer, or a restarted
/// collector, resumes from the aggregator's committed positions.
///
/// The hello carries `instance` (collector_instance_id): the aggregator
/// answers with a session credential that every later message carries, and
/// a (refused_atom, credential, why) naming it sends the link back to down
/// (a new hello, a new credential, everything unacknowledged again).
caf::behavior remote_sink_actor(caf::stateful_actor<remote_sink_state>* self, sink_config cfg,
                                caf::io::middleman_actor connector,
                                std::shared_ptr<metrics_registry> metrics, std::string instance);

} // namespace logcatch
