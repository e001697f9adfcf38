#pragma once

// The database sink's I/O worker: the one place that calls the destination,
// on a thread of its own (spawned detached), so that a slow or stopped
// database never keeps the sink from answering.

#include <memory>

#include <caf/all.hpp>

#include "actors/sink/database_destination.hpp"

namespace logcatch {

/// One write handed to the worker. It owns the batches that
/// `write.batches` points into, so it is complete on its own.
struct database_job {
  std::vector<std::shared_ptr<const line_batch>> keep; ///< what write.batches points into
  destination_write write;
};

/// A job as a message (in-process only).
struct database_job_ref {
  std::shared_ptr<const database_job> job;
};

/// What the worker answers: to (connect_atom) the result of prepare() and
/// load_positions() with the positions; to a job the write's result.
struct database_reply {
  destination_result result;
  stored_positions positions;
};

struct database_io_state {
  std::string name = "database io";
  std::shared_ptr<database_destination> destination;
  /// The start prepared the destination just before spawning the sink: the
  /// first connect only reads the positions back. A prepare is a dozen
  /// round trips (ClickHouse: 0.3-0.6 s on a loaded machine), and until
  /// the first connect is done no key's baseline can be written.
  bool prepared = false;
};

caf::behavior database_io_actor(caf::stateful_actor<database_io_state>* self,
                                std::shared_ptr<database_destination> destination,
                                bool prepared);

} // namespace logcatch
