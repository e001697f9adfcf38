#include "actors/self_log.hpp"

#include <ctime>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "json_support.hpp"
#include "test_support.hpp"

using namespace logcatch;
using namespace logcatch::test;
using namespace std::chrono_literals;

namespace {

/// 2026-11-25T00:24:01.123Z
std::chrono::system_clock::time_point sample_time() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 25;
  tm.tm_hour = 0;
  tm.tm_min = 24;
  tm.tm_sec = 1;
  return std::chrono::system_clock::from_time_t(::timegm(&tm)) + 123ms;
}

/// Puts the process-wide log back to its start state (stderr, info, text).
struct reset_self_log {
  ~reset_self_log() { self_log::configure(self_log_config{}); }
};

} // namespace

TEST_CASE("text lines read TIME LEVEL who: text, in UTC with milliseconds", "[self_log]") {
  auto t = sample_time();
  CHECK(self_log::format_line(self_log_format::text, t, log_level::info, "tailer[app]", "resumed") ==
        "2026-11-25T00:24:01.123Z INFO tailer[app]: resumed");
  CHECK(self_log::format_line(self_log_format::text, t, log_level::debug, "a", "b") ==
        "2026-11-25T00:24:01.123Z DEBUG a: b");
  CHECK(self_log::format_line(self_log_format::text, t, log_level::warn, "a", "b") ==
        "2026-11-25T00:24:01.123Z WARN a: b");
  CHECK(self_log::format_line(self_log_format::text, t + 877ms, log_level::error, "a", "") ==
        "2026-11-25T00:24:02.000Z ERROR a: ");
}

TEST_CASE("json lines carry time, level, who and msg as one object", "[self_log]") {
  CHECK(self_log::format_line(self_log_format::json, sample_time(), log_level::warn, "tailer app",
                              "slow sink") ==
        "{\"time\":\"2026-11-25T00:24:01.123Z\",\"level\":\"warn\",\"who\":\"tailer app\","
        "\"msg\":\"slow sink\"}");
}

TEST_CASE("json escapes quotes, backslashes, control characters and invalid UTF-8", "[self_log]") {
  std::string text = "say \"hi\"\\ \n\t\r\x01 caf\xc3\xa9 \xff end";
  auto line = self_log::format_line(self_log_format::json, sample_time(), log_level::error,
                                    "who\"", text);
  CHECK(contains(line, R"("msg":"say \"hi\"\\ \n\t\r\u0001 caf)" "\xc3\xa9" R"( \udcff end")"));
  CHECK(contains(line, R"("who":"who\"")"));
  auto fields = parse_flat_json(line);
  REQUIRE(fields);
  CHECK(fields->at("msg") == text);
  CHECK(fields->at("level") == "error");
}

TEST_CASE("json lines are valid JSON for any bytes and give them back exactly", "[self_log]") {
  auto seed = test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 40);
  for (int round = 0; round < 2000; ++round) {
    std::string who, msg;
    for (int i = length(rng); i > 0; --i)
      who += static_cast<char>(byte(rng));
    for (int i = length(rng); i > 0; --i)
      msg += static_cast<char>(byte(rng));
    auto line = self_log::format_line(self_log_format::json, sample_time(), log_level::info, who, msg);
    INFO("line " << line);
    CHECK(line.find('\n') == std::string::npos);
    auto fields = parse_flat_json(line);
    REQUIRE(fields);
    CHECK(fields->size() == 4);
    CHECK(fields->at("who") == who);
    CHECK(fields->at("msg") == msg);
  }
}

TEST_CASE("the json test reader rejects what is not valid JSON", "[self_log]") {
  CHECK(parse_flat_json(R"({"a":"b"})"));
  CHECK_FALSE(parse_flat_json(R"({"a":"b"} x)"));
  CHECK_FALSE(parse_flat_json("{\"a\":\"\x01\"}"));
  CHECK_FALSE(parse_flat_json("{\"a\":\"\xff\"}"));
  CHECK_FALSE(parse_flat_json(R"({"a":"\x"})"));
  CHECK_FALSE(parse_flat_json(R"({"a":"b")"));
}

TEST_CASE("log levels parse by name, warning meaning warn", "[self_log]") {
  log_level level = log_level::info;
  CHECK(self_log::parse_level("debug", level));
  CHECK(level == log_level::debug);
  CHECK(self_log::parse_level("warning", level));
  CHECK(level == log_level::warn);
  CHECK_FALSE(self_log::parse_level("trace", level));
  CHECK_FALSE(self_log::parse_level("INFO", level));
}

TEST_CASE("a configured file gets each line at once, filtered by level, in its format",
          "[self_log]") {
  reset_self_log reset;
  temp_dir dir;
  self_log_config config;
  config.path = dir / "sub/own.log"; // the folder is created
  config.level = "info";
  config.format = self_log_format::json;
  self_log::configure(config);
  log_debug("test", "not at info");
  log_info("test", "first");
  log_error("test", "second");
  // Flushed per line: readable before anything closes the file.
  auto lines = lines_of(read_file(config.path));
  REQUIRE(lines.size() == 2);
  auto first = parse_flat_json(lines[0]);
  REQUIRE(first);
  CHECK(first->at("level") == "info");
  CHECK(first->at("who") == "test");
  CHECK(first->at("msg") == "first");
  CHECK(std::regex_match(first->at("time"),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  config.level = "warn";
  config.format = self_log_format::text;
  self_log::configure(config); // appends to the same file
  log_info("test", "dropped");
  log_warn("test", "third");
  lines = lines_of(read_file(config.path));
  REQUIRE(lines.size() == 3);
  CHECK(std::regex_match(lines[2], std::regex(R"(\S+Z WARN test: third)")));
}

TEST_CASE("a log file that cannot be opened is an error naming it, and the running log stays",
          "[self_log]") {
  reset_self_log reset;
  temp_dir dir;
  self_log_config good;
  good.path = dir / "own.log";
  self_log::configure(good);
  self_log_config bad;
  bad.path = dir.path(); // a folder
  try {
    self_log::configure(bad);
    FAIL("configure accepted a folder as the log file");
  } catch (const std::runtime_error& e) {
    CHECK(contains(e.what(), dir.path() + ": cannot open the collector's log"));
  }
  self_log_config bad_level;
  bad_level.level = "loud";
  CHECK_THROWS_WITH(self_log::configure(bad_level), Catch::Contains("'loud'"));
  log_info("test", "still here");
  CHECK(contains(read_file(good.path), "INFO test: still here"));
}

TEST_CASE("lines written from many threads at once stay whole", "[self_log]") {
  reset_self_log reset;
  temp_dir dir;
  self_log_config config;
  config.path = dir / "own.log";
  config.level = "info";
  self_log::configure(config);
  constexpr int threads = 4, per_thread = 250;
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t)
    writers.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i)
        log_info("writer" + std::to_string(t), "line " + std::to_string(i) + " " +
                                                 std::string(100, 'x'));
    });
  for (auto& w : writers)
    w.join();
  auto lines = lines_of(read_file(config.path));
  CHECK(lines.size() == threads * per_thread);
  std::regex whole(R"(\S+Z INFO writer\d: line \d+ x{100})");
  for (auto& line : lines)
    if (!std::regex_match(line, whole))
      FAIL("a broken line: " << line);
}
