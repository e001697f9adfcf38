#include "actors/sink/clickhouse_schema.hpp"

#include <catch2/catch.hpp>

#include "actors/sink/clickhouse_http.hpp"

using namespace logcatch;

TEST_CASE("clickhouse: a table with every documented column and type has no schema problem") {
  auto actual = clickhouse_line_columns();
  actual.push_back({"extra", "String"}); // more columns are fine
  CHECK(clickhouse_schema_problem("`logs`.`lines`", clickhouse_line_columns(), actual).empty());
}

TEST_CASE("clickhouse: a missing column is named with its expected type") {
  auto actual = clickhouse_line_columns();
  actual.erase(actual.begin() + 5); // offset
  CHECK(clickhouse_schema_problem("`logs`.`lines`", clickhouse_line_columns(), actual) ==
        "table `logs`.`lines` has no column `offset` (expected type UInt64)");
}

TEST_CASE("clickhouse: a column of the wrong type is named with both types") {
  auto actual = clickhouse_line_columns();
  for (auto& c : actual)
    if (c.name == "end_offset")
      c.type = "String";
  CHECK(clickhouse_schema_problem("`logs`.`lines`", clickhouse_line_columns(), actual) ==
        "column `end_offset` of table `logs`.`lines` has type String, expected UInt64");
}

TEST_CASE("clickhouse: identifiers and literals are quoted with their quotes escaped") {
  CHECK(clickhouse_identifier("a`b") == "`a\\`b`");
  CHECK(clickhouse_literal("it's \\ here") == "'it\\'s \\\\ here'");
  CHECK(clickhouse_table_name("logs", "lines") == "`logs`.`lines`");
}

TEST_CASE("clickhouse: the lines table is ordered by key and time, partitioned by day") {
  auto sql = clickhouse_create_lines("logs", "lines");
  CHECK(sql.find("CREATE TABLE IF NOT EXISTS `logs`.`lines` (`time` DateTime, `time_us` UInt32") == 0);
  CHECK(sql.find("PARTITION BY toYYYYMMDD(time) ORDER BY (key, time)") != std::string::npos);
  CHECK(clickhouse_create_positions("logs", "lines_positions").find("ReplacingMergeTree(stamp)") !=
        std::string::npos);
}

TEST_CASE("clickhouse: the fenced way in is a Null table and a view that passes rows before their deadline") {
  auto incoming = clickhouse_create_incoming("logs", "lines_incoming");
  CHECK(incoming.find("CREATE TABLE IF NOT EXISTS `logs`.`lines_incoming` (`time` DateTime,") == 0);
  CHECK(incoming.find("`end_offset` UInt64, `deadline` DateTime) ENGINE = Null") != std::string::npos);
  CHECK(clickhouse_incoming_columns().back().name == "deadline");
  CHECK(clickhouse_incoming_columns().size() == clickhouse_line_columns().size() + 1);
  auto fence = clickhouse_create_fence("logs", "lines_fence", "lines_incoming", "lines");
  CHECK(fence.find("CREATE MATERIALIZED VIEW IF NOT EXISTS `logs`.`lines_fence` TO `logs`.`lines` "
                   "AS SELECT `time`, `time_us`,") == 0);
  CHECK(fence.find("`end_offset` FROM `logs`.`lines_incoming` WHERE now() < deadline") !=
        std::string::npos);
}

TEST_CASE("clickhouse: a fence that is not logcatch's view is named, not used") {
  // As ClickHouse 18.16 prints the view logcatch creates.
  std::string ours = "CREATE MATERIALIZED VIEW logs.lines_fence TO logs.lines ( time DateTime,  "
                     "line String) AS SELECT time, line FROM logs.lines_incoming  WHERE now() < "
                     "deadline";
  CHECK(clickhouse_fence_problem("`logs`.`lines_fence`", "MaterializedView", ours, "logs",
                                 "lines_incoming", "lines")
          .empty());
  CHECK(clickhouse_fence_problem("`logs`.`lines_fence`", "", "", "logs", "lines_incoming", "lines") ==
        "`logs`.`lines_fence` is a missing table, expected the materialized view logcatch creates "
        "(drop it to let logcatch create it)");
  CHECK(clickhouse_fence_problem("`logs`.`lines_fence`", "MergeTree", "CREATE TABLE ...", "logs",
                                 "lines_incoming", "lines")
          .find("is a MergeTree table") != std::string::npos);
  auto elsewhere = ours;
  elsewhere.replace(elsewhere.find("TO logs.lines"), 13, "TO logs.other");
  CHECK(clickhouse_fence_problem("`logs`.`lines_fence`", "MaterializedView", elsewhere, "logs",
                                 "lines_incoming", "lines")
          .find("is not the one logcatch creates") != std::string::npos);
  auto unfenced = ours.substr(0, ours.find("  WHERE"));
  CHECK_FALSE(clickhouse_fence_problem("`logs`.`lines_fence`", "MaterializedView", unfenced, "logs",
                                       "lines_incoming", "lines")
                .empty());
  // Other releases quote and space the same view differently.
  std::string newer = "CREATE MATERIALIZED VIEW logs.lines_fence TO logs.lines (`time` DateTime, "
                      "`line` String) AS SELECT time, line FROM `logs`.`lines_incoming` WHERE now() "
                      "< deadline";
  CHECK(clickhouse_fence_problem("f", "MaterializedView", newer, "logs", "lines_incoming", "lines")
          .empty());
  // Names that are not plain words are printed back-quoted.
  std::string quoted = "CREATE MATERIALIZED VIEW `my-logs`.lines_fence TO `my-logs`.lines ( time "
                       "DateTime) AS SELECT time FROM `my-logs`.lines_incoming  WHERE now() < deadline";
  CHECK(clickhouse_fence_problem("f", "MaterializedView", quoted, "my-logs", "lines_incoming",
                                 "lines")
          .empty());
}

TEST_CASE("clickhouse: urls are http(s)://HOST[:PORT] and nothing else") {
  clickhouse_endpoint e;
  std::string error;
  REQUIRE(parse_clickhouse_url("http://127.0.0.1:8123", e, error));
  CHECK(e.scheme == "http");
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == 8123);
  REQUIRE(parse_clickhouse_url("https://db.example/", e, error));
  CHECK(e.scheme == "https");
  CHECK(e.host == "db.example");
  CHECK(e.port == 8443);
  REQUIRE(parse_clickhouse_url("http://[::1]:18123", e, error));
  CHECK(e.host == "[::1]");
  CHECK(e.port == 18123);
  REQUIRE(parse_clickhouse_url("http://db", e, error));
  CHECK(e.port == 8123);
  CHECK_FALSE(parse_clickhouse_url("tcp://127.0.0.1:9000", e, error));
  CHECK(error.find("http://") != std::string::npos);
  CHECK_FALSE(parse_clickhouse_url("http://127.0.0.1:8123/logs", e, error));
  CHECK_FALSE(parse_clickhouse_url("http://127.0.0.1:99999", e, error));
  CHECK_FALSE(parse_clickhouse_url("http://", e, error));
}

TEST_CASE("clickhouse: an exception's code is read, and the authentication ones are permanent") {
  int code = clickhouse_error_code(
    "Code: 193, e.displayText() = DB::Exception: Wrong password for user default");
  CHECK(code == 193);
  CHECK(clickhouse_authentication_error(code));
  CHECK(clickhouse_error_code("Code: 60, e.displayText() = DB::Exception: Table x doesn't exist") == 60);
  CHECK_FALSE(clickhouse_authentication_error(60));
  CHECK(clickhouse_error_code("something else") == -1);
}
