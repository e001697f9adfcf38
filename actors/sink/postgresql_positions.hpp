#pragma once

// What a PostgreSQL write changes in the positions table: only the rows of
// the positions that moved, were added or were dropped, not a key's whole
// list (a glob key of thousands of files would otherwise rewrite thousands
// of rows per write). Pure logic, no libpq: unit-tested alone.
//
// A key's positions are a list whose order matters (delivery_positions::
// recorded: restore() in that order gives back the same record), and a
// position has no identity of its own (its file and reading change as it
// moves). So each stored row has an `ordinal` that only orders the key's
// rows: ordinals are increasing along the list but need not be contiguous.
// The destination remembers what the table holds (read at load, then kept
// up to date by each committed write) and turns the key's new list into the
// fewest row changes it can find: unchanged positions keep their row, a
// moved one is updated in place, a dropped one deleted, a new one appended
// after the last ordinal. Whatever the matching, reading the rows back in
// ordinal order gives exactly the new list.

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "actors/sink/delivery_positions.hpp"

namespace logcatch {

/// One row of the positions table for one key: its ordinal and value.
struct ordinal_position {
  int64_t ordinal = 0;
  delivered_position pos;
};

/// What the positions table holds, per position key, in ordinal order.
using ordinal_positions = std::map<std::string, std::vector<ordinal_position>>;

/// The row changes that turn one key's stored rows into a new list.
struct position_rows_change {
  std::vector<int64_t> deleted;              ///< ordinals to delete
  std::vector<ordinal_position> upserted;    ///< rows to insert or update
  std::vector<ordinal_position> after;       ///< the key's rows once applied
};

/// True when every stored field is equal (what a read-back would tell apart).
bool same_stored_position(const delivered_position& a, const delivered_position& b);

/// The changes from `stored` (one key's rows, in ordinal order) to `wanted`
/// (its new list, in recorded order). `max_ordinal` bounds the ordinals
/// (the column is an integer): when an append would pass it, the key's rows
/// are renumbered from 0 (every row rewritten, once in a long while).
position_rows_change change_positions(const std::vector<ordinal_position>& stored,
                                      const std::vector<delivered_position>& wanted,
                                      int64_t max_ordinal = std::numeric_limits<int32_t>::max());

} // namespace logcatch
