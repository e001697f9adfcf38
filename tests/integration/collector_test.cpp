#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/workload/numbered_writer.hpp"
#include "integration/collector_harness.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;
using namespace std::chrono_literals;

TEST_CASE("every line arrives exactly once and in order while files rotate and tailers crash") {
  temp_dir dir;
  std::vector<log_config> logs;
  for (int i = 1; i <= 3; ++i) {
    auto log = log_key("logdir" + std::to_string(i), dir / ("app" + std::to_string(i) + ".log"));
    if (i != 1)
      log.fault.crash_every_lines = 700 + 300 * static_cast<uint64_t>(i); // 1300, 1600
    logs.push_back(log);
  }
  auto cfg = config_for(dir, logs);
  observed seen;
  std::map<std::string, uint64_t> written;
  std::vector<key_stats> stats;
  {
    collector running{cfg, seen.observer()};
    std::vector<std::unique_ptr<numbered_writer>> writers;
    for (auto& log : logs) {
      numbered_writer::options o;
      o.path = log.path;
      o.stream = log.key;
      // A rotation every two seconds: a plain-path tailer that falls more
      // than a whole file behind skips the middle file (a documented limit;
      // globs lift it), so rotations stay slow enough for a loaded,
      // sanitized test machine.
      o.lines_per_second = 2000;
      o.rotate_every = 4000;
      writers.push_back(std::make_unique<numbered_writer>(o));
      writers.back()->start();
    }
    REQUIRE(eventually([&] { return writers[0]->written() >= 13000; }));
    for (auto& w : writers) {
      w->stop();
      REQUIRE(w->error().empty());
      written[w->opts().stream] = w->written();
    }
    CHECK(eventually([&] { return seen.delivered(written); }));
    running.stop();
    stats = running.stats();
  }
  require_clean(seen.verifier, written);
  // What the sink wrote to disk is checked too, not only what it reported.
  delivery_verifier on_disk;
  on_disk.on_text(read_file(cfg.sink.path));
  require_clean(on_disk, written);
  auto s2 = stats_of(stats, "logdir2");
  auto s1 = stats_of(stats, "logdir1");
  REQUIRE(s1);
  REQUIRE(s2);
  CHECK(s2->restarts >= 5);
  CHECK(s1->restarts == 0);
  CHECK(s1->rotations >= 3);
}

TEST_CASE("after a truncation every new line arrives and none delivered before is repeated") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto cfg = config_for(dir, {log_key("a", path)});
  observed seen;
  collector running{cfg, seen.observer()};
  write_file(path, numbered_lines("a", 0, 100));
  REQUIRE(eventually([&] { return seen.verifier.unique("a") == 100; }));
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  // Wait until the tailer has seen the truncation before writing again, so
  // the new file is shorter than the old offset (the detectable case).
  REQUIRE(eventually([&] {
    auto s = stats_of(running.stats(), "a");
    return s && s->truncations == 1;
  }));
  write_file(path, numbered_lines("a", 100, 150));
  CHECK(eventually([&] { return seen.verifier.unique("a") == 150; }));
  running.stop();
  require_clean(seen.verifier, {{"a", 150}});
}

TEST_CASE("a file created after start, in a folder created after start, is collected") {
  temp_dir dir;
  auto path = dir / "later/app.log";
  auto cfg = config_for(dir, {log_key("later", path)});
  observed seen;
  collector running{cfg, seen.observer()};
  std::filesystem::create_directories(dir / "later");
  write_file(path, numbered_lines("later", 0, 10));
  CHECK(eventually([&] { return seen.verifier.unique("later") == 10; }));
  running.stop();
  require_clean(seen.verifier, {{"later", 10}});
}

TEST_CASE("a file deleted and re-created is followed again") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto cfg = config_for(dir, {log_key("a", path)});
  observed seen;
  collector running{cfg, seen.observer()};
  write_file(path, numbered_lines("a", 0, 20));
  REQUIRE(eventually([&] { return seen.verifier.unique("a") == 20; }));
  REQUIRE(std::remove(path.c_str()) == 0);
  write_file(path, numbered_lines("a", 20, 40));
  CHECK(eventually([&] { return seen.verifier.unique("a") == 40; }));
  running.stop();
  require_clean(seen.verifier, {{"a", 40}});
}

TEST_CASE("a tailer crashing right at each rotation loses and repeats nothing") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto log = log_key("a", path);
  log.fault.crash_on_rotation = true;
  auto cfg = config_for(dir, {log});
  observed seen;
  numbered_writer::options o;
  o.path = path;
  o.stream = "a";
  numbered_writer writer{o};
  collector running{cfg, seen.observer()};
  for (int round = 0; round < 5; ++round) {
    writer.write_lines(300);
    REQUIRE(eventually([&] { return seen.verifier.unique("a") == writer.written(); }));
    writer.rotate();
    writer.write_lines(50); // lands in the new file while the tailer restarts
  }
  REQUIRE(eventually([&] { return seen.verifier.unique("a") == writer.written(); }));
  running.stop();
  auto s = stats_of(running.stats(), "a");
  REQUIRE(s);
  CHECK(s->restarts == 5);
  CHECK(s->rotations == 5);
  CHECK(s->last_failure.find("crash_on_rotation") != std::string::npos);
  require_clean(seen.verifier, {{"a", writer.written()}});
}

TEST_CASE("a path that is a directory is retried without affecting other keys") {
  temp_dir dir;
  auto bad = dir / "notafile";
  REQUIRE(::mkdir(bad.c_str(), 0755) == 0);
  auto good = dir / "good.log";
  auto cfg = config_for(dir, {log_key("bad", bad), log_key("good", good)});
  observed seen;
  collector running{cfg, seen.observer()};
  write_file(good, numbered_lines("good", 0, 30));
  CHECK(eventually([&] { return seen.verifier.unique("good") == 30; }));
  // Once the directory is replaced by a file, the key collects it.
  REQUIRE(::rmdir(bad.c_str()) == 0);
  write_file(bad, numbered_lines("bad", 0, 5));
  CHECK(eventually([&] { return seen.verifier.unique("bad") == 5; }));
  running.stop();
  auto s = stats_of(running.stats(), "bad");
  REQUIRE(s);
  CHECK(s->restarts == 0);
  require_clean(seen.verifier, {{"good", 30}, {"bad", 5}});
}

TEST_CASE("json output carries key, absolute file and exact offsets") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto cfg = config_for(dir, {log_key("a", path)});
  cfg.sink.format = output_format::json;
  observed seen;
  write_file(path, std::string("first\nsec\xff" "ond\n", 14));
  collector running{cfg, seen.observer()};
  REQUIRE(eventually([&] { return seen.lines.load() == 2; }));
  running.stop();
  auto out = read_file(cfg.sink.path);
  CHECK(out == "{\"key\":\"a\",\"file\":\"" + path + "\",\"offset\":0,\"line\":\"first\"}\n"
               "{\"key\":\"a\",\"file\":\"" + path + "\",\"offset\":6,\"line\":\"sec\\udcffond\"}\n");
}

TEST_CASE("a key failing past max_restarts is reported and still retried, losing nothing") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto log = log_key("a", path);
  log.fault.crash_every_lines = 50;
  auto cfg = config_for(dir, {log});
  cfg.supervision.max_restarts = 3;
  cfg.supervision.window = millis{60000};
  cfg.supervision.reset_after = millis{60000};
  cfg.supervision.backoff_max = millis{5};
  observed seen;
  collector running{cfg, seen.observer()};
  // 50 lines at a time, so every tailer incarnation crashes once.
  for (uint64_t from = 0; from < 1000; from += 50) {
    write_file(path, numbered_lines("a", from, from + 50));
    REQUIRE(eventually([&] { return seen.verifier.unique("a") == from + 50; }));
  }
  CHECK(eventually([&] {
    auto s = stats_of(running.stats(), "a");
    return s && s->failing && s->restarts >= 10;
  }));
  auto s = stats_of(running.stats(), "a");
  running.stop();
  REQUIRE(s);
  CHECK(s->last_failure.find("crash_every_lines=50") != std::string::npos);
  require_clean(seen.verifier, {{"a", 1000}});
}

TEST_CASE("a glob key picks up new matching files while running, and skips excluded ones") {
  temp_dir dir;
  auto log = log_key("app", dir / "*.log*");
  log.exclude = {"*.gz"};
  auto cfg = config_for(dir, {log});
  cfg.sink.path = dir / "collected.out"; // not matched by the glob
  observed seen;
  write_file(dir / "one.log", numbered_lines("one", 0, 3));
  collector running{cfg, seen.observer()};
  REQUIRE(eventually([&] { return seen.verifier.unique("one") == 3; }));
  write_file(dir / "two.log", numbered_lines("two", 0, 4));
  write_file(dir / "old.log.gz", numbered_lines("gz", 0, 2));
  CHECK(eventually([&] { return seen.verifier.unique("two") == 4; }));
  write_file(dir / "one.log", numbered_lines("one", 3, 5));
  CHECK(eventually([&] { return seen.verifier.unique("one") == 5; }));
  running.stop();
  CHECK(seen.verifier.unique("gz") == 0);
  require_clean(seen.verifier, {{"one", 5}, {"two", 4}});
}
