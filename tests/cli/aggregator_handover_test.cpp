// Several aggregators on one PostgreSQL: the hand-over scenario
// (aggregator_handover.hpp) against a real private PostgreSQL 15.

#include "aggregator_handover.hpp"
#include "postgresql_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

TEST_CASE("aggregator hand-over: A SIGKILLed for good, the collector reloaded to B, one postgresql: 0 lost, 0 duplicated") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  handover_database db;
  db.sink_yaml = "sink:\n"
                 "  type: postgresql\n"
                 "  dsn: \"" + pg.dsn() + "\"\n"
                 "  password_file: " + pg.password_file() + "\n"
                 "  batch: {max_rows: 5000, max_bytes: 1MiB, max_delay: 50ms}\n";
  db.rows = [&] { return pg.number("SELECT count(*) FROM lines"); };
  db.feed = [&](delivery_verifier& v) {
    for (auto& row : pg.query("SELECT line FROM lines ORDER BY key, inode, \"offset\""))
      v.on_line(row[0].data(), row[0].size());
  };
  db.number = [&](const std::string& sql) { return pg.number(sql); };
  db.positions_table = "lines_positions";
  run_aggregator_handover(dir, db);
  CHECK(pg.number("SELECT count(*) FROM lines WHERE node <> 'n1'") == 0);
}
