// Several aggregators on one database: a collector moves from aggregator A
// (SIGKILLed for good, mid-stream) to aggregator B (already running) by a
// config reload of its sink.address. Both write into one private
// PostgreSQL; the positions are the database's, per node, so B resumes
// where A's commits end: every line is in the database exactly once, as a
// query shows.

#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <memory>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/loopback_port.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "postgresql_support.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

const std::string token = "handover-token";
constexpr uint64_t rotate_every = 3000;

/// `logcatch aggregate --config` with a postgresql sink on 127.0.0.1:port;
/// returns once it listens.
std::unique_ptr<child_process> start_db_aggregator(const temp_dir& dir, const postgresql_server& pg,
                                                   const std::string& name, uint16_t port) {
  std::string config = dir / (name + ".yaml");
  write_file(config,
             "listen: 127.0.0.1:" + std::to_string(port) + "\n"
             "auth_token: " + token + "\n"
             "sink:\n"
             "  type: postgresql\n"
             "  dsn: \"" + pg.dsn() + "\"\n"
             "  password_file: " + pg.password_file() + "\n"
             "  batch: {max_rows: 5000, max_bytes: 1MiB, max_delay: 50ms}\n",
             false);
  auto child = std::make_unique<child_process>(
    std::vector<std::string>{LOGCATCH_BINARY, "aggregate", "--config", config}, dir.path());
  bool listening = eventually([&] {
    return contains(child->err(), "listening on 127.0.0.1:" + std::to_string(port)) ||
           child->wait(std::chrono::milliseconds(0)) >= 0;
  });
  INFO(name << ": " << child->err());
  REQUIRE(listening);
  REQUIRE(contains(child->err(), "listening on"));
  return child;
}

std::string collector_config(uint16_t port) {
  return "logs:\n  renamed: renamed.log\n  copied: copied.log\n"
         "sink:\n  type: remote\n  address: 127.0.0.1:" + std::to_string(port) +
         "\n  node: n1\n  auth_token: " + token + "\n";
}

std::unique_ptr<numbered_writer> writer(const std::string& folder, const std::string& name,
                                        rotation_mode mode) {
  numbered_writer::options o;
  o.path = folder + "/" + name + ".log";
  o.stream = name;
  o.lines_per_second = 4000;
  o.rotate_every = rotate_every;
  o.mode = mode;
  return std::make_unique<numbered_writer>(o);
}

long long rows(const postgresql_server& pg) {
  return pg.number("SELECT count(*) FROM lines");
}

/// Every line in the database, in file order (per inode by offset: a
/// renamed file keeps its inode; a truncated one starts a new segment).
void feed_delivered(const postgresql_server& pg, delivery_verifier& v) {
  for (auto& row : pg.query("SELECT line FROM lines ORDER BY key, inode, \"offset\""))
    v.on_line(row[0].data(), row[0].size());
}

} // namespace

TEST_CASE("aggregator hand-over: A SIGKILLed for good, the collector reloaded to B, one postgresql: 0 lost, 0 duplicated") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  uint16_t port_a = free_loopback_port();
  uint16_t port_b = free_loopback_port();
  auto a = start_db_aggregator(dir, pg, "aggregator-a", port_a);
  auto b = start_db_aggregator(dir, pg, "aggregator-b", port_b);

  std::string folder = dir / "n1";
  std::filesystem::create_directories(folder);
  std::string config = folder + "/config.yaml";
  write_file(config, collector_config(port_a), false);
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer(folder, "renamed", rotation_mode::rename));
  writers.push_back(writer(folder, "copied", rotation_mode::copytruncate));
  for (auto& w : writers)
    w->start();
  child_process collector{{LOGCATCH_BINARY, "run", "--config", config}, folder};
  INFO("collector: " << collector.err());

  // A writes a good part, and is killed in the middle of the stream.
  REQUIRE(eventually([&] { return rows(pg) > 15000; }));
  a->signal(SIGKILL);
  REQUIRE(a->wait() == 128 + SIGKILL);
  auto at_kill = rows(pg);
  INFO("aggregator A: " << a->err());

  // The collector is pointed at B by a reload of its config.
  write_file(config, collector_config(port_b), false);
  REQUIRE(eventually([&] {
    return contains(collector.err(), "connected to the aggregator at 127.0.0.1:" + std::to_string(port_b));
  }));
  INFO("aggregator B: " << b->err());
  CHECK(contains(b->err(), "collector 'n1' authenticated"));
  // B goes on with the stream (and its rotations) for a while.
  REQUIRE(eventually([&] { return rows(pg) > at_kill + 15000; }));

  std::map<std::string, uint64_t> written;
  for (auto& w : writers) {
    w->stop();
    REQUIRE(w->error().empty());
    CHECK(w->rotations() >= 2);
    written[w->opts().stream] = w->written();
  }
  bool all_there = eventually([&] {
    delivery_verifier v{rotate_every};
    feed_delivered(pg, v);
    for (auto& [stream, n] : written)
      if (v.unique(stream) < n)
        return false;
    return true;
  }, std::chrono::seconds(120));
  CHECK(all_there);

  collector.signal(SIGTERM);
  CHECK(collector.wait() == 0);
  b->signal(SIGTERM);
  CHECK(b->wait() == 0);

  uint64_t total = 0;
  for (auto& [stream, n] : written)
    total += n;
  CHECK(rows(pg) == static_cast<long long>(total));
  delivery_verifier v{rotate_every};
  feed_delivered(pg, v);
  require_clean(v, written);
  // Every row and every position is the collector's node's.
  CHECK(pg.number("SELECT count(*) FROM lines WHERE node <> 'n1'") == 0);
  CHECK(pg.number("SELECT count(DISTINCT key) FROM lines_positions WHERE node = 'n1'") == 2);
  CHECK(pg.number("SELECT count(*) FROM lines_positions WHERE node <> 'n1'") == 0);
}
