#pragma once

// Positions in ClickHouse, which has no transactions: the lines table's rows
// carry the position after each row, and the positions table holds events
// (a file's position set, or dropped) stamped like the rows. The positions
// events of a write are inserted after its rows, so at most the last write
// of a key can have rows without events (a crash, an unknown outcome in
// between); reading the positions back merges the latest event per file
// with the rows newer than the key's latest event. Pure: no connection here.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "actors/sink/database_destination.hpp"

namespace logcatch {

/// One row of the positions table.
struct clickhouse_position_event {
  uint64_t stamp = 0;
  std::string position_key;
  delivered_position position; ///< file, offset, path, updated_ms, reading
  uint32_t rank = 0;            ///< its place in the key's list when set
  bool dropped = false;         ///< the file's position is gone (forgotten)
};

/// The latest row of a file identity in the lines table.
struct clickhouse_row_position {
  std::string position_key;
  delivered_position position;
  uint64_t stamp = 0;
};

/// The events that take `stored` to `after` for every key in `after`:
/// a key whose files changed (added, dropped, reordered) gets its whole
/// list; otherwise only the positions that moved. Stamped `stamp`.
std::vector<clickhouse_position_event>
clickhouse_position_events(const stored_positions& stored, const stored_positions& after,
                           uint64_t stamp);

/// Appends events as RowBinary in clickhouse_position_columns()'s order.
void encode_position_events(const std::vector<clickhouse_position_event>& events,
                            std::string& out);
/// Reads events from a RowBinary answer in that same order.
std::vector<clickhouse_position_event> decode_position_events(const std::string& answer);

/// The SELECT columns decode_row_positions() reads, in order.
std::string clickhouse_row_position_columns();
/// Reads latest rows per file identity from a RowBinary answer.
std::vector<clickhouse_row_position> decode_row_positions(const std::string& answer);

/// What the positions read back say.
struct clickhouse_merged_positions {
  stored_positions positions;
  /// Keys with rows newer than their latest event: their events are to be
  /// written again (the repair), so that the next reading may skip old rows.
  std::set<std::string> repaired;
  uint64_t last_stamp = 0; ///< the highest stamp seen (rows or events)
};

/// Merges the latest event per file with the latest rows per file (those
/// newer than their key's latest event win).
clickhouse_merged_positions clickhouse_merge_positions(
  const std::vector<clickhouse_position_event>& latest_events,
  const std::vector<clickhouse_row_position>& latest_rows);

/// Whether reading the positions back would give `after` (for each of its
/// keys) with `stored` in the events and `rows`, the latest row per file
/// identity written since, in the lines table: then a write's events may
/// wait, its rows say the same. Compared without updated_ms (read back
/// from a row's stamp, it is only the age of a position).
bool clickhouse_rows_say(const stored_positions& stored,
                         const std::vector<clickhouse_row_position>& rows,
                         const stored_positions& after);

/// Rows older than this stamp are covered by events: the lowest among the
/// keys' latest event stamps (0 when there are no events).
uint64_t clickhouse_rows_needed_from(const std::vector<clickhouse_position_event>& latest_events);

} // namespace logcatch
