// The ClickHouse destination against a real private ClickHouse server:
// every test checks the lines by querying the database.

#include "actors/sink/database_destination_clickhouse.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <thread>

#include "clickhouse/destination_driver.hpp"
#include "clickhouse_server.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

database_sink_config config_for(const clickhouse_server& server, const std::string& database = "logs") {
  database_sink_config cfg;
  cfg.url = server.url();
  cfg.database = database;
  cfg.user = "default";
  cfg.password = server.password();
  cfg.table = "lines";
  return cfg;
}

/// Short windows, so that a stopped server shows as an unknown outcome soon.
clickhouse_timing quick_timing() {
  clickhouse_timing t;
  t.insert_window = std::chrono::seconds(3);
  return t;
}

/// Rows in logs.lines, 0 while the table is not there yet.
uint64_t rows_in(const clickhouse_server& server) {
  try {
    return server.count("SELECT count() FROM logs.lines");
  } catch (const std::exception&) {
    return 0;
  }
}

/// A thread joined at scope exit, also when a REQUIRE fails.
struct joined_thread {
  std::thread thread;
  template <class F>
  explicit joined_thread(F&& f) : thread(std::forward<F>(f)) {}
  ~joined_thread() { join(); }
  void join() {
    if (thread.joinable())
      thread.join();
  }
};

/// Every line of every file is in the table exactly once, at its offset, with its text.
void check_exactly_once(const clickhouse_server& server, const destination_driver& driver) {
  CHECK(server.count("SELECT count() FROM logs.lines") == driver.total_lines());
  CHECK(server.count("SELECT uniqExact(key, file, offset) FROM logs.lines") == driver.total_lines());
  for (auto& f : driver.files()) {
    INFO(f.path);
    CHECK(server.count("SELECT count() FROM logs.lines WHERE file = '" + f.path + "'") == f.lines);
    uint64_t last = f.lines - 1;
    CHECK(server.query("SELECT line FROM logs.lines WHERE file = '" + f.path + "' AND offset = " +
                       std::to_string(last * driven_width(f))) == driven_line(f, last));
  }
}

} // namespace

TEST_CASE("many keys and files are written once each and resume from the positions read back") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, driven_files(8, 4, 3000), 700);
  REQUIRE(driver.run(std::chrono::seconds(120)));
  INFO(driver.last_error);
  CHECK(driver.failures == 0);
  check_exactly_once(server, driver);
  // The key column answers "key X over a time range" from the primary index.
  CHECK(server.count("SELECT count() FROM logs.lines WHERE key = 'key3' AND time > now() - 3600") ==
        4 * 3000);

  // A new destination (a restarted sink) reads every position back.
  clickhouse_destination again(config_for(server));
  REQUIRE(again.prepare().ok());
  stored_positions stored;
  REQUIRE(again.load_positions(stored).ok());
  REQUIRE(stored.size() == 8);
  for (auto& f : driver.files()) {
    bool found = false;
    for (auto& p : stored[f.key])
      if (p.file.inode == f.inode) {
        found = true;
        CHECK(p.offset == f.lines * driven_width(f));
        CHECK(p.reading == f.inode * 7919);
        CHECK(p.path == f.path);
      }
    CHECK(found);
    // The key's baseline (a position of no file) came back too.
    CHECK(std::any_of(stored[f.key].begin(), stored[f.key].end(),
                      [](const delivered_position& p) { return p.file.inode == 0; }));
  }
}

TEST_CASE("rows go through the fence view: the incoming table keeps nothing, each write is one part") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, driven_files(2, 2, 5000), 2500);
  REQUIRE(driver.run(std::chrono::seconds(120)));
  CHECK(dest.fenced_by_view());
  check_exactly_once(server, driver);
  CHECK(server.count("SELECT count() FROM logs.lines_incoming") == 0);
  CHECK(server.query("SELECT engine FROM system.tables WHERE database = 'logs' AND name = "
                     "'lines_incoming'") == "Null");
  // A row whose deadline is past is stopped by the view.
  server.query("INSERT INTO logs.lines_incoming (time, key, line, deadline) VALUES "
               "(now(), 'late', 'never', now() - 1)");
  CHECK(server.count("SELECT count() FROM logs.lines WHERE key = 'late'") == 0);
  server.query("INSERT INTO logs.lines_incoming (time, key, line, deadline) VALUES "
               "(now(), 'late', 'in time', now() + 60)");
  CHECK(server.count("SELECT count() FROM logs.lines WHERE key = 'late'") == 1);
}

TEST_CASE("a lines table with more columns takes the rows as external data, exactly once") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  {
    clickhouse_destination first(config_for(server));
    REQUIRE(first.prepare().ok());
  }
  server.query("ALTER TABLE logs.lines ADD COLUMN host String DEFAULT 'here'");
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, driven_files(2, 2, 5000), 2500);
  REQUIRE(driver.run(std::chrono::seconds(120)));
  CHECK_FALSE(dest.fenced_by_view());
  check_exactly_once(server, driver);
  CHECK(server.count("SELECT count() FROM logs.lines WHERE host = 'here'") == driver.total_lines());
}

TEST_CASE("a column added to the lines table while writing: the view refuses, the sink switches to external data") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, driven_files(2, 2, 6000), 1000);
  bool altered = false;
  REQUIRE(driver.run(std::chrono::seconds(120), [&] {
    if (!altered && rows_in(server) >= 8000) {
      server.query("ALTER TABLE logs.lines ADD COLUMN host String DEFAULT 'here'");
      altered = true;
    }
  }));
  INFO(driver.last_error);
  REQUIRE(altered);
  CHECK(driver.failures >= 1); // the view's insert was refused (not written), then a new start
  CHECK(driver.unknown_outcomes == 0);
  CHECK_FALSE(dest.fenced_by_view());
  check_exactly_once(server, driver);
}

TEST_CASE("a fence that is not logcatch's view fails the start, naming it") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  server.query("CREATE DATABASE logs");
  server.query("CREATE TABLE logs.lines_fence (x UInt8) ENGINE = Memory");
  clickhouse_destination dest(config_for(server));
  auto r = dest.prepare();
  CHECK_FALSE(r.ok());
  CHECK(r.permanent);
  CHECK(r.error.find("`logs`.`lines_fence` is a Memory table") == 0);
}

TEST_CASE("a forgotten file's position is dropped in the database") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, driven_files(2, 2, 50), 100);
  driver.forget_when_done = true;
  REQUIRE(driver.run(std::chrono::seconds(60)));
  check_exactly_once(server, driver);
  clickhouse_destination again(config_for(server));
  REQUIRE(again.prepare().ok());
  stored_positions stored;
  REQUIRE(again.load_positions(stored).ok());
  for (auto& [key, list] : stored) {
    REQUIRE(list.size() == 1); // the baseline only
    CHECK(list[0].file.inode == 0);
  }
}

TEST_CASE("positions come back from the rows alone when the positions events are lost") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, driven_files(3, 2, 400), 150);
  REQUIRE(driver.run(std::chrono::seconds(60)));
  // As if every write's events had been lost after its rows went in.
  server.query("TRUNCATE TABLE logs.lines_positions");
  clickhouse_destination again(config_for(server));
  REQUIRE(again.prepare().ok());
  stored_positions stored;
  REQUIRE(again.load_positions(stored).ok());
  for (auto& f : driver.files()) {
    REQUIRE(stored[f.key].size() == 2);
    for (auto& p : stored[f.key])
      if (p.file.inode == f.inode)
        CHECK(p.offset == f.lines * driven_width(f));
  }
  // The read-back wrote the events again (the repair).
  CHECK(server.count("SELECT count() FROM logs.lines_positions") == 6);
  // A sink resumed from them sends nothing twice.
  destination_driver resumed(again, driver.files(), 150);
  REQUIRE(resumed.run(std::chrono::seconds(30)));
  check_exactly_once(server, driver);
}

TEST_CASE("positions events that waited (the rows said the same) are read back from the rows") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_timing waits_long;
  waits_long.events_every = std::chrono::minutes(10); // only what the rows cannot say has events
  clickhouse_destination dest(config_for(server), waits_long);
  destination_driver driver(dest, driven_files(3, 2, 400), 150);
  REQUIRE(driver.run(std::chrono::seconds(60)));
  clickhouse_destination again(config_for(server));
  REQUIRE(again.prepare().ok());
  stored_positions stored;
  REQUIRE(again.load_positions(stored).ok());
  for (auto& f : driver.files()) {
    REQUIRE(stored[f.key].size() == 3); // the baseline and two files
    bool found = false;
    for (auto& p : stored[f.key])
      if (p.file.inode == f.inode) {
        found = true;
        CHECK(p.offset == f.lines * driven_width(f));
        CHECK(p.reading == f.inode * 7919);
      }
    CHECK(found);
  }
  // A sink resumed from them sends nothing twice.
  destination_driver resumed(again, driver.files(), 150);
  REQUIRE(resumed.run(std::chrono::seconds(30)));
  check_exactly_once(server, driver);
}

TEST_CASE("one write of more rows than max_insert_block_size is one part") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server));
  // 1,100,000 rows: past the default max_insert_block_size of 1,048,576.
  destination_driver driver(dest, driven_files(1, 1, 1'100'000), 1'100'000);
  REQUIRE(driver.run(std::chrono::seconds(120)));
  CHECK(driver.writes == 1);
  CHECK(server.count("SELECT count() FROM logs.lines") == 1'100'000);
  CHECK(server.count("SELECT count() FROM system.parts WHERE database = 'logs' AND table = 'lines'") == 1);
}

TEST_CASE("the server SIGKILLed mid-stream and restarted loses and duplicates nothing") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server), quick_timing());
  destination_driver driver(dest, driven_files(4, 3, 20000), 2000);
  bool finished = false;
  joined_thread writer([&] { finished = driver.run(std::chrono::seconds(180)); });
  REQUIRE(eventually([&] { return rows_in(server) > 60000; }));
  server.kill();
  server.start();
  writer.join();
  INFO(driver.last_error);
  REQUIRE(finished);
  CHECK(driver.failures > 0);
  check_exactly_once(server, driver);
}

TEST_CASE("a server stopped (SIGSTOP) for a while and resumed loses and duplicates nothing") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server), quick_timing());
  destination_driver driver(dest, driven_files(4, 3, 20000), 2000);
  bool finished = false;
  joined_thread writer([&] { finished = driver.run(std::chrono::seconds(180)); });
  REQUIRE(eventually([&] { return rows_in(server) > 60000; }));
  server.pause();
  // Unreachable until the sink has seen it fail (and kept failing a while).
  bool noticed = eventually([&] { return driver.failures >= 3; }, std::chrono::seconds(60));
  server.resume();
  writer.join();
  INFO(driver.last_error);
  REQUIRE(noticed);
  REQUIRE(finished);
  CHECK(driver.unknown_outcomes > 0);
  check_exactly_once(server, driver);
}

TEST_CASE("an insert of unknown outcome still on its way is waited out before the positions are read back") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server), quick_timing());
  destination_driver driver(dest, driven_files(1, 1, 2000), 1000);
  REQUIRE(driver.start().ok());
  REQUIRE(driver.step().ok()); // lines 0..999
  server.pause();
  auto r = driver.step(); // lines 1000..1999, sent to a stopped server
  CHECK(r.outcome == write_outcome::unknown);
  // Resumed before the insert's deadline, the server finishes the insert
  // while the sink reads the positions back and resumes at once.
  server.resume();
  REQUIRE(driver.run(std::chrono::seconds(60)));
  check_exactly_once(server, driver);
  CHECK(driver.writes == 1); // it landed late, and was not sent again
}

TEST_CASE("an insert of unknown outcome that comes after its deadline never lands") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  clickhouse_destination dest(config_for(server), quick_timing());
  destination_driver driver(dest, driven_files(1, 1, 2000), 1000);
  REQUIRE(driver.start().ok());
  REQUIRE(driver.step().ok());
  // The server's clock, to know when the paused insert's deadline is past.
  uint64_t paused_at = std::stoull(server.query("SELECT toUInt64(now())"));
  server.pause();
  CHECK(driver.step().outcome == write_outcome::unknown);
  // The deadline is at most the window plus a few seconds after the send.
  std::this_thread::sleep_for(std::chrono::seconds(9)); // the scenario: a long stop
  server.resume();
  REQUIRE(std::stoull(server.query("SELECT toUInt64(now())")) >= paused_at + 9);
  REQUIRE(driver.run(std::chrono::seconds(60)));
  check_exactly_once(server, driver);
  CHECK(driver.writes == 2); // it never landed, and was sent again
}

TEST_CASE("a writer SIGKILLed mid-stream and started again loses and duplicates nothing") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  auto files = driven_files(4, 3, 20000);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    clickhouse_destination dest(config_for(server));
    destination_driver driver(dest, files, 500);
    driver.run(std::chrono::seconds(120));
    ::_exit(0);
  }
  bool midway = eventually([&] { return rows_in(server) > 50000; });
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(midway);
  CHECK(WIFSIGNALED(status));
  CHECK(server.count("SELECT count() FROM logs.lines") < 240000);
  clickhouse_destination dest(config_for(server));
  destination_driver driver(dest, files, 500);
  REQUIRE(driver.run(std::chrono::seconds(120)));
  check_exactly_once(server, driver);
}

TEST_CASE("a wrong password is a clear, permanent error") {
  temp_dir dir;
  clickhouse_server server(dir.path(), "s3cret");
  auto cfg = config_for(server);
  cfg.password = "wrong";
  clickhouse_destination dest(cfg);
  auto r = dest.prepare();
  CHECK_FALSE(r.ok());
  CHECK(r.permanent);
  CHECK(r.error.find("Wrong password") != std::string::npos);
  clickhouse_destination right(config_for(server));
  CHECK(right.prepare().ok());
}

TEST_CASE("a table with a wrong schema is an error naming the column") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  server.query("CREATE DATABASE logs");
  SECTION("a column of the wrong type") {
    server.query("CREATE TABLE logs.lines (time DateTime, time_us UInt32, node String, key String, "
                 "file String, offset String, line String, cut UInt8, device UInt64, inode UInt64, "
                 "prefix_len UInt32, prefix_hash UInt64, reading UInt64, end_offset UInt64) "
                 "ENGINE = MergeTree ORDER BY (key, time)");
    clickhouse_destination dest(config_for(server));
    auto r = dest.prepare();
    CHECK_FALSE(r.ok());
    CHECK(r.permanent);
    CHECK(r.error == "column `offset` of table `logs`.`lines` has type String, expected UInt64");
  }
  SECTION("a missing column") {
    server.query("CREATE TABLE logs.lines (time DateTime, key String, line String) "
                 "ENGINE = MergeTree ORDER BY (key, time)");
    clickhouse_destination dest(config_for(server));
    auto r = dest.prepare();
    CHECK_FALSE(r.ok());
    CHECK(r.permanent);
    CHECK(r.error == "table `logs`.`lines` has no column `time_us` (expected type UInt32)");
  }
}

TEST_CASE("an unreachable server is a retryable error, not a permanent one") {
  database_sink_config cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(free_loopback_port());
  cfg.database = "logs";
  clickhouse_destination dest(cfg);
  auto r = dest.prepare();
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.permanent);
  CHECK(r.outcome == write_outcome::not_written);
}


namespace {

/// Times the writes of the destination it wraps (the measurement only).
class timed_destination final : public database_destination {
public:
  explicit timed_destination(database_destination& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  destination_result prepare() override { return inner_.prepare(); }
  destination_result load_positions(stored_positions& out) override {
    return inner_.load_positions(out);
  }
  destination_result write(const destination_write& w) override {
    auto begin = std::chrono::steady_clock::now();
    auto r = inner_.write(w);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    return r;
  }
  double seconds = 0;

private:
  database_destination& inner_;
};

} // namespace

// Not part of the suite (hidden): the measurement behind the insert format,
// bench/RESULTS.md. Run: build/tests/logcatch_clickhouse_tests "[.measure]"
TEST_CASE("measure: the fence view (streamed, whole body) against external data, all RowBinary",
          "[.measure]") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  const uint64_t lines = 1'000'000;
  const char* names[] = {"view, streamed", "view, whole body", "external data"};
  for (int round = 0; round < 3; ++round)
    for (int path = 0; path < 3; ++path) {
      server.query("DROP TABLE IF EXISTS logs.lines_fence");
      server.query("DROP TABLE IF EXISTS logs.lines");
      server.query("DROP TABLE IF EXISTS logs.lines_positions");
      clickhouse_destination dest(config_for(server));
      dest.use_whole_body_for_measurement(path == 1);
      dest.use_external_data_for_measurement(path == 2);
      // 10 files of 100,000 lines, 10 writes of 100,000 lines (the default max_rows).
      timed_destination timed(dest);
      destination_driver driver(timed, driven_files(10, 1, lines / 10), 10'000);
      REQUIRE(driver.start().ok());
      auto server_cpu = server.cpu_seconds();
      auto begin = std::chrono::steady_clock::now();
      REQUIRE(driver.run(std::chrono::seconds(300)));
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      server_cpu = server.cpu_seconds() - server_cpu;
      REQUIRE(server.count("SELECT count() FROM logs.lines") == lines);
      std::printf("%-17s %llu lines (%llu bytes each) in %.2f s, %.2f s of it in write(): "
                  "%.0f lines/s written, %zu writes, server CPU %.2f s\n",
                  names[path], static_cast<unsigned long long>(lines),
                  static_cast<unsigned long long>(driven_width(driver.files()[0])), seconds,
                  timed.seconds, lines / timed.seconds, driver.writes, server_cpu);
    }
}

TEST_CASE("measure: inserts as RowBinary and as JSONEachRow", "[.measure]") {
  temp_dir dir;
  clickhouse_server server(dir.path());
  const uint64_t lines = 1'000'000;
  for (bool json : {false, true, false, true}) {
    server.query("DROP TABLE IF EXISTS logs.lines_fence");
    server.query("DROP TABLE IF EXISTS logs.lines");
    server.query("DROP TABLE IF EXISTS logs.lines_positions");
    clickhouse_destination dest(config_for(server));
    dest.use_json_each_row_for_measurement(json);
    dest.use_external_data_for_measurement(true); // the same path for both formats
    // 10 files of 100,000 lines, 8 writes of 125,000 lines (the default
    // batch is max_rows 100000, max_bytes 16MiB).
    timed_destination timed(dest);
    destination_driver driver(timed, driven_files(10, 1, lines / 10), 12'500);
    REQUIRE(driver.start().ok());
    auto begin = std::chrono::steady_clock::now();
    REQUIRE(driver.run(std::chrono::seconds(300)));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    REQUIRE(server.count("SELECT count() FROM logs.lines") == lines);
    std::printf("%-12s %llu lines (%llu bytes each) in %.2f s, %.2f s of it in write(): "
                "%.0f lines/s written, %zu writes\n",
                json ? "JSONEachRow" : "RowBinary", static_cast<unsigned long long>(lines),
                static_cast<unsigned long long>(driven_width(driver.files()[0])), seconds,
                timed.seconds, lines / timed.seconds, driver.writes);
  }
}
