#pragma once

// The ClickHouse destination's two tables, as SQL and as the column lists an
// existing table is checked against. Pure: no connection here.
//
// `TABLE` holds the lines (README "ClickHouse sink"): one row per line,
// with the file identity and the position after the row, so the positions
// can be read back from the rows themselves. `TABLE_positions` holds the
// positions as events (set or dropped, stamped), for what rows cannot say:
// baselines, forgotten files, positions moved by batches without lines.

#include <string>
#include <utility>
#include <vector>

namespace logcatch {

struct clickhouse_column {
  std::string name;
  std::string type; ///< as system.columns spells it
};

/// The lines table's columns, in the order the destination inserts them.
const std::vector<clickhouse_column>& clickhouse_line_columns();
/// The positions table's columns, in insert order.
const std::vector<clickhouse_column>& clickhouse_position_columns();

/// `name` as a ClickHouse identifier: back-quoted, with ` and \ escaped.
std::string clickhouse_identifier(const std::string& name);
/// `text` as a ClickHouse string literal: single-quoted, with ' and \ escaped.
std::string clickhouse_literal(const std::string& text);

/// `db`.`table`, quoted.
std::string clickhouse_table_name(const std::string& database, const std::string& table);

/// CREATE TABLE IF NOT EXISTS for the lines table. ORDER BY (key, time): the
/// usual question is "key X over a time range", answered from one range of
/// the primary index; daily partitions let old days be dropped whole.
std::string clickhouse_create_lines(const std::string& database, const std::string& table);
/// CREATE TABLE IF NOT EXISTS for the positions table: a ReplacingMergeTree
/// by stamp, so merges keep one event per file identity.
std::string clickhouse_create_positions(const std::string& database, const std::string& table);

/// What is wrong with a table whose columns are `actual` (name, type) when
/// it should have `expected`: empty when every expected column is there
/// with its type (more columns are fine). Names the first missing column or
/// the first of a wrong type.
std::string clickhouse_schema_problem(const std::string& table_name,
                                      const std::vector<clickhouse_column>& expected,
                                      const std::vector<clickhouse_column>& actual);

} // namespace logcatch
