#pragma once

// What a database sink writes through: one small interface that the
// PostgreSQL and ClickHouse destinations implement (database_destination_
// postgresql.*, database_destination_clickhouse.*). The database sink actor
// is one; the backends vary. No CAF here: a destination is plain blocking
// code, run on the sink's I/O worker thread and unit-testable alone.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/line_batch.hpp"
#include "actors/sink/delivery_positions.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// How a database operation ended, as far as the sink can know.
enum class write_outcome {
  written,     ///< the database confirmed it (committed)
  not_written, ///< certainly not applied (refused before sending, rolled back)
  unknown      ///< may or may not be applied (timeout, reset, server killed
               ///< mid-commit): re-read the positions before writing more
};

/// The result of a destination call.
struct destination_result {
  write_outcome outcome = write_outcome::written;
  std::string error; ///< why, when not written (for the log)
  /// True when retrying cannot help (wrong password, a table of the wrong
  /// schema): reported as a configuration error at start.
  bool permanent = false;

  bool ok() const { return outcome == write_outcome::written; }
  static destination_result success() { return {}; }
  static destination_result failed(write_outcome o, std::string why, bool permanent = false) {
    return {o, std::move(why), permanent};
  }
};

/// Lines [first_line, end) of one batch are new: the ones before are in the
/// database already (delivery_positions::check said so).
struct destination_batch {
  const line_batch* batch = nullptr;
  std::size_t first_line = 0;
};

/// One database write: rows and the positions they move, to be stored
/// together (atomically where the database can).
struct destination_write {
  std::vector<destination_batch> batches;
  /// When the lines were collected (the sink's clock when it took them),
  /// UTC microseconds since the epoch: the rows' `time` column.
  int64_t collected_us = 0;
  /// The complete positions after this write of every position key it
  /// touched (by rows, a baseline or a forget), in the order
  /// delivery_positions recorded them: a key's stored positions are
  /// replaced by its list here. An empty list: the key has no positions left.
  /// Position keys are `key`, or `node/key` at an aggregator.
  std::map<std::string, std::vector<delivered_position>> positions;
};

/// Every stored position, per position key, in recorded order.
using stored_positions = std::map<std::string, std::vector<delivered_position>>;

/// A database that holds both the lines and the positions they were read
/// up to. Calls are blocking and come from one thread at a time; after any
/// failed call the next call may be prepare() again (a reconnect).
class database_destination {
public:
  virtual ~database_destination() = default;

  /// For the log: "postgresql 127.0.0.1:5432/logs table lines".
  virtual std::string name() const = 0;

  /// Connects (again), creates the tables if missing and checks an existing
  /// table's columns and types: the error names a missing column or one of
  /// the wrong type (permanent). Idempotent; called at start and after any
  /// failure before writing again.
  virtual destination_result prepare() = 0;

  /// Reads every delivered position back (at start, and after an `unknown`
  /// outcome): `out` is replaced on success.
  virtual destination_result load_positions(stored_positions& out) = 0;

  /// Writes the rows and the positions. `written` only once the database
  /// has committed both.
  virtual destination_result write(const destination_write& w) = 0;
};

/// The destination for a postgresql or clickhouse sink (throws
/// std::invalid_argument for another sink type). Nothing is connected yet.
std::unique_ptr<database_destination> make_database_destination(const sink_config& cfg);

} // namespace logcatch
