#pragma once

// The ClickHouse destination (sink.type: clickhouse). ClickHouse 18.16 has
// no transactions, so exactly-once rests on three things:
//
//  1. One write's rows go in one INSERT that makes one part: an insert of
//     one block is atomic, and the settings sent with it (max_insert_block_
//     size, min_insert_block_size_rows/bytes, max_block_size) raise every
//     bound that would split it, so only the sink's batch bounds (max_rows,
//     max_bytes) limit a write. The rows of one write share one `time`
//     second, so they never fall into two daily partitions.
//  2. Every row carries its file identity and the position after it, so
//     the positions are read back from the rows (clickhouse_positions). A
//     write's positions events (a second insert, a part of its own: a
//     quarter of a write's time measured) wait while its rows alone say
//     the same positions (clickhouse_rows_say), for at most events_every;
//     they go with the next write that needs them, for every key waiting.
//  3. An insert whose outcome is unknown must not land later, after the
//     positions were read back (a stopped server resumes and finishes it).
//     The rows go into `TABLE_incoming` (engine Null: it keeps nothing),
//     each with a deadline D on the server's clock a few seconds ahead; its
//     materialized view `TABLE_fence` passes them on to the lines table
//     only `WHERE now() < deadline`. After an unknown outcome the positions
//     are read only once the server's clock is past D and the query (by its
//     id) is not running, so it either landed before or never will. A
//     plain INSERT of one block through one view is one block into the
//     lines table, one part; the insert's CPU in the server measured 0.7 to
//     1.0 times that of the earlier `INSERT ... SELECT ... FROM _rows` with
//     the rows as external data (which squashes the external table's
//     65,536-row blocks into one: bench/RESULTS.md). That path is kept for
//     a lines table with more columns than ours (the view would have to
//     fill them; an insert through it is refused, not written, once a
//     column is added, and the next prepare() switches).
//
//   write():  rows (fenced)  ->  positions events  ->  written
//                 | unknown            | fails
//                 v                    v
//   load_positions(): wait out the fence -> latest events + newer rows

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/sink/clickhouse_positions.hpp"
#include "actors/sink/clickhouse_schema.hpp"
#include "actors/sink/database_destination.hpp"

namespace logcatch {

class clickhouse_http;

/// Time bounds of the ClickHouse destination.
struct clickhouse_timing {
  /// How long an insert may take: its deadline on the server's clock is this
  /// far after it is sent, and an answer later than that is an unknown outcome.
  std::chrono::seconds insert_window{10};
  /// The server's clock is read again after this long (it maps local time
  /// to the server's for the deadlines).
  std::chrono::seconds clock_probe_every{60};
  /// The positions events of writes whose rows say the same wait at most
  /// this long (reading back then reads the rows since).
  std::chrono::milliseconds events_every{2000};
};

class clickhouse_destination final : public database_destination {
public:
  explicit clickhouse_destination(database_sink_config cfg,
                                           clickhouse_timing timing = {});
  ~clickhouse_destination() override;

  std::string name() const override;
  destination_result prepare() override;
  destination_result load_positions(stored_positions& out) override;
  destination_result write(const destination_write& w) override;

  /// Rows are sent as RowBinary (measured faster than JSONEachRow); the
  /// measurement switches to JSONEachRow with this (the external-data path).
  void use_json_each_row_for_measurement(bool on) { json_each_row_ = on; }
  /// The measurement of the two fences: the rows as external data of an
  /// INSERT ... SELECT instead of through the fence view.
  void use_external_data_for_measurement(bool on) { external_data_ = on; }
  /// The measurement of the upload: the whole write encoded first, then
  /// sent, instead of encoded batch by batch while it is sent.
  void use_whole_body_for_measurement(bool on) { whole_body_ = on; }
  /// Whether the rows go through the fence view (known after prepare()).
  bool fenced_by_view() const { return view_fence_; }

private:
  destination_result connect();
  destination_result check_table(const std::string& table,
                                 const std::vector<clickhouse_column>& expected,
                                 std::vector<clickhouse_column>* actual_out = nullptr);
  destination_result check_fence();
  destination_result read_server_clock();
  destination_result insert_rows(const destination_write& w, uint64_t first_stamp);
  destination_result insert_events(const std::string& events_rowbinary);
  /// Waits until an insert of unknown outcome can no longer land.
  destination_result settle_unknown_insert();

  database_sink_config cfg_;
  clickhouse_timing timing_;
  std::unique_ptr<clickhouse_http> http_;
  std::string lines_;     ///< `db`.`table`
  std::string positions_; ///< `db`.`table_positions`
  std::string incoming_;  ///< `db`.`table_incoming`: the fenced way in
  bool json_each_row_ = false;
  bool external_data_ = false;
  bool whole_body_ = false;
  /// Rows go through TABLE_incoming and its fence view; false when the lines
  /// table has more columns than ours (the view cannot fill them): then as
  /// external data of a fenced INSERT ... SELECT.
  bool view_fence_ = true;
  /// The rows' upload, kept between writes: a fresh buffer of a write's size
  /// costs its page faults every time (most of the sink's own time measured).
  /// Through the fence view only one batch's rows at a time (they are
  /// encoded while the upload goes); the whole write for external data.
  std::string body_;

  /// What the positions table says, as far as this destination knows:
  /// writes send events against it.
  stored_positions stored_;
  bool positions_read_ = false;
  uint64_t last_stamp_ = 0;
  /// Writes whose events wait: the latest row per file identity they
  /// wrote, and their keys' lists (what the events are to say).
  std::map<std::string, clickhouse_row_position> unevented_rows_;
  stored_positions unevented_;
  std::chrono::steady_clock::time_point events_written_{};

  /// The server's clock: `server_seconds` read between `asked` and now.
  struct server_clock {
    bool known = false;
    uint64_t server_seconds = 0;
    std::chrono::steady_clock::time_point asked;
  } clock_;

  /// An insert whose outcome is unknown: its query id and deadline.
  struct unknown_insert {
    bool pending = false;
    std::string query_id;
    uint64_t deadline = 0; ///< server seconds
  } unknown_;
};

} // namespace logcatch
