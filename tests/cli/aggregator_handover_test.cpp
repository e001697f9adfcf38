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
    // By write (time), then offset: order is checked per rotated file
    // (rotate_every lines), and a file's offsets grow with its lines, also
    // where a copytruncate copy goes on with them under another inode (a
    // write may hold the original's last lines and the copy's next ones:
    // by inode, those could come first). Not by ctid: the aborted write of
    // the killed aggregator leaves space that later rows fill.
    for (auto& row : pg.query("SELECT line FROM lines ORDER BY key, \"time\", \"offset\""))
      v.on_line(row[0].data(), row[0].size());
  };
  db.number = [&](const std::string& sql) { return pg.number(sql); };
  db.positions_table = "lines_positions";
  run_aggregator_handover(dir, db);
  CHECK(pg.number("SELECT count(*) FROM lines WHERE node <> 'n1'") == 0);
}

TEST_CASE("an aggregator with a postgresql sink: two nodes with the same key names, a wrong token refused until a reload fixes it, each line once per node") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  uint16_t port = free_loopback_port();
  handover_database db;
  db.sink_yaml = "sink:\n"
                 "  type: postgresql\n"
                 "  dsn: \"" + pg.dsn() + "\"\n"
                 "  password_file: " + pg.password_file() + "\n"
                 "  batch: {max_rows: 5000, max_bytes: 1MiB, max_delay: 50ms}\n";
  auto aggregator = handover_detail::start_aggregator(dir, db, "aggregator", port);
  auto node_config = [&](const std::string& node, const std::string& token) {
    return "logs:\n  app: app.log\nsink:\n  type: remote\n  address: 127.0.0.1:" + std::to_string(port) +
           "\n  node: " + node + "\n  auth_token: " + token + "\n";
  };
  std::map<std::string, uint64_t> written;
  std::vector<std::unique_ptr<child_process>> collectors;
  std::vector<std::unique_ptr<numbered_writer>> writers;
  for (std::string node : {"n1", "n2"}) {
    std::string folder = dir / node;
    std::filesystem::create_directories(folder);
    numbered_writer::options o;
    o.path = folder + "/app.log";
    o.stream = node + "-app";
    writers.push_back(std::make_unique<numbered_writer>(o));
    writers.back()->write_lines(20000);
    written[o.stream] = 20000;
    // n1 starts with a wrong token.
    write_file(folder + "/config.yaml", node_config(node, node == "n1" ? "wrong" : handover_detail::token),
               false);
    collectors.push_back(std::make_unique<child_process>(
      std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", folder + "/config.yaml"}, folder));
  }
  auto node_rows = [&](const std::string& node) {
    return pg.number("SELECT count(*) FROM lines WHERE node = '" + node + "'");
  };
  INFO("aggregator: " << aggregator->err());
  REQUIRE(eventually([&] { return node_rows("n2") == 20000; }));
  // As with a file sink, the guard knows the collector's connection (its
  // place is kept, the reserve is for it): the database front notes it.
  CHECK(eventually([&] {
    return contains(aggregator->err(), "collector 'n2' is on the connection from 127.0.0.1:");
  }));
  REQUIRE(eventually([&] { return contains(collectors[0]->err(), "hello refused"); }));
  CHECK(contains(aggregator->err(), "refused collector 'n1'"));
  CHECK(node_rows("n1") == 0);
  // The token fixed by a reload: n1's lines arrive, once.
  write_file(dir / "n1/config.yaml", node_config("n1", handover_detail::token), false);
  CHECK(eventually([&] { return node_rows("n1") == 20000; }));
  for (auto& c : collectors) {
    c->signal(SIGTERM);
    CHECK(c->wait() == 0);
  }
  aggregator->signal(SIGTERM);
  CHECK(aggregator->wait() == 0);
  delivery_verifier v;
  for (auto& row : pg.query("SELECT line FROM lines ORDER BY node, key, inode, \"offset\""))
    v.on_line(row[0].data(), row[0].size());
  require_clean(v, written);
  CHECK(pg.number("SELECT count(*) FROM lines") == 40000);
  // Positions per node: the same key name twice, once per node.
  CHECK(pg.number("SELECT count(DISTINCT node) FROM lines_positions WHERE key = 'app'") == 2);
}
