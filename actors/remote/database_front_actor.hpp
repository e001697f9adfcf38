#pragma once

// An aggregator whose sink is a database: this actor keeps the collectors'
// sessions (hello, credential, checked batches) in front of the database
// sink, which stays the collector's own database sink unchanged. The file
// sink keeps its sessions itself; a database sink is shared with
// collectors, so the aggregator's part lives here instead.
//
//   gateway -> front: hello, line_batch, sync, forget (with a credential)
//   front -> database sink: the same with node-qualified keys, plus a
//            refresh at every hello (see database_sink_actor)
//   database sink -> front: acknowledgements, in arrival order; the front
//            sends each to its batch's collector in the gateway's name

#include <chrono>
#include <cstdint>
#include <deque>
#include <tuple>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/remote/ack_route.hpp"
#include "actors/remote/collector_sessions.hpp"

namespace logcatch {

struct database_front_options {
  caf::actor database; ///< the database sink
  /// The collectors' sessions (hello checks, tokens, connections noted for connection_guard).
  std::shared_ptr<collector_sessions> sessions;
  /// Test hook (sink.fault.ack_delay): acknowledgements held this long.
  std::chrono::milliseconds ack_delay{0};
};

struct database_front_state {
  std::string name = "aggregator";
  caf::actor database;
  /// Who may speak for which node; answers and acknowledgements go out in
  /// the published gateway's name, so no peer learns this actor's or the
  /// sink's address.
  std::shared_ptr<collector_sessions> sessions;
  /// Batches handed to the database sink and not yet acknowledged by it.
  ack_route<caf::actor> acks;
  /// Test hook: acknowledgements the database committed, held until their time.
  std::chrono::milliseconds ack_delay{0};
  std::deque<std::tuple<std::chrono::steady_clock::time_point, caf::actor, uint64_t>> held_acks;
};

/// Sessions as the file sink keeps them as an aggregator (one live session
/// per node name, every field of a batch checked, a bad message ends its
/// session), with the database sink behind: keys become `node/key`, the
/// batch's node is the session's, and an acknowledgement goes back only
/// once the database committed the batch. At every hello the database sink
/// re-reads its positions, so a collector that moved here from another
/// aggregator writing into the same database resumes where that one's
/// commits end.
caf::behavior database_front_actor(caf::stateful_actor<database_front_state>* self,
                                   database_front_options opts);

} // namespace logcatch
