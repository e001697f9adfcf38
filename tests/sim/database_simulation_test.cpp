// The model-based simulation against the real binary writing into a real
// database (issue 13): the same random programs of file operations and
// collector events (SIGKILL, stops, restarts, reloads) as with the file
// sink; every line the model says must arrive is looked for in the
// database, and none may be there twice. Each program writes a table of its
// own (and its positions table), so programs do not share positions.

#include <sstream>

#include "binary_program_runs.hpp"

#include "bench/workload/postgresql_server.hpp"
#include "clickhouse_server.hpp"
#include "test_support.hpp"

using namespace logcatch;
using namespace logcatch::sim;
using logcatch::sim::test_runs::run_programs;

namespace {

program_shape small_shape() {
  program_shape shape;
  shape.max_keys = 2;
  shape.max_streams = 3;
  shape.ops = 50;
  shape.collector_events = true;
  return shape;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

} // namespace

TEST_CASE("simulation against the real binary into PostgreSQL: SIGKILLs, stops, restarts and reloads lose and repeat nothing") {
  test::temp_dir dir;
  postgresql_server pg{dir.path()};
  database_target db;
  db.sink_yaml = [&](const std::string& run) {
    return "{type: postgresql, dsn: \"" + pg.dsn() + "\", password_file: \"" +
           pg.password_file() + "\", table: " + run +
           ", batch: {max_rows: 2000, max_bytes: 1MiB, max_delay: 50ms}}";
  };
  db.lines = [&](const std::string& run) {
    std::vector<std::string> out;
    auto rows = pg.query("SELECT to_regclass('" + run + "') IS NOT NULL");
    if (rows.empty() || rows[0].empty() || rows[0][0] != "t")
      return out; // nothing written yet
    for (auto& row : pg.query("SELECT line FROM " + run))
      out.push_back(row.at(0));
    return out;
  };
  run_programs(small_shape(), 15, "postgresql", &db);
}

TEST_CASE("simulation against the real binary into ClickHouse: SIGKILLs, stops, restarts and reloads lose and repeat nothing") {
  test::temp_dir dir;
  test::clickhouse_server ch{dir.path()};
  ch.query("CREATE DATABASE IF NOT EXISTS logs");
  database_target db;
  db.sink_yaml = [&](const std::string& run) {
    return "{type: clickhouse, url: \"" + ch.url() + "\", database: logs, table: " + run +
           ", user: default, batch: {max_rows: 2000, max_bytes: 1MiB, max_delay: 50ms}}";
  };
  db.lines = [&](const std::string& run) {
    if (ch.query("EXISTS TABLE logs." + run) != "1")
      return std::vector<std::string>{};
    return split_lines(ch.query("SELECT line FROM logs." + run + " FORMAT TSVRaw"));
  };
  run_programs(small_shape(), 15, "clickhouse", &db);
}
