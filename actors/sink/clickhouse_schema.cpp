#include "actors/sink/clickhouse_schema.hpp"

namespace logcatch {

namespace {

std::string quoted(const std::string& text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote || c == '\\')
      out += '\\';
    out += c;
  }
  out += quote;
  return out;
}

std::string column_list(const std::vector<clickhouse_column>& columns) {
  std::string out;
  for (auto& c : columns) {
    if (!out.empty())
      out += ", ";
    out += clickhouse_identifier(c.name) + " " + c.type;
  }
  return out;
}

} // namespace

const std::vector<clickhouse_column>& clickhouse_line_columns() {
  // time + time_us: 18.16 has no DateTime64. Every row of one insert shares
  // one second (see clickhouse_rows), so an insert never spans partitions.
  static const std::vector<clickhouse_column> columns{
    {"time", "DateTime"},      {"time_us", "UInt32"},     {"node", "String"},
    {"key", "String"},         {"file", "String"},        {"offset", "UInt64"},
    {"line", "String"},        {"cut", "UInt8"},          {"device", "UInt64"},
    {"inode", "UInt64"},       {"prefix_len", "UInt32"},  {"prefix_hash", "UInt64"},
    {"reading", "UInt64"},     {"end_offset", "UInt64"},
  };
  return columns;
}

const std::vector<clickhouse_column>& clickhouse_incoming_columns() {
  static const std::vector<clickhouse_column> columns = [] {
    auto c = clickhouse_line_columns();
    c.push_back({"deadline", "DateTime"});
    return c;
  }();
  return columns;
}

const std::vector<clickhouse_column>& clickhouse_position_columns() {
  static const std::vector<clickhouse_column> columns{
    {"stamp", "UInt64"},      {"position_key", "String"}, {"device", "UInt64"},
    {"inode", "UInt64"},      {"prefix_len", "UInt32"},   {"prefix_hash", "UInt64"},
    {"offset", "UInt64"},     {"reading", "UInt64"},      {"file", "String"},
    {"updated_ms", "Int64"},  {"rank", "UInt32"},         {"dropped", "UInt8"},
  };
  return columns;
}

std::string clickhouse_identifier(const std::string& name) {
  return quoted(name, '`');
}

std::string clickhouse_literal(const std::string& text) {
  return quoted(text, '\'');
}

std::string clickhouse_table_name(const std::string& database, const std::string& table) {
  return clickhouse_identifier(database) + "." + clickhouse_identifier(table);
}

std::string clickhouse_create_lines(const std::string& database, const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + clickhouse_table_name(database, table) + " (" +
         column_list(clickhouse_line_columns()) +
         ") ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (key, time)";
}

std::string clickhouse_create_positions(const std::string& database, const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + clickhouse_table_name(database, table) + " (" +
         column_list(clickhouse_position_columns()) +
         ") ENGINE = ReplacingMergeTree(stamp) "
         "ORDER BY (position_key, device, inode, prefix_len, prefix_hash)";
}

std::string clickhouse_create_incoming(const std::string& database, const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + clickhouse_table_name(database, table) + " (" +
         column_list(clickhouse_incoming_columns()) + ") ENGINE = Null";
}

std::string clickhouse_create_fence(const std::string& database, const std::string& fence,
                                    const std::string& incoming, const std::string& lines) {
  std::string columns;
  for (auto& c : clickhouse_line_columns())
    columns += (columns.empty() ? "" : ", ") + clickhouse_identifier(c.name);
  return "CREATE MATERIALIZED VIEW IF NOT EXISTS " + clickhouse_table_name(database, fence) +
         " TO " + clickhouse_table_name(database, lines) + " AS SELECT " + columns + " FROM " +
         clickhouse_table_name(database, incoming) + " WHERE now() < deadline";
}

namespace {

/// A create_table_query without back-quotes and with runs of spaces as one:
/// releases print identifiers quoted or not, and space the clauses
/// differently; compared this way on both sides.
std::string normalized(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '`')
      continue;
    if (c == ' ' && !out.empty() && out.back() == ' ')
      continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

} // namespace

std::string clickhouse_fence_problem(const std::string& fence_name, const std::string& engine,
                                     const std::string& create_query,
                                     const std::string& database, const std::string& incoming,
                                     const std::string& lines) {
  if (engine != "MaterializedView")
    return fence_name + " is a " + (engine.empty() ? "missing table" : engine + " table") +
           ", expected the materialized view logcatch creates (drop it to let logcatch create it)";
  auto query = normalized(create_query);
  auto to = normalized(" TO " + database + "." + lines + " ");
  auto from = normalized(" FROM " + database + "." + incoming + " ");
  std::string where = "WHERE now() < deadline";
  if (query.find(to) == std::string::npos || query.find(from) == std::string::npos ||
      query.size() < where.size() ||
      query.compare(query.size() - where.size(), where.size(), where) != 0)
    return "the materialized view " + fence_name + " is not the one logcatch creates (TO " +
           clickhouse_table_name(database, lines) + " ... FROM " +
           clickhouse_table_name(database, incoming) +
           " WHERE now() < deadline): drop it to let logcatch create it";
  return {};
}

std::string clickhouse_schema_problem(const std::string& table_name,
                                      const std::vector<clickhouse_column>& expected,
                                      const std::vector<clickhouse_column>& actual) {
  for (auto& want : expected) {
    const clickhouse_column* have = nullptr;
    for (auto& a : actual)
      if (a.name == want.name)
        have = &a;
    if (have == nullptr)
      return "table " + table_name + " has no column `" + want.name + "` (expected type " +
             want.type + ")";
    if (have->type != want.type)
      return "column `" + want.name + "` of table " + table_name + " has type " + have->type +
             ", expected " + want.type;
  }
  return {};
}

} // namespace logcatch
