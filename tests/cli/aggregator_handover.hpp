#pragma once

// The aggregator hand-over scenario, for any database sink: several
// aggregators on one database, a collector moved from aggregator A
// (SIGKILLed for good, mid-stream) to aggregator B (already running) by a
// config reload of its sink.address. The positions are the database's,
// per node, so B resumes where A's commits end: every line is in the
// database exactly once, as a query shows. The PostgreSQL and ClickHouse
// test files give it their database.

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/loopback_port.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

namespace logcatch::test {

/// What the scenario needs of a database.
struct handover_database {
  std::string sink_yaml;                           ///< the aggregators' `sink:` section
  std::function<long long()> rows;                ///< lines in the table (-1 or 0 when not there yet)
  std::function<void(delivery_verifier&)> feed;    ///< every line, in file order (key, inode, offset)
  std::function<long long(const std::string&)> number; ///< a query's single number
  std::string positions_table;                     ///< with a `node` column
};

namespace handover_detail {

inline const std::string token = "handover-token";
constexpr uint64_t rotate_every = 3000;

/// `logcatch aggregate --config` on 127.0.0.1:port; returns once it listens.
/// `sink_extra`: more lines of its sink section.
inline std::unique_ptr<child_process> start_aggregator(const temp_dir& dir, const handover_database& db,
                                                       const std::string& name, uint16_t port,
                                                       const std::string& sink_extra = "") {
  std::string config = dir / (name + ".yaml");
  write_file(config,
             "listen: 127.0.0.1:" + std::to_string(port) + "\n"
             "auth_token: " + token + "\n" + db.sink_yaml + sink_extra,
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

inline std::string collector_config(uint16_t port) {
  return "logs:\n  renamed: renamed.log\n  copied: copied.log\n"
         "sink:\n  type: remote\n  address: 127.0.0.1:" + std::to_string(port) +
         "\n  node: n1\n  auth_token: " + token + "\n";
}

inline std::unique_ptr<numbered_writer> writer(const std::string& folder, const std::string& name,
                                               rotation_mode mode) {
  numbered_writer::options o;
  o.path = folder + "/" + name + ".log";
  o.stream = name;
  o.lines_per_second = 4000;
  o.rotate_every = rotate_every;
  o.mode = mode;
  return std::make_unique<numbered_writer>(o);
}

} // namespace handover_detail

/// Runs the scenario against `db` (its server already running, its table
/// not necessarily created); fails the current test case on any lost or
/// duplicated line. `sink_yaml` must end with its last line's newline.
inline void run_aggregator_handover(const temp_dir& dir, const handover_database& db) {
  using namespace handover_detail;
  uint16_t port_a = free_loopback_port();
  uint16_t port_b = free_loopback_port();
  // A holds every acknowledgement 1.5 s after the commit, so its SIGKILL
  // leaves batches that are in the database and not acknowledged: the
  // collector sends them again to B, which must find them in the database.
  auto a = start_aggregator(dir, db, "aggregator-a", port_a, "  fault: {ack_delay: 1500ms}\n");
  auto b = start_aggregator(dir, db, "aggregator-b", port_b);

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
  auto logs = [&] {
    return "collector:\n" + collector.err() + "\naggregator A:\n" + a->err() + "\naggregator B:\n" +
           b->err();
  };

  // A writes a good part of the stream and is killed in the middle of it.
  bool a_wrote = eventually([&] { return db.rows() > 15000; });
  INFO(logs());
  REQUIRE(a_wrote);
  a->signal(SIGKILL);
  REQUIRE(a->wait() == 128 + SIGKILL);
  auto at_kill = db.rows();

  // The collector is pointed at B by a reload of its config.
  write_file(config, collector_config(port_b), false);
  bool moved = eventually([&] {
    return contains(collector.err(), "connected to the aggregator at 127.0.0.1:" + std::to_string(port_b));
  });
  INFO(logs());
  REQUIRE(moved);
  CHECK(contains(b->err(), "collector 'n1' authenticated"));
  // B goes on with the stream (and its rotations) for a while.
  bool b_wrote = eventually([&] { return db.rows() > at_kill + 15000; });
  INFO(logs());
  REQUIRE(b_wrote);

  std::map<std::string, uint64_t> written;
  uint64_t total = 0;
  for (auto& w : writers) {
    w->stop();
    REQUIRE(w->error().empty());
    CHECK(w->rotations() >= 2);
    written[w->opts().stream] = w->written();
    total += w->written();
  }
  bool all_there = eventually(
    [&] {
      delivery_verifier v{rotate_every};
      db.feed(v);
      for (auto& [stream, n] : written)
        if (v.unique(stream) < n)
          return false;
      return true;
    },
    std::chrono::seconds(120));
  INFO(logs());
  CHECK(all_there);

  collector.signal(SIGTERM);
  CHECK(collector.wait() == 0);
  b->signal(SIGTERM);
  CHECK(b->wait() == 0);

  CHECK(db.rows() == static_cast<long long>(total));
  delivery_verifier v{rotate_every};
  db.feed(v);
  require_clean(v, written);
  // Every row and every position is the collector's node's.
  CHECK(db.number("SELECT count(*) FROM " + db.positions_table + " WHERE node <> 'n1'") == 0);
  CHECK(db.number("SELECT count(DISTINCT key) FROM " + db.positions_table + " WHERE node = 'n1'") == 2);
}

} // namespace logcatch::test
