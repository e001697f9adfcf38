// The PostgreSQL sink against a real private PostgreSQL 15 and the real
// binary: lines verified by querying the database, with the database and
// the collector killed, a database that stops answering, a wrong password
// and a table of the wrong schema.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <random>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "postgresql_support.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

std::string sink_section(const postgresql_server& pg, const std::string& password_file) {
  return "sink:\n"
         "  type: postgresql\n"
         "  dsn: \"" + pg.dsn() + "\"\n"
         "  password_file: " + password_file + "\n"
         "  batch: {max_rows: 5000, max_bytes: 1MiB, max_delay: 50ms}\n";
}

/// Every line in the database, fed to a verifier in file order (per inode
/// by offset: a rotated file keeps its inode).
void feed_delivered(const postgresql_server& pg, delivery_verifier& v) {
  for (auto& row : pg.query("SELECT line FROM lines ORDER BY key, inode, \"offset\""))
    v.on_line(row[0].data(), row[0].size());
}

void require_delivered_once(const postgresql_server& pg, const std::map<std::string, uint64_t>& written,
                            uint64_t segment_lines = 0) {
  delivery_verifier v{segment_lines};
  feed_delivered(pg, v);
  require_clean(v, written);
}

long long row_count(const postgresql_server& pg) {
  return pg.number("SELECT count(*) FROM lines");
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

TEST_CASE("postgresql sink: every line of many keys and files arrives once as a query shows") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
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
                       sink_section(pg, pg.password_file()));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  for (int round = 0; round < 3; ++round) // while it runs, not only before
    for (auto& w : writers)
      w->write_lines(4000);
  auto written = stop_all(writers);
  INFO(child.err());
  CHECK(eventually([&] { return row_count(pg) >= static_cast<long long>(total(written)) + 1; }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(row_count(pg) == static_cast<long long>(total(written)) + 1);
  delivery_verifier v{1500};
  feed_delivered(pg, v);
  for (auto& r : v.report(written)) {
    INFO("stream " << r.stream << ": lost " << r.lost << ", duplicated " << r.duplicated
                   << ", out of order " << r.out_of_order);
    CHECK((r.lost == 0 && r.duplicated == 0 && r.out_of_order == 0));
  }
  CHECK(v.malformed() == 1); // the odd line
  CHECK(pg.number("SELECT count(DISTINCT file) FROM lines WHERE key = 'web'") == 3);
  CHECK(pg.number("SELECT count(DISTINCT inode) FROM lines WHERE key = 'rotated'") >= 8);
  // The odd line: exact bytes in raw, a readable line.
  auto odd_rows = pg.query("SELECT raw = '\\x" + std::string("6f646420fffe206c696e65000977697468205c20616e6420c3a9") +
                           "'::bytea, line, cut, \"offset\" FROM lines WHERE key = 'odd'");
  REQUIRE(odd_rows.size() == 1);
  CHECK(odd_rows[0][0] == "t");
  CHECK(odd_rows[0][1] == "odd \xef\xbf\xbd\xef\xbf\xbd line\xef\xbf\xbd\twith \\ and \xc3\xa9");
  CHECK(odd_rows[0][2] == "f");
  CHECK(odd_rows[0][3] == "0");
  // Plain lines need no raw copy.
  CHECK(pg.number("SELECT count(*) FROM lines WHERE raw IS NOT NULL") == 1);
  // Positions: a baseline and one position per file, per key.
  CHECK(pg.number("SELECT count(*) FROM lines_positions WHERE key = 'web' AND inode <> 0") == 3);
  CHECK(pg.number("SELECT count(*) FROM lines_positions WHERE inode = 0") == 4);
  // A restart sends nothing again.
  child_process again{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  CHECK(eventually([&] { return contains(again.err(), "running"); }));
  again.signal(SIGTERM);
  CHECK(again.wait() == 0);
  CHECK(row_count(pg) == static_cast<long long>(total(written)) + 1);
}

TEST_CASE("postgresql sink: the database SIGKILLed mid-stream and restarted loses and duplicates nothing") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  steady: " + (dir / "steady.log") + "\n" +
                       sink_section(pg, pg.password_file()));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  writers[0]->start();
  REQUIRE(eventually([&] { return row_count(pg) > 10000; }));
  pg.kill_all();
  INFO(child.err());
  CHECK(eventually([&] { return contains(child.err(), "write failed") || contains(child.err(), "cannot connect"); }));
  auto at_kill = writers[0]->written();
  CHECK(eventually([&] { return writers[0]->written() > at_kill + 20000; })); // it goes on meanwhile
  pg.start();
  CHECK(eventually([&] { return contains(child.err(), "connected again"); }));
  auto written = stop_all(writers);
  CHECK(eventually([&] { return row_count(pg) >= static_cast<long long>(total(written)); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  require_delivered_once(pg, written);
}

TEST_CASE("postgresql sink: a database that stops answering (SIGSTOP) slows reading and loses nothing") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  steady: " + (dir / "steady.log") + "\n" +
                       sink_section(pg, pg.password_file()));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  writers[0]->start();
  REQUIRE(eventually([&] { return row_count(pg) > 10000; }));
  pg.pause();
  // The server stays unreachable for 30 s (the fault) while the
  // writer goes on: that window is the test's subject, not a wait.
  const auto unreachable_until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  INFO(child.err());
  // The sink's wait on the server times out; the collector keeps running
  // and holds what it read (tailers stop at their credit limit).
  CHECK(eventually([&] { return contains(child.err(), "no answer from the server"); }));
  // 40 MB more to read: the collector holds at most its tailers' credit
  // (8 MiB here), so its memory stays flat over the window's samples.
  writers[0]->write_lines(400'000);
  long peak_kib = peak_rss_kib_until(child, unreachable_until);
  CHECK(peak_kib > 0);
#if !defined(__SANITIZE_ADDRESS__) // ASan's quarantine keeps freed memory: RSS proves nothing there
  CHECK(peak_kib < 80 * 1024);
#endif
  pg.resume();
  CHECK(eventually([&] { return contains(child.err(), "connected again"); }));
  auto written = stop_all(writers);
  CHECK(eventually([&] { return row_count(pg) >= static_cast<long long>(total(written)); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  require_delivered_once(pg, written);
}

TEST_CASE("postgresql sink: a collector SIGKILLed mid-stream again and again loses and duplicates nothing") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  writers.push_back(writer_for(dir, "rotated", 10000, 3000));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n"
                     "  steady: " + (dir / "steady.log") + "\n"
                     "  rotated: " + (dir / "rotated.log") + "\n" +
                       sink_section(pg, pg.password_file()));
  for (auto& w : writers)
    w->start();
  auto seed = test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int kills = 0; kills < 8; ++kills) {
    child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
    auto before = row_count(pg);
    // Killed once it has written something, at a random moment after.
    CHECK(eventually([&] { return row_count(pg) > before; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    child.signal(SIGKILL);
    REQUIRE(child.wait() == 128 + SIGKILL);
  }
  auto written = stop_all(writers);
  child_process last{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  INFO(last.err());
  CHECK(eventually([&] { return row_count(pg) >= static_cast<long long>(total(written)); }));
  last.signal(SIGTERM);
  CHECK(last.wait() == 0);
  require_delivered_once(pg, written, 3000);
}

TEST_CASE("postgresql sink: a wrong password fails the start with a clear error") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  write_file(dir / "wrong.pass", "not-the-password\n");
  write_file(dir / "a.log", "one line\n");
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  a: " + (dir / "a.log") + "\n" + sink_section(pg, dir / "wrong.pass"));
  auto result = run_logcatch({"run", "--config", config}, dir);
  INFO(result.err);
  CHECK(result.code == 1);
  CHECK(contains(result.err, "password authentication failed for user \"logcatch\""));
  CHECK(contains(result.err, "sink postgresql"));
}

TEST_CASE("postgresql sink: a table of the wrong schema fails the start naming the column") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  pg.query("CREATE TABLE app_lines (\"time\" timestamptz, node text, key text, file text, "
           "inode bigint, \"offset\" text, line text, cut boolean, raw bytea)");
  pg.query("CREATE TABLE other_lines (\"time\" timestamptz, node text, key text, file text, "
           "inode bigint, \"offset\" bigint, line text, raw bytea)");
  write_file(dir / "a.log", "one line\n");
  for (auto [table, expected] : {std::pair<std::string, std::string>{
                                   "app_lines", "table app_lines: column \"offset\" has type text, logcatch needs bigint"},
                                 {"other_lines", "table other_lines has no column \"cut\" (boolean)"}}) {
    std::string config = dir / "config.yaml";
    write_file(config,
               "logs:\n  a: " + (dir / "a.log") + "\n" + sink_section(pg, pg.password_file()) +
                 "  table: " + table + "\n",
               false);
    auto result = run_logcatch({"run", "--config", config}, dir);
    INFO(result.err);
    CHECK(result.code == 1);
    CHECK(contains(result.err, expected));
  }
  CHECK(pg.number("SELECT count(*) FROM app_lines") == 0);
}

TEST_CASE("postgresql sink: writes of unknown outcome are checked against the positions read back and never repeated") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 20000));
  std::string config = dir / "config.yaml";
  // Every second committed write is taken as one whose answer was lost.
  write_file(config, "logs:\n  steady: " + (dir / "steady.log") + "\n" +
                       sink_section(pg, pg.password_file()) +
                       "  fault: {unknown_outcome_every: 2}\n");
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  writers[0]->start();
  CHECK(eventually([&] { return writers[0]->written() > 40000; }));
  auto written = stop_all(writers);
  INFO(child.err());
  CHECK(eventually([&] { return row_count(pg) >= static_cast<long long>(total(written)); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(contains(child.err(), "the answer to COMMIT is taken as lost"));
  CHECK(contains(child.err(), "lines already delivered")); // a repeated write, skipped
  CHECK(contains(child.err(), "writes of unknown outcome"));
  require_delivered_once(pg, written);
}

TEST_CASE("postgresql sink: a stop while the database is down exits 1 and the next start delivers the rest once") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "steady", 0));
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  steady: " + (dir / "steady.log") + "\n" +
                       sink_section(pg, pg.password_file()));
  writers[0]->write_lines(5000);
  {
    child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
    REQUIRE(eventually([&] { return row_count(pg) == 5000; }));
    pg.kill_all();
    writers[0]->write_lines(5000); // read, but the database cannot take it
    INFO(child.err());
    CHECK(eventually([&] { return contains(child.err(), "write failed") || contains(child.err(), "cannot connect"); }));
    child.signal(SIGTERM);
    CHECK(child.wait() == 1); // not everything read is in the database
    CHECK(contains(child.err(), "batches were not written (read again at the next start)"));
  }
  pg.start();
  writers[0]->write_lines(5000);
  auto written = stop_all(writers);
  child_process again{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  INFO(again.err());
  CHECK(eventually([&] { return row_count(pg) >= 15000; }));
  again.signal(SIGTERM);
  CHECK(again.wait() == 0);
  require_delivered_once(pg, written);
}

TEST_CASE("postgresql sink: a reload that changes the database sink applies the rest and keeps writing where it did") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  write_file(dir / "a.log", "a1\na2\n");
  std::string config = dir / "config.yaml";
  write_file(config, "logs:\n  a: " + (dir / "a.log") + "\n" + sink_section(pg, pg.password_file()));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  REQUIRE(eventually([&] { return row_count(pg) == 2; }));
  write_file(dir / "b.log", "b1\n");
  write_file(config,
             "logs:\n  a: " + (dir / "a.log") + "\n  b: " + (dir / "b.log") + "\n" +
               sink_section(pg, pg.password_file()) + "  table: elsewhere\n",
             false);
  INFO(child.err());
  CHECK(eventually([&] {
    return contains(child.err(), "sink change not applied: switching to, from or between database "
                                 "sinks needs a restart of logcatch");
  }));
  CHECK(eventually([&] { return pg.number("SELECT count(*) FROM lines WHERE key = 'b'") == 1; }));
  CHECK(contains(child.err(), "reload applied: added b"));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(pg.number("SELECT count(*) FROM elsewhere") == -1); // never created
}

TEST_CASE("postgresql sink: a tailer out of credit is written at once, not after max_delay, and exactly once") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  std::vector<std::unique_ptr<numbered_writer>> writers;
  writers.push_back(writer_for(dir, "bulk", 0));
  writers[0]->write_lines(60000); // several MiB: many times the key's 256 KiB credit
  auto written = stop_all(writers);
  std::string config = dir / "config.yaml";
  // Bounds no write reaches and a delay longer than the wait below: only a
  // tailer's "out of credit" can make the writes go. Every third write is
  // taken as of unknown outcome: frequent writes stay exactly once.
  write_file(config, "logs:\n  bulk: {path: " + (dir / "bulk.log") +
                       ", max_inflight_bytes: 256KiB}\n"
                       "sink:\n"
                       "  type: postgresql\n"
                       "  dsn: \"" + pg.dsn() + "\"\n"
                       "  password_file: " + pg.password_file() + "\n"
                       "  batch: {max_rows: 10000000, max_bytes: 1GiB, max_delay: 60s}\n"
                       "  fault: {unknown_outcome_every: 3}\n");
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  INFO(child.err());
  CHECK(eventually([&] { return row_count(pg) >= static_cast<long long>(total(written)); },
                   std::chrono::seconds(40)));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  CHECK(contains(child.err(), "writes of unknown outcome"));
  require_delivered_once(pg, written);
}
