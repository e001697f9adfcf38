// The collector's own log, end to end: a real `logcatch run` with log.path
// and log.format json, a reload that changes the own log, and a config that
// would make logcatch collect its own log.

#include <catch2/catch.hpp>
#include <csignal>
#include <regex>
#include <set>
#include <sstream>

#include "json_support.hpp"
#include "process_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

using json_line = std::map<std::string, std::string>;

/// Every line of `text` as a JSON object with exactly time, level, who and
/// msg; FAILs the test at the first line that is not.
std::vector<json_line> own_log_lines(const std::string& text) {
  static const std::regex time_format(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  static const std::set<std::string> levels{"debug", "info", "warn", "error"};
  std::vector<json_line> result;
  for (const auto& line : lines_of(text)) {
    INFO("line: " << line);
    auto fields = parse_flat_json(line);
    REQUIRE(fields);
    CHECK(fields->size() == 4);
    CHECK(std::regex_match(fields->at("time"), time_format));
    CHECK(levels.count(fields->at("level")) == 1);
    CHECK_FALSE(fields->at("who").empty());
    CHECK(fields->count("msg") == 1);
    result.push_back(*fields);
  }
  return result;
}

bool has_line(const std::vector<json_line>& lines, const std::string& who,
              const std::string& msg_part) {
  for (auto& l : lines)
    if (l.at("who") == who && l.at("msg").find(msg_part) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("log.path with format json writes one valid JSON object per line") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  auto own = dir / "own/logcatch.json";
  // A quote in a followed path: the own log's lines about it need escaping.
  write_file(dir / "we\"ird.log", "w 0 x\n");
  write_file(config, "logs:\n  w: 'we\"ird.log'\nsink: {type: file, path: out.log}\n"
                     "log: {path: own/logcatch.json, format: json, level: debug}\n");
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  REQUIRE(eventually([&] { return contains(read_file(dir / "out.log"), "w 0 x"); }));
  // Each line is flushed as it is written: the running collector's file has it.
  REQUIRE(eventually([&] { return contains(read_file(own), "\"who\":\"main\""); }));
  child.signal(SIGTERM);
  REQUIRE(child.wait() == 0);

  auto lines = own_log_lines(read_file(own));
  INFO(read_file(own));
  CHECK(has_line(lines, "main", "running " + config));
  CHECK(has_line(lines, "tailer[w]", dir / "we\"ird.log"));
  CHECK(has_line(lines, "main", "got SIGTERM"));
  CHECK(has_line(lines, "main", "stopped"));
  // stderr carries the same lines in the same format.
  CHECK(contains(child.err(), "\"who\":\"main\",\"msg\":\"stopped\"}"));
}

TEST_CASE("a reload that changes the log section moves the own log to the new file and format") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(dir / "a.log", "a 0 x\n");
  std::string base = "logs:\n  a: a.log\nsink: {type: file, path: out.log}\n";
  write_file(config, base + "log: {path: first.log}\n");
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  REQUIRE(eventually([&] { return contains(read_file(dir / "first.log"), "INFO main: running"); }));
  write_file(config, base + "log: {path: second.json, format: json}\n", false);
  child.signal(SIGHUP);
  REQUIRE(eventually([&] { return contains(read_file(dir / "second.json"), "reload applied"); }));
  child.signal(SIGTERM);
  REQUIRE(child.wait() == 0);
  auto second = own_log_lines(read_file(dir / "second.json"));
  CHECK(has_line(second, "main", "stopped"));
  CHECK_FALSE(contains(read_file(dir / "first.log"), "stopped"));
}

TEST_CASE("check refuses a glob that would collect the collector's own log") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  everything: \"logs/*.log\"\nlog:\n  dir: logs\n");
  auto r = run_logcatch({"check", "--config", config}, dir);
  CHECK(r.code == 2);
  CHECK(contains(r.err, config + ":2:3: key 'everything' follows " + (dir / "logs/*.log") +
                          ", which matches the collector's own log " +
                          (dir / "logs/logcatch.log") + " (log.dir, line 4)"));
  auto run = run_logcatch({"run", "--config", config}, dir);
  CHECK(run.code == 2);
  CHECK(contains(run.err, "key 'everything' follows"));
}
