#pragma once

// The rows of one ClickHouse write, encoded for the insert: every line of
// the write's batches with its file identity and the position after it.
// Pure: no connection here.

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/sink/clickhouse_positions.hpp"
#include "actors/sink/database_destination.hpp"

namespace logcatch {

/// The rows' stamps: batch i of a write gets `first + i` (microseconds since
/// the epoch), so the latest row of a file identity is the one with the
/// highest (stamp, end_offset), whatever order the rows are stored in. The
/// first stamp is the write's collection time, moved forward past `last`
/// (the highest stamp stored so far: stamps never go back, even when the
/// clock does) and, when the write's stamps would cross a second, to the
/// next second: every row of a write shares its `time` second, so one
/// insert never spans two daily partitions (two parts, no longer atomic).
uint64_t clickhouse_first_stamp(int64_t collected_us, uint64_t last, std::size_t batches);

/// The columns the rows are sent with (the external table's structure):
/// the lines table's columns except `time`, which the insert's SELECT
/// computes from the write's one second.
std::string clickhouse_rows_structure();

/// Appends the write's rows as RowBinary in clickhouse_rows_structure()'s
/// order. A line's bytes go in as they are in the file: a ClickHouse String
/// holds bytes, so bytes that are not UTF-8 are kept exactly (the JSON
/// format escapes them instead). Returns the number of rows.
std::size_t encode_rows_row_binary(const destination_write& w, uint64_t first_stamp,
                                   std::string& out);

/// Appends the write's rows as RowBinary in clickhouse_incoming_columns()'s
/// order, for a plain INSERT into the incoming table: `time` (the write's
/// one second), the columns above, then `deadline` (server seconds), the
/// same in every row: the fence view lets the rows through only while the
/// server's clock is before it. Returns the number of rows.
std::size_t encode_incoming_row_binary(const destination_write& w, uint64_t first_stamp,
                                       uint32_t deadline, std::string& out);

/// Batch `b` of the write alone, as encode_incoming_row_binary encodes it
/// (the rows sent as they are encoded, one batch at a time: the encoding
/// overlaps the upload, and no buffer of a whole write's size is kept).
std::size_t encode_incoming_batch(const destination_write& w, std::size_t b,
                                  uint64_t first_stamp, uint32_t deadline, std::string& out);
/// The exact size in bytes of encode_incoming_row_binary's output (the
/// upload's Content-Length), without encoding.
std::size_t incoming_row_binary_size(const destination_write& w);

/// The position each batch's last new row carries (as reading the rows
/// back gives it), in the write's order: the rows' say on the positions.
std::vector<clickhouse_row_position> clickhouse_last_rows(const destination_write& w,
                                                          uint64_t first_stamp);

/// The same rows as JSONEachRow, for the format measurement only (the
/// destination inserts RowBinary, which measured faster: bench/RESULTS.md).
std::size_t encode_rows_json_each_row(const destination_write& w, uint64_t first_stamp,
                                      std::string& out);

} // namespace logcatch
