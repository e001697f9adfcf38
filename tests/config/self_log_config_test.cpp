// The `log` section (the collector's own log) and the refusal of a key that
// would follow that log.

#include "config/config_loader.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::temp_dir;
using logcatch::test::write_file;
namespace fs = std::filesystem;

namespace {

collector_config load(const std::string& yaml) {
  return load_config_text(yaml, "t.yaml", "/cfg");
}

/// A config and where and why it must fail: every part must be in the cause.
struct bad_config {
  std::string yaml;
  int line;
  int col;
  std::vector<std::string> cause_parts;
};

void check_errors(const std::vector<bad_config>& cases) {
  for (const auto& c : cases) {
    INFO("config:\n" << c.yaml);
    try {
      load(c.yaml);
      FAIL("accepted");
    } catch (const config_error& e) {
      INFO(e.what());
      CHECK(e.file() == "t.yaml");
      CHECK(e.line() == c.line);
      CHECK(e.column() == c.col);
      for (const auto& part : c.cause_parts)
        CHECK(e.cause().find(part) != std::string::npos);
    }
  }
}

log_config glob_key(const std::string& path, std::vector<std::string> exclude = {}) {
  log_config log;
  log.key = "k";
  log.path = path;
  log.exclude = std::move(exclude);
  return log;
}

} // namespace

// ---- keys ------------------------------------------------------------------

TEST_CASE("log.path names the own log file, relative to the config's folder", "[config][self_log]") {
  auto config = load("logs: {a: /x.log}\n"
                     "log: {path: own/./logcatch.json, format: json, level: debug}\n");
  CHECK(config.log.path == "/cfg/own/logcatch.json");
  CHECK(config.log.format == self_log_format::json);
  CHECK(config.log.level == "debug");
}

TEST_CASE("log.format is text unless json is asked for", "[config][self_log]") {
  CHECK(load("logs: {a: /x.log}\n").log.format == self_log_format::text);
  CHECK(load("logs: {a: /x.log}\nlog: {format: text}\n").log.format == self_log_format::text);
  CHECK(load("logs: {a: /x.log}\nlog: {format: json}\n").log.format == self_log_format::json);
  CHECK(load("logs: {a: /x.log}\nlog: {format: json}\n").log.path.empty());
}

TEST_CASE("log.dir and the seed's catsyslog.logpath name a folder for logcatch.log",
          "[config][self_log]") {
  CHECK(load("logs: {a: /x.log}\nlog: {dir: var}\n").log.path == "/cfg/var/logcatch.log");
  auto seed = load("catsyslog:\n  logpath: logdata\n  loglevel: warn\n"
                   "collectlogs:\n  - {logpath: /x.log, logtopic: a}\n");
  CHECK(seed.log.path == "/cfg/logdata/logcatch.log");
  CHECK(seed.log.level == "warn");
  CHECK(seed.log.format == self_log_format::text);
}

TEST_CASE("log section mistakes are located and name what is allowed", "[config][self_log][error]") {
  check_errors({
    {"logs: {a: /x}\nlog: {format: xml}\n", 2, 15, {"format: expected text or json, got 'xml'"}},
    {"logs: {a: /x}\nlog: {format: [json]}\n", 2, 15, {"format: expected text or json, got a list"}},
    {"logs: {a: /x}\nlog:\n  dir: /var/log\n  path: /var/log/own.log\n", 4, 3,
     {"path: the collector's own log file is already set by 'dir' (line 3); keep one"}},
    {"logs: {a: /x}\nlog: {path: /a.log, dir: /b}\n", 2, 21,
     {"dir: the collector's own log file is already set by 'path' (line 2)"}},
    {"logs: {a: /x}\nlog: {path: own/}\n", 2, 13, {"path: expected a file path"}},
    {"logs: {a: /x}\nlog: {path: \"\"}\n", 2, 13, {"path: path is empty"}},
    {"logs: {a: /x}\nlog: {fromat: json}\n", 2, 7,
     {"unknown key 'fromat' in log (did you mean 'format'?)"}},
    {"logs: {a: /x}\ncatsyslog: {logpath: /d, format: json}\n", 2, 26,
     {"unknown key 'format' in catsyslog"}},
  });
}

TEST_CASE("an aggregator config takes the same log keys", "[config][self_log][aggregator]") {
  auto agg = load_aggregator_config_text("log: {path: agg.log, format: json, level: warn}\n",
                                         "a.yaml", "/agg");
  CHECK(agg.log.path == "/agg/agg.log");
  CHECK(agg.log.format == self_log_format::json);
  CHECK(agg.log.level == "warn");
  CHECK(load_aggregator_config_text("log: {dir: logs}\n", "a.yaml", "/agg").log.path ==
        "/agg/logs/logcatch.log");
  CHECK_THROWS_WITH(load_aggregator_config_text("log: {format: yaml}\n", "a.yaml", "/agg"),
                    "a.yaml:1:15: format: expected text or json, got 'yaml'");
}

// ---- would_follow ----------------------------------------------------------

TEST_CASE("a plain path follows exactly that file", "[config][self_log]") {
  CHECK(would_follow(glob_key("/var/log/own.log"), "/var/log/own.log"));
  CHECK_FALSE(would_follow(glob_key("/var/log/own.log"), "/var/log/own.log.1"));
  // exclude is for glob keys only, as in the tailer
  CHECK(would_follow(glob_key("/var/log/own.log", {"*.log"}), "/var/log/own.log"));
}

TEST_CASE("a glob follows what glob(3) would find", "[config][self_log]") {
  CHECK(would_follow(glob_key("/var/log/*.log"), "/var/log/logcatch.log"));
  CHECK(would_follow(glob_key("/var/log/*/*"), "/var/log/logcatch/logcatch.log"));
  CHECK(would_follow(glob_key("/var/log/logcatch.lo[gh]"), "/var/log/logcatch.log"));
  CHECK(would_follow(glob_key("/var/log/logcatch.lo?"), "/var/log/logcatch.log"));
  // A wildcard stops at '/' ...
  CHECK_FALSE(would_follow(glob_key("/var/*.log"), "/var/log/logcatch.log"));
  CHECK_FALSE(would_follow(glob_key("/var/log*"), "/var/log/logcatch.log"));
  // ... and does not match a leading '.'.
  CHECK_FALSE(would_follow(glob_key("/var/log/*"), "/var/log/.logcatch.log"));
  CHECK(would_follow(glob_key("/var/log/.*"), "/var/log/.logcatch.log"));
  CHECK_FALSE(would_follow(glob_key("/var/log/*.txt"), "/var/log/logcatch.log"));
}

TEST_CASE("a glob's exclude keeps a file out, by name or by full path", "[config][self_log]") {
  CHECK_FALSE(would_follow(glob_key("/var/log/*.log", {"logcatch.*"}), "/var/log/logcatch.log"));
  CHECK_FALSE(would_follow(glob_key("/var/log/*.log", {"/var/log/logcatch.log"}),
                           "/var/log/logcatch.log"));
  CHECK_FALSE(would_follow(glob_key("/var/log/*.log", {"/var/*/logcatch.log"}),
                           "/var/log/logcatch.log"));
  CHECK(would_follow(glob_key("/var/log/*.log", {"*.gz", "/other/*"}), "/var/log/logcatch.log"));
}

// ---- the loader's refusal --------------------------------------------------

TEST_CASE("a key that would follow the collector's own log is refused at its line",
          "[config][self_log][error]") {
  check_errors({
    {"logs:\n  app: /var/log/app.log\n  own: own.log\nlog: {path: /cfg/own.log}\n", 3, 3,
     {"key 'own' follows /cfg/own.log, which is the collector's own log /cfg/own.log "
      "(log.path, line 4)",
      "without end"}},
    {"logs:\n  a: sub/../own.log\nlog: {path: ./own.log}\n", 2, 3,
     {"key 'a' follows /cfg/own.log, which is the collector's own log /cfg/own.log"}},
    {"logs:\n  all: \"logs/*.log\"\nlog:\n  level: debug\n  dir: logs/\n", 2, 3,
     {"key 'all' follows /cfg/logs/*.log, which matches the collector's own log "
      "/cfg/logs/logcatch.log (log.dir, line 5)"}},
    {"logs:\n  all:\n    path: \"/cfg/logs/*\"\n    exclude: \"*.gz\"\nlog: {dir: logs}\n", 2, 3,
     {"key 'all' follows /cfg/logs/*, which matches", "/cfg/logs/logcatch.log"}},
    {"catsyslog: {logpath: /data/logcatch}\ncollectlogs:\n  - logpath: \"/data/*/*.log\"\n"
     "    logtopic: everything\n",
     4, 15,
     {"key 'everything' follows /data/*/*.log, which matches the collector's own log "
      "/data/logcatch/logcatch.log (catsyslog.logpath, line 1)"}},
  });
}

TEST_CASE("keys that would not follow the collector's own log are accepted", "[config][self_log]") {
  CHECK_NOTHROW(load("logs: {a: \"logs/*.txt\"}\nlog: {dir: logs}\n"));
  CHECK_NOTHROW(load("logs: {a: \"*.log\"}\nlog: {dir: logs}\n")); // not in the subfolder
  CHECK_NOTHROW(load("logs: {a: \"logs/*\"}\nlog: {path: logs/.own.log}\n"));
  CHECK_NOTHROW(load("logs:\n  a: {path: \"logs/*\", exclude: logcatch.log}\nlog: {dir: logs}\n"));
  CHECK_NOTHROW(load("logs: {a: own.log.1}\nlog: {path: own.log}\n"));
  CHECK_NOTHROW(load("logs: {a: own.log}\n")); // stderr only
}

TEST_CASE("a key reaching the own log through a symbolic link is refused too", "[config][self_log][error]") {
  temp_dir dir;
  fs::create_directory(dir / "real");
  fs::create_directory_symlink(dir / "real", dir / "link");
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  a: \"link/*.log\"\nlog: {path: real/own.log}\n");
  CHECK_THROWS_WITH(load_config_file(config),
                    Catch::StartsWith(config + ":2:3: key 'a' follows " + (dir / "link/*.log")) &&
                      Catch::Contains("the collector's own log " + (dir / "real/own.log")));
  auto plain = dir / "plain.yaml";
  write_file(plain, "logs:\n  a: real/own.log\nlog: {path: link/own.log}\n");
  CHECK_THROWS_WITH(load_config_file(plain), Catch::StartsWith(plain + ":2:3: key 'a'"));
}
