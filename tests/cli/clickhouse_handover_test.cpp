// Several aggregators on one ClickHouse: the hand-over scenario
// (aggregator_handover.hpp) against a real private ClickHouse server.

#include "aggregator_handover.hpp"
#include "actors/sink/clickhouse_row_binary.hpp"
#include "clickhouse_server.hpp"

using namespace logcatch;
using namespace logcatch::test;

TEST_CASE("aggregator hand-over: A SIGKILLed for good, the collector reloaded to B, one clickhouse: 0 lost, 0 duplicated") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  handover_database db;
  db.sink_yaml = "sink:\n"
                 "  type: clickhouse\n"
                 "  url: " + ch.url() + "\n"
                 "  database: logs\n"
                 "  table: lines\n"
                 "  user: default\n"
                 "  batch: {max_rows: 20000, max_bytes: 4MiB, max_delay: 100ms}\n";
  db.rows = [&]() -> long long {
    try {
      return static_cast<long long>(ch.count("SELECT count() FROM logs.lines"));
    } catch (const std::exception&) {
      return 0; // not created yet
    }
  };
  db.feed = [&](delivery_verifier& v) {
    // In the order written: by write, then by reading (a copytruncate copy
    // goes on with its original's reading at higher offsets under another
    // inode, so inode order would put it first).
    auto answer = ch.query_raw("SELECT line FROM logs.lines ORDER BY key, time, time_us, reading, offset FORMAT RowBinary");
    row_binary_reader rb(answer);
    while (!rb.done()) {
      auto line = rb.string();
      v.on_line(line.data(), line.size());
    }
  };
  db.number = [&](const std::string& sql) { return static_cast<long long>(ch.count(sql)); };
  db.positions_table = "logs.lines";
  run_aggregator_handover(dir, db);
}
