// The ClickHouse sink through the real binary (build/logcatch run) and a
// real private ClickHouse 18.16: lines verified by querying the database,
// with the database SIGKILLed or stopped, the collector SIGKILLed, a wrong
// password and a table of the wrong schema.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <random>

#include "actors/sink/clickhouse_row_binary.hpp"
#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "clickhouse_server.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

/// No password_file when `password_file` is empty (the default user has none).
std::string sink_section(const clickhouse_server& ch, const std::string& password_file = "") {
  return "sink:\n"
         "  type: clickhouse\n"
         "  url: " + ch.url() + "\n"
         "  database: logs\n"
         "  table: lines\n"
         "  user: default\n" +
         (password_file.empty() ? "" : "  password_file: " + password_file + "\n") +
         "  batch: {max_rows: 20000, max_bytes: 4MiB, max_delay: 100ms}\n";
}

std::string password_file(const temp_dir& dir, const std::string& password) {
  write_file(dir / "ch.pass", password + "\n", false);
  return dir / "ch.pass";
}

/// Every line in the database, in file order (per inode by offset), fed to a verifier.
void feed_delivered(const clickhouse_server& ch, delivery_verifier& v) {
  auto answer = ch.query_raw("SELECT line FROM logs.lines ORDER BY key, inode, offset FORMAT RowBinary");
  row_binary_reader rb(answer);
  while (!rb.done()) {
    auto line = rb.string();
    v.on_line(line.data(), line.size());
  }
}

uint64_t row_count(const clickhouse_server& ch) {
  try {
    return ch.count("SELECT count() FROM logs.lines");
  } catch (const std::exception&) {
    return 0; // not created yet, or the server is down
  }
}

void require_delivered_once(const clickhouse_server& ch, const std::map<std::string, uint64_t>& written,
                            uint64_t segment_lines = 0) {
  delivery_verifier v{segment_lines};
  feed_delivered(ch, v);
  require_clean(v, written);
}

std::unique_ptr<numbered_writer> writer_for(const temp_dir& dir, const std::string& stream,
                                            double rate, uint64_t rotate_every = 0) {
  numbered_writer::options o;
  o.path = dir / (stream + ".log");
  o.stream = stream;
  o.lines_per_second = rate;
  o.rotate_every = rotate_every;
  return std::make_unique<numbered_writer>(o);
}

std::map<std::string, uint64_t> stop_all(std::vector<std::unique_ptr<numbered_writer>>& writers) {
  std::map<std::string, uint64_t> written;
  for (auto& w : writers) {
    w->stop();
    REQUIRE(w->error().empty());
    written[w->opts().stream] = w->written();
  }
  return written;
}

uint64_t total(const std::map<std::string, uint64_t>& written) {
  uint64_t sum = 0;
  for (auto& [stream, n] : written)
    sum += n;
  return sum;
}

} // namespace

TEST_CASE("sink: every line of many keys and files arrives once through the binary, as a query shows") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  for (auto name : {"web-1", "web-2", "web-3", "db-1", "db-2"})
    writers.push_back(writer_for(dir, name, 0));
  writers.push_back(writer_for(dir, "rotated", 0, 1500));
  // A line that is not UTF-8 and holds a NUL, a tab and a backslash.
  std::string odd = std::string("odd \xff\xfe line") + '\0' + "\twith \\ and \xc3\xa9";
  write_file(dir / "odd.log", odd + "\n");
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n"
                     "  web: " + (dir / "web-*.log") + "\n"
                     "  db: " + (dir / "db-*.log") + "\n"
                     "  rotated: " + (dir / "rotated.log") + "\n"
                     "  odd: " + (dir / "odd.log") + "\n" +
                       sink_section(ch));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  for (int round = 0; round < 3; ++round) // while it runs, not only before
    for (auto& w : writers)
      w->write_lines(4000);
  auto written = stop_all(writers);
  INFO(child.err());
  CHECK(eventually([&] { return row_count(ch) >= total(written) + 1; }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(row_count(ch) == total(written) + 1);
  delivery_verifier v{1500};
  feed_delivered(ch, v);
  for (auto& r : v.report(written)) {
    INFO("stream " << r.stream << ": lost " << r.lost << ", duplicated " << r.duplicated
                   << ", out of order " << r.out_of_order);
    CHECK((r.lost == 0 && r.duplicated == 0 && r.out_of_order == 0));
  }
  CHECK(v.malformed() == 1); // the odd line
  CHECK(ch.count("SELECT uniqExact(file) FROM logs.lines WHERE key = 'web'") == 3);
  CHECK(ch.count("SELECT uniqExact(inode) FROM logs.lines WHERE key = 'rotated'") >= 8);
  // The odd line: its exact bytes (a ClickHouse String holds bytes).
  CHECK(ch.query("SELECT hex(line), cut, offset FROM logs.lines WHERE key = 'odd'") ==
        "6F646420FFFE206C696E65000977697468205C20616E6420C3A9\t0\t0");
  // The sample query of the README: the last hour of one key.
  CHECK(ch.count("SELECT count() FROM logs.lines WHERE key = 'db' AND time > now() - INTERVAL 1 HOUR") ==
        written["db-1"] + written["db-2"]);
  // A restart sends nothing again.
  child_process again{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  CHECK(eventually([&] { return contains(again.err(), "running"); }));
  again.signal(SIGTERM);
  CHECK(again.wait() == 0);
  CHECK(row_count(ch) == total(written) + 1);
}

TEST_CASE("sink: the database SIGKILLed mid-stream and restarted loses and duplicates nothing") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  steady: " + (dir / "steady.log") + "\n" +
                       sink_section(ch));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  writers[0]->start();
  REQUIRE(eventually([&] { return row_count(ch) > 10000; }));
  ch.kill();
  INFO(child.err());
  CHECK(eventually([&] { return contains(child.err(), "write failed") || contains(child.err(), "cannot connect"); }));
  auto at_kill = writers[0]->written();
  CHECK(eventually([&] { return writers[0]->written() > at_kill + 20000; })); // it goes on meanwhile
  ch.start();
  CHECK(eventually([&] { return contains(child.err(), "connected again"); }));
  auto written = stop_all(writers);
  CHECK(eventually([&] { return row_count(ch) >= total(written); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(row_count(ch) == total(written));
  require_delivered_once(ch, written);
}

TEST_CASE("sink: a database that stops answering (SIGSTOP) slows reading and loses nothing") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  steady: " + (dir / "steady.log") + "\n" +
                       sink_section(ch));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  writers[0]->start();
  REQUIRE(eventually([&] { return row_count(ch) > 10000; }));
  ch.pause();
  // The server stays unreachable for 30 s (the fault) while the
  // writer goes on: that window is the test's subject, not a wait.
  const auto unreachable_until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  INFO(child.err());
  // The insert's answer does not come within its window: an unknown outcome.
  CHECK(eventually([&] { return contains(child.err(), "outcome is unknown"); }));
  // The in-flight bound holds: the tailer stops at its credit (8 MiB) and
  // the memory stays flat however much more the writer writes meanwhile.
  long peak_kib = peak_rss_kib_until(child, unreachable_until);
  CHECK(peak_kib > 0);
#if !defined(__SANITIZE_ADDRESS__) // ASan's quarantine keeps freed memory: RSS proves nothing there
  CHECK(peak_kib < 96 * 1024);
#endif
  ch.resume();
  CHECK(eventually([&] { return contains(child.err(), "connected again"); }));
  auto written = stop_all(writers);
  CHECK(eventually([&] { return row_count(ch) >= total(written); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(row_count(ch) == total(written));
  require_delivered_once(ch, written);
}

TEST_CASE("sink: a collector SIGKILLed mid-stream again and again loses and duplicates nothing") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  writers.push_back(writer_for(dir, "rotated", 10000, 3000));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n"
                     "  steady: " + (dir / "steady.log") + "\n"
                     "  rotated: " + (dir / "rotated.log") + "\n" +
                       sink_section(ch));
  for (auto& w : writers)
    w->start();
  auto seed = test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int kills = 0; kills < 6; ++kills) {
    child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
    auto before = row_count(ch);
    // Killed once it has written something, at a random moment after.
    CHECK(eventually([&] { return row_count(ch) > before; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    child.signal(SIGKILL);
    REQUIRE(child.wait() == 128 + SIGKILL);
  }
  auto written = stop_all(writers);
  child_process last{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  INFO(last.err());
  CHECK(eventually([&] { return row_count(ch) >= total(written); }));
  last.signal(SIGTERM);
  CHECK(last.wait() == 0);
  CHECK(row_count(ch) == total(written));
  require_delivered_once(ch, written, 3000);
}

TEST_CASE("sink: a wrong password fails the start with a clear error") {
  temp_dir dir;
  clickhouse_server ch{dir.path(), "s3cret"};
  write_file(dir / "a.log", "one line\n");
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  a: " + (dir / "a.log") + "\n" +
                       sink_section(ch, password_file(dir, "not-the-password")));
  auto result = run_logcatch({"run", "--config", config}, dir);
  INFO(result.err);
  CHECK(result.code == 1);
  CHECK(contains(result.err, "Wrong password for user default"));
  CHECK(contains(result.err, "sink clickhouse"));
}

TEST_CASE("sink: a table of the wrong schema fails the start naming the column") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  ch.query("CREATE DATABASE logs");
  ch.query("CREATE TABLE logs.lines (time DateTime, time_us UInt32, node String, key String, "
           "file String, offset String, line String, cut UInt8, device UInt64, inode UInt64, "
           "prefix_len UInt32, prefix_hash UInt64, reading UInt64, end_offset UInt64) "
           "ENGINE = MergeTree ORDER BY (key, time)");
  write_file(dir / "a.log", "one line\n");
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  a: " + (dir / "a.log") + "\n" +
                       sink_section(ch));
  auto result = run_logcatch({"run", "--config", config}, dir);
  INFO(result.err);
  CHECK(result.code == 1);
  CHECK(contains(result.err, "column `offset` of table `logs`.`lines` has type String, expected UInt64"));
  CHECK(ch.count("SELECT count() FROM logs.lines") == 0);
}

TEST_CASE("sink: a tailer out of credit is written at once, not after max_delay, and exactly once") {
  temp_dir dir;
  clickhouse_server ch{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "bulk", 0));
  writers[0]->write_lines(60000); // several MiB: many times the key's 256 KiB credit
  auto written = stop_all(writers);
  std::string config = dir / "config.yaml";
  // Bounds no write reaches and a delay longer than the wait below: only a
  // tailer's "out of credit" can make the writes go (unknown outcomes with
  // frequent writes: the postgresql test; here each waits out its fence).
  write_file(config, "logs:\n  bulk: {path: " + (dir / "bulk.log") +
                       ", max_inflight_bytes: 256KiB}\n"
                       "sink:\n"
                       "  type: clickhouse\n"
                       "  url: " + ch.url() + "\n"
                       "  database: logs\n"
                       "  table: lines\n"
                       "  batch: {max_rows: 10000000, max_bytes: 1GiB, max_delay: 60s}\n");
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  INFO(child.err());
  CHECK(eventually([&] { return row_count(ch) >= total(written); }, std::chrono::seconds(40)));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(row_count(ch) == total(written));
  require_delivered_once(ch, written);
}
