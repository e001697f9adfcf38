#pragma once

// The PostgreSQL destination: libpq, one transaction per write (COPY of the
// rows, then the rows of the positions that write changed: upserted or
// deleted, see postgresql_positions.hpp), so rows and positions commit
// together or not at all.

#include <chrono>
#include <memory>
#include <string>

#include "actors/sink/database_destination.hpp"
#include "actors/sink/postgresql_copy_rows.hpp"
#include "actors/sink/postgresql_positions.hpp"

namespace logcatch {

class postgresql_session;

class postgresql_destination : public database_destination {
public:
  /// `io_timeout` bounds every wait on the server (a stopped or unreachable
  /// server turns into an error, not a sink blocked for ever).
  explicit postgresql_destination(database_sink_config cfg,
                                  std::chrono::milliseconds io_timeout = std::chrono::seconds(10));
  ~postgresql_destination() override;

  std::string name() const override;
  destination_result prepare() override;
  destination_result load_positions(stored_positions& out) override;
  destination_result write(const destination_write& w) override;

  /// The positions table of `table`: "<table>_positions".
  static std::string positions_table(const std::string& table) { return table + "_positions"; }

private:
  destination_result check_columns(const std::string& table,
                                    const std::vector<postgresql_column>& expected);

  database_sink_config cfg_;
  std::chrono::milliseconds io_timeout_;
  std::unique_ptr<postgresql_session> session_;
  bool prepared_ = false;
  /// What the positions table holds (with its ordinals), as read by
  /// load_positions() and changed by each committed write; unknown after
  /// any failure until read again.
  ordinal_positions stored_;
  bool stored_known_ = false;
  std::string copy_buffer_; ///< a write's rows in COPY's binary format
};

} // namespace logcatch
