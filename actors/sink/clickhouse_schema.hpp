#pragma once

// The ClickHouse destination's two tables, as SQL and as the column lists an
// existing table is checked against. Pure: no connection here.
//
// `TABLE` holds the lines (README "ClickHouse sink"): one row per line,
// with the file identity and the position after the row, so the positions
// can be read back from the rows themselves. `TABLE_positions` holds the
// positions as events (set or dropped, stamped), for what rows cannot say:
// baselines, forgotten files, positions moved by batches without lines.
// `TABLE_incoming` (engine Null, the lines' columns plus `deadline`) and the
// materialized view `TABLE_fence` (TO `TABLE`, WHERE now() < deadline) are
// the fenced way in: rows inserted into TABLE_incoming reach TABLE only while
// the server's clock is before the deadline they carry (README "ClickHouse").

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

/// The incoming table's columns: the lines table's, then `deadline`.
const std::vector<clickhouse_column>& clickhouse_incoming_columns();

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

/// CREATE TABLE IF NOT EXISTS for the incoming table: engine Null (it
/// keeps nothing; its one materialized view passes the rows on).
std::string clickhouse_create_incoming(const std::string& database, const std::string& table);
/// CREATE MATERIALIZED VIEW IF NOT EXISTS `fence` TO `lines`: the lines
/// table's columns of the rows inserted into `incoming` whose deadline is
/// still ahead of the server's clock when the view runs.
std::string clickhouse_create_fence(const std::string& database, const std::string& fence,
                                    const std::string& incoming, const std::string& lines);
/// What is wrong with the fence as the server describes it (system.tables:
/// its engine and create_table_query): empty when it is a materialized view
/// from `database`.`incoming` into `database`.`lines` with the fence's WHERE. A fence that is not
/// ours would pass rows elsewhere, or all of them: the start fails instead.
std::string clickhouse_fence_problem(const std::string& fence_name, const std::string& engine,
                                     const std::string& create_query,
                                     const std::string& database, const std::string& incoming,
                                     const std::string& lines);

/// What is wrong with a table whose columns are `actual` (name, type) when
/// it should have `expected`: empty when every expected column is there
/// with its type (more columns are fine). Names the first missing column or
/// the first of a wrong type.
std::string clickhouse_schema_problem(const std::string& table_name,
                                      const std::vector<clickhouse_column>& expected,
                                      const std::vector<clickhouse_column>& actual);

} // namespace logcatch
