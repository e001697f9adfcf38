#include "config/config_loader.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

using namespace logcatch;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace Catch {
template <>
struct StringMaker<config_error> {
  static std::string convert(const config_error& e) { return e.what(); }
};
} // namespace Catch

namespace {

collector_config load(const std::string& yaml) {
  return load_config_text(yaml, "t.yaml", "/cfg");
}

/// A config_error from t.yaml at LINE:COL whose cause contains a given part.
class located_error : public Catch::MatcherBase<config_error> {
public:
  located_error(int line, int col, std::string cause_part)
    : line_(line), col_(col), cause_part_(std::move(cause_part)) {}

  bool match(const config_error& e) const override {
    std::string prefix = "t.yaml:" + std::to_string(line_) + ":" + std::to_string(col_) + ": ";
    return e.file() == "t.yaml" && e.line() == line_ && e.column() == col_ &&
           e.cause().find(cause_part_) != std::string::npos && e.what() == prefix + e.cause();
  }

  std::string describe() const override {
    return "is at t.yaml:" + std::to_string(line_) + ":" + std::to_string(col_) +
           " with a cause containing \"" + cause_part_ + "\"";
  }

private:
  int line_;
  int col_;
  std::string cause_part_;
};

located_error at(int line, int col, std::string cause_part) {
  return located_error(line, col, std::move(cause_part));
}

/// One error case of a table: the config and where and why it must fail.
struct bad_config {
  std::string yaml;
  int line;
  int col;
  std::string cause;
};

void check_errors(const std::vector<bad_config>& cases) {
  for (const auto& c : cases) {
    INFO("config:\n" << c.yaml);
    CHECK_THROWS_MATCHES(load(c.yaml), config_error, at(c.line, c.col, c.cause));
  }
}

/// A fresh folder under /tmp, removed with everything in it.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "logcatch_config_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = fs::canonical(pattern);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }

  fs::path write(const fs::path& relative, const std::string& text) const {
    fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

private:
  fs::path path_;
};

/// Changes the working folder for one scope.
class working_dir {
public:
  explicit working_dir(const fs::path& dir) : previous_(fs::current_path()) {
    fs::current_path(dir);
  }
  ~working_dir() { fs::current_path(previous_); }
  working_dir(const working_dir&) = delete;
  working_dir& operator=(const working_dir&) = delete;

private:
  fs::path previous_;
};

} // namespace

// ---- accepted shapes --------------------------------------------------------

TEST_CASE("A bare string under logs is the path of a key with default options", "[config]") {
  auto config = load("logs:\n"
                     "  logdir1: /var/log/app/a.log\n");
  REQUIRE(config.logs.size() == 1);
  const auto& log = config.logs[0];
  CHECK(log.key == "logdir1");
  CHECK(log.path == "/var/log/app/a.log");
  CHECK(log.line == 2);
  CHECK(log.start == read_from::head);
  CHECK(log.max_line_bytes == 1024 * 1024);
  CHECK(log.max_inflight_bytes == 8 * 1024 * 1024);
  CHECK(log.poll_interval == 250ms);
  CHECK(log.fault.crash_every_lines == 0);
  CHECK_FALSE(log.fault.crash_on_rotation);
  CHECK(config.source_file == "t.yaml");
}

TEST_CASE("A map under logs sets the path and every per-key option", "[config]") {
  auto config = load("logs:\n"
                     "  logdir3:\n"
                     "    path: /var/log/app/c.log\n"
                     "    read_from: tail\n"
                     "    max_line_bytes: 4096\n"
                     "    max_inflight_bytes: 1 MiB\n"
                     "    poll_interval: 1.5s\n"
                     "    fault:\n"
                     "      crash_every_lines: 1000\n"
                     "      crash_on_rotation: true\n");
  REQUIRE(config.logs.size() == 1);
  const auto& log = config.logs[0];
  CHECK(log.key == "logdir3");
  CHECK(log.line == 2);
  CHECK(log.path == "/var/log/app/c.log");
  CHECK(log.start == read_from::tail);
  CHECK(log.max_line_bytes == 4096);
  CHECK(log.max_inflight_bytes == 1024 * 1024);
  CHECK(log.poll_interval == 1500ms);
  CHECK(log.fault.crash_every_lines == 1000);
  CHECK(log.fault.crash_on_rotation);
}

TEST_CASE("A map with only a path gets the same defaults as a bare string", "[config]") {
  auto config = load("logs: {a: {path: /x.log, read_from: head, fault: {}}}\n");
  REQUIRE(config.logs.size() == 1);
  CHECK(config.logs[0].path == "/x.log");
  CHECK(config.logs[0].start == read_from::head);
  CHECK(config.logs[0].max_line_bytes == 1024 * 1024);
  CHECK(config.logs[0].fault.crash_every_lines == 0);
}

TEST_CASE("Sink, supervision and the collector's own log default when absent", "[config]") {
  auto config = load("logs: {a: /x.log}\n");
  CHECK(config.sink.type == sink_type::stdout_sink);
  CHECK(config.sink.path.empty());
  CHECK(config.sink.format == output_format::plain);
  CHECK(config.sink.fault_write_delay == 0ms);
  CHECK(config.supervision.max_restarts == 10);
  CHECK(config.supervision.window == 60s);
  CHECK(config.supervision.backoff_initial == 10ms);
  CHECK(config.supervision.backoff_max == 5s);
  CHECK(config.supervision.reset_after == 10s);
  CHECK(config.log.path.empty());
  CHECK(config.log.format == self_log_format::text);
  CHECK(config.log.level == "info");
}

TEST_CASE("Relative paths resolve against the base folder and are normalized lexically",
          "[config]") {
  auto config = load("logs:\n"
                     "  a: a.log\n"
                     "  b: logs/../b/./b.log\n"
                     "  c: /var//log/./app/../c.log\n"
                     "sink: {type: file, path: out/collected.log}\n"
                     "log: {dir: ../selflog/}\n");
  REQUIRE(config.logs.size() == 3);
  CHECK(config.logs[0].path == "/cfg/a.log");
  CHECK(config.logs[1].path == "/cfg/b/b.log");
  CHECK(config.logs[2].path == "/var/log/c.log");
  CHECK(config.sink.path == "/cfg/out/collected.log");
  CHECK(config.log.path == "/selflog/logcatch.log");
}

TEST_CASE("A relative base folder is made absolute", "[config]") {
  auto config = load_config_text("logs: {a: a.log}\n", "t.yaml", "conf");
  CHECK(config.logs[0].path == (fs::current_path() / "conf/a.log").lexically_normal().string());
}

TEST_CASE("The seed's configpath shape maps keys to paths", "[config]") {
  auto config = load("configpath:\n"
                     "  logdir1: \"/data/logdir1/log.txt\"\n"
                     "  logdir2: data/log2.txt\n");
  REQUIRE(config.logs.size() == 2);
  CHECK(config.logs[0].key == "logdir1");
  CHECK(config.logs[0].path == "/data/logdir1/log.txt");
  CHECK(config.logs[0].line == 2);
  CHECK(config.logs[1].key == "logdir2");
  CHECK(config.logs[1].path == "/cfg/data/log2.txt");
  CHECK(config.logs[1].max_line_bytes == 1024 * 1024);
}

TEST_CASE("The seed's collectlogs shape takes each key from logtopic", "[config]") {
  auto config = load("collectlogs:\n"
                     "  - logpath: \"/data/logdir2/log.txt\"\n"
                     "    logtopic: \"logdir2\"\n"
                     "  - logtopic: logdir3\n"
                     "    logpath: rel/log.txt\n");
  REQUIRE(config.logs.size() == 2);
  CHECK(config.logs[0].key == "logdir2");
  CHECK(config.logs[0].path == "/data/logdir2/log.txt");
  CHECK(config.logs[0].line == 3);
  CHECK(config.logs[1].key == "logdir3");
  CHECK(config.logs[1].path == "/cfg/rel/log.txt");
  CHECK(config.logs[1].line == 4);
}

TEST_CASE("The seed's catsyslog sets the collector's own log folder and level", "[config]") {
  auto config = load("configpath: {a: /x.log}\n"
                     "catsyslog: { logpath: \"/data/logcatch\", loglevel: \"debug\" }\n");
  CHECK(config.log.path == "/data/logcatch/logcatch.log");
  CHECK(config.log.level == "debug");
}

TEST_CASE("The log section sets the collector's own log level and folder", "[config]") {
  auto config = load("logs: {a: /x.log}\n"
                     "log:\n"
                     "  level: warn\n"
                     "  dir: /var/log/logcatch/\n");
  CHECK(config.log.level == "warn");
  CHECK(config.log.path == "/var/log/logcatch/logcatch.log");
}

TEST_CASE("logs, configpath and collectlogs combine in declaration order", "[config]") {
  auto config = load("configpath:\n"
                     "  logdir1: /data/logdir1/log.txt\n"
                     "logs:\n"
                     "  logdir3: /data/logdir3/log.txt\n"
                     "collectlogs:\n"
                     "  - logpath: /data/logdir2/log.txt\n"
                     "    logtopic: logdir2\n");
  REQUIRE(config.logs.size() == 3);
  CHECK(config.logs[0].key == "logdir1");
  CHECK(config.logs[1].key == "logdir3");
  CHECK(config.logs[2].key == "logdir2");
  CHECK(config.logs[2].path == "/data/logdir2/log.txt");
}

TEST_CASE("A file sink reads its path, format and write delay", "[config]") {
  auto config = load("logs: {a: /x.log}\n"
                     "sink:\n"
                     "  type: file\n"
                     "  path: collected.log\n"
                     "  format: json\n"
                     "  fault:\n"
                     "    write_delay: 5ms\n");
  CHECK(config.sink.type == sink_type::file);
  CHECK(config.sink.path == "/cfg/collected.log");
  CHECK(config.sink.format == output_format::json);
  CHECK(config.sink.fault_write_delay == 5ms);
}

TEST_CASE("Supervision reads restarts, window and backoff", "[config]") {
  auto config = load("logs: {a: /x.log}\n"
                     "supervision:\n"
                     "  max_restarts: 3\n"
                     "  window: 5m\n"
                     "  backoff: { initial: 100ms, max: 100ms, reset_after: 1h }\n");
  CHECK(config.supervision.max_restarts == 3);
  CHECK(config.supervision.window == 5min);
  CHECK(config.supervision.backoff_initial == 100ms);
  CHECK(config.supervision.backoff_max == 100ms);
  CHECK(config.supervision.reset_after == 1h);
}

TEST_CASE("Sizes may be YAML integers or carry a decimal or binary suffix", "[config]") {
  auto config = load("logs:\n"
                     "  a: {path: /a, max_line_bytes: 1073741824, max_inflight_bytes: 65536}\n"
                     "  b: {path: /b, max_line_bytes: 1GiB, max_inflight_bytes: 1MB}\n");
  CHECK(config.logs[0].max_line_bytes == 1024 * 1024 * 1024);
  CHECK(config.logs[0].max_inflight_bytes == 64 * 1024);
  CHECK(config.logs[1].max_line_bytes == 1024 * 1024 * 1024);
  CHECK(config.logs[1].max_inflight_bytes == 1000000);
}

// ---- load_config_file -------------------------------------------------------

TEST_CASE("load_config_file resolves relative paths against the config file's folder",
          "[config][file]") {
  temp_dir tmp;
  fs::path file = tmp.write("etc/config.yaml", "logs:\n"
                                               "  a: a.log\n"
                                               "  b: ../var/b.log\n"
                                               "sink: {type: file, path: out.log}\n");
  auto config = load_config_file(file.string());
  CHECK(config.source_file == (tmp.path() / "etc/config.yaml").string());
  REQUIRE(config.logs.size() == 2);
  CHECK(config.logs[0].path == (tmp.path() / "etc/a.log").string());
  CHECK(config.logs[1].path == (tmp.path() / "var/b.log").string());
  CHECK(config.sink.path == (tmp.path() / "etc/out.log").string());
}

TEST_CASE("load_config_file makes source_file absolute for a path relative to the working folder",
          "[config][file]") {
  temp_dir tmp;
  tmp.write("etc/config.yaml", "logs: {a: a.log}\n");
  working_dir cwd(tmp.path());
  auto config = load_config_file("etc/../etc/./config.yaml");
  CHECK(config.source_file == (tmp.path() / "etc/config.yaml").string());
  CHECK(config.logs[0].path == (tmp.path() / "etc/a.log").string());
}

TEST_CASE("load_config_file resolves against the real folder behind a symlinked one",
          "[config][file]") {
  temp_dir tmp;
  tmp.write("real/config.yaml", "logs: {a: ../a.log}\n");
  fs::create_directory(tmp.path() / "deep");
  fs::create_directory_symlink(tmp.path() / "real", tmp.path() / "deep/link");
  auto config = load_config_file((tmp.path() / "deep/link/config.yaml").string());
  CHECK(config.source_file == (tmp.path() / "real/config.yaml").string());
  CHECK(config.logs[0].path == (tmp.path() / "a.log").string());
}

TEST_CASE("Errors in a config file name the file as it was given", "[config][file]") {
  temp_dir tmp;
  tmp.write("config.yaml", "logs:\n  a: [\n");
  working_dir cwd(tmp.path());
  try {
    load_config_file("./config.yaml");
    FAIL("no config_error");
  } catch (const config_error& e) {
    CHECK(e.file() == "./config.yaml");
    CHECK(e.line() > 0);
    CHECK(std::string(e.what()).rfind("./config.yaml:", 0) == 0);
  }
}

TEST_CASE("A missing config file is an error without a line", "[config][file]") {
  temp_dir tmp;
  std::string path = (tmp.path() / "nope.yaml").string();
  try {
    load_config_file(path);
    FAIL("no config_error");
  } catch (const config_error& e) {
    CHECK(e.file() == path);
    CHECK(e.line() == 0);
    CHECK(e.column() == 0);
    CHECK(e.cause() == "cannot open: No such file or directory");
    CHECK(std::string(e.what()) == path + ": cannot open: No such file or directory");
  }
}

TEST_CASE("A config path that is a folder is an error without a line", "[config][file]") {
  temp_dir tmp;
  std::string path = tmp.path().string();
  try {
    load_config_file(path);
    FAIL("no config_error");
  } catch (const config_error& e) {
    CHECK(e.line() == 0);
    CHECK(e.cause() == "cannot read: Is a directory");
    CHECK(std::string(e.what()) == path + ": cannot read: Is a directory");
  }
}

// ---- summarize --------------------------------------------------------------

TEST_CASE("summarize names the keys, the sink and the restart limit", "[config][summary]") {
  auto config = load("logs:\n"
                     "  logdir1: /a\n"
                     "  logdir2: /b\n"
                     "  logdir3: /c\n");
  CHECK(summarize(config) == "t.yaml: ok: 3 keys (logdir1, logdir2, logdir3), "
                             "sink stdout/plain, max_restarts 10 in 60s");
}

TEST_CASE("summarize shows a file sink's path and a single key", "[config][summary]") {
  auto config = load("logs: {only: /a}\n"
                     "sink: {type: file, path: /out/c.log, format: json}\n"
                     "supervision: {max_restarts: 0, window: 1500ms}\n");
  CHECK(summarize(config) ==
        "t.yaml: ok: 1 key (only), sink file/json (/out/c.log), max_restarts 0 in 1500ms");
}

// ---- errors -----------------------------------------------------------------

TEST_CASE("config_error formats FILE:LINE:COL: cause", "[config][error]") {
  config_error e("c.yaml", 3, 7, "bad");
  CHECK(std::string(e.what()) == "c.yaml:3:7: bad");
  CHECK(e.file() == "c.yaml");
  CHECK(e.line() == 3);
  CHECK(e.column() == 7);
  CHECK(e.cause() == "bad");
  CHECK(std::string(config_error("c.yaml", 0, 0, "cannot open: x").what()) ==
        "c.yaml: cannot open: x");
}

TEST_CASE("YAML syntax errors are located and use the parser's message", "[config][error]") {
  check_errors({
    {"logs:\n  a: /x\n b: /y\n", 3, 2, "YAML syntax error: end of map not found"},
    {"logs:\n\ta: /x\n", 2, 3, "YAML syntax error: illegal map value"},
    {"logs:\n  a: *nope\n", 2, 6, "YAML syntax error: the referenced anchor is not defined"},
  });
}

TEST_CASE("An empty config is an error at 1:1", "[config][error]") {
  check_errors({
    {"", 1, 1, "config is empty"},
    {"# only a comment\n\n", 1, 1, "config is empty"},
    {"---\n", 1, 1, "config is empty"},
  });
}

TEST_CASE("A top level that is not a map is an error", "[config][error]") {
  check_errors({
    {"- logs\n- sink\n", 1, 1, "top level must be a map, got a list"},
    {"logs", 1, 1, "top level must be a map, got 'logs'"},
  });
}

TEST_CASE("Unknown keys are errors in every section, with a suggestion for typos",
          "[config][error]") {
  check_errors({
    {"logs: {a: /x}\nsinks: {}\n", 2, 1, "unknown key 'sinks' at top level (did you mean 'sink'?)"},
    {"lgos: {a: /x}\n", 1, 1, "unknown key 'lgos' at top level (did you mean 'logs'?)"},
    {"logs: {a: /x}\nfrobnicate: 1\n", 2, 1, "unknown key 'frobnicate' at top level"},
    {"logs:\n  a:\n    path: /x\n    red_from: tail\n", 4, 5,
     "unknown key 'red_from' in logs.a (did you mean 'read_from'?)"},
    {"logs:\n  a:\n    path: /x\n    fault: {crash_every: 1}\n", 4, 13,
     "unknown key 'crash_every' in logs.a.fault"},
    {"logs: {a: /x}\nsink: {type: stdout, fromat: json}\n", 2, 22,
     "unknown key 'fromat' in sink (did you mean 'format'?)"},
    {"logs: {a: /x}\nsink: {fault: {delay: 5ms}}\n", 2, 16, "unknown key 'delay' in sink.fault"},
    {"logs: {a: /x}\nsupervision: {max_restart: 1}\n", 2, 15,
     "unknown key 'max_restart' in supervision (did you mean 'max_restarts'?)"},
    {"logs: {a: /x}\nsupervision: {backoff: {min: 1s}}\n", 2, 25,
     "unknown key 'min' in supervision.backoff (did you mean 'max'?)"},
    {"logs: {a: /x}\nlog: {levle: info}\n", 2, 7,
     "unknown key 'levle' in log (did you mean 'level'?)"},
    {"logs: {a: /x}\ncatsyslog: {level: info}\n", 2, 13, "unknown key 'level' in catsyslog"},
    {"collectlogs:\n  - logpath: /x\n    logtopic: a\n    topic: b\n", 4, 5,
     "unknown key 'topic' in collectlogs item 1"},
    {"collectlogs:\n  - {logpath: /x, logtopic: a}\n  - {logpth: /y, logtopic: b}\n", 3, 6,
     "unknown key 'logpth' in collectlogs item 2 (did you mean 'logpath'?)"},
  });
}

TEST_CASE("The seed's Kafka, etcd and Elasticsearch keys are reported as unsupported",
          "[config][error]") {
  const std::string kafka = "logcatch does not send to Kafka (see README: sinks)";
  const std::string etcd = "logcatch does not read its configuration from etcd";
  const std::string es = "logcatch does not send to Elasticsearch";
  check_errors({
    {"logs: {a: /x}\nkafka: {address: x}\n", 2, 1, "unsupported key 'kafka': " + kafka},
    {"kafkaconfig:\n  address: 127.0.0.1:9092\nlogs: {a: /x}\n", 1, 1,
     "unsupported key 'kafkaconfig': " + kafka},
    {"logs: {a: /x}\nMyKafkaBrokers: []\n", 2, 1, "unsupported key 'MyKafkaBrokers': " + kafka},
    {"logs: {a: /x}\netcd: {address: x}\n", 2, 1, "unsupported key 'etcd': " + etcd},
    {"logs: {a: /x}\netcdconfig: {}\n", 2, 1, "unsupported key 'etcdconfig': " + etcd},
    {"logs: {a: /x}\netcdkeys: [a]\n", 2, 1, "unsupported key 'etcdkeys': " + etcd},
    {"logs: {a: /x}\nes: {}\n", 2, 1, "unsupported key 'es': " + es},
    {"logs: {a: /x}\nesconfig: {}\n", 2, 1, "unsupported key 'esconfig': " + es},
    {"logs: {a: /x}\nelasticsearch: {}\n", 2, 1, "unsupported key 'elasticsearch': " + es},
    {"logs: {a: /x}\nElastic_Index: x\n", 2, 1, "unsupported key 'Elastic_Index': " + es},
    {"collectlogs:\n  - logpath: /x\n    logtopic: a\n    kafkatopic: web\n", 4, 5,
     "unsupported key 'kafkatopic': " + kafka},
  });
}

TEST_CASE("Values of the wrong type name the key, the expected form and the value",
          "[config][error]") {
  check_errors({
    {"logs:\n  - /x\n", 2, 3, "logs: expected a map of key: path, got a list"},
    {"logs: /x\n", 1, 7, "logs: expected a map of key: path, got '/x'"},
    {"logs:\n  a: [/x]\n", 2, 6, "a: expected a path or a map, got a list"},
    {"logs:\n  a: {path: /x, read_from: sideways}\n", 2, 28,
     "read_from: expected head or tail, got 'sideways'"},
    {"logs:\n  a: {path: [/x]}\n", 2, 13, "path: expected a path, got a list"},
    {"logs:\n  a: {path: /x, max_line_bytes: lots}\n", 2, 33,
     "max_line_bytes: expected a size such as 1048576, 64KiB or 8MiB, got 'lots'"},
    {"logs:\n  a: {path: /x, max_inflight_bytes: -1}\n", 2, 37,
     "max_inflight_bytes: expected a size"},
    {"logs:\n  a: {path: /x, poll_interval: 250}\n", 2, 32,
     "poll_interval: expected a duration such as 250ms, 10s, 5m or 1h, got '250'"},
    {"logs:\n  a: {path: /x, fault: on}\n", 2, 24, "fault: expected a map, got 'on'"},
    {"logs:\n  a: {path: /x, fault: {crash_on_rotation: maybe}}\n", 2, 44,
     "crash_on_rotation: expected true or false, got 'maybe'"},
    {"logs:\n  a: {path: /x, fault: {crash_every_lines: -1}}\n", 2, 44,
     "crash_every_lines: expected an unsigned integer, got '-1'"},
    {"configpath:\n  a: {path: /x}\n", 2, 6, "a: expected a path, got a map"},
    {"configpath: [a]\n", 1, 13, "configpath: expected a map of key: path, got a list"},
    {"collectlogs: {logpath: /x, logtopic: a}\n", 1, 14,
     "collectlogs: expected a list of maps with logpath and logtopic, got a map"},
    {"collectlogs:\n  - /x\n", 2, 5,
     "collectlogs item 1: expected a map with logpath and logtopic, got '/x'"},
    {"collectlogs:\n  - {logpath: /x, logtopic: [a]}\n", 2, 29,
     "logtopic: expected a key name, got a list"},
    {"logs: {a: /x}\nsink: stdout\n", 2, 7, "sink: expected a map, got 'stdout'"},
    {"logs: {a: /x}\nsink: {type: kafka}\n", 2, 14, "type: expected stdout, file, remote, postgresql or clickhouse, got 'kafka'"},
    {"logs: {a: /x}\nsink: {format: xml}\n", 2, 16, "format: expected plain or json, got 'xml'"},
    {"logs: {a: /x}\nsink: {fault: {write_delay: slow}}\n", 2, 29,
     "write_delay: expected a duration"},
    {"logs: {a: /x}\nsupervision: [1]\n", 2, 14, "supervision: expected a map, got a list"},
    {"logs: {a: /x}\nsupervision:\n  max_restarts: ten\n", 3, 17,
     "max_restarts: expected an unsigned integer, got 'ten'"},
    {"logs: {a: /x}\nsupervision: {window: 1 minute}\n", 2, 23,
     "window: expected a duration such as 250ms, 10s, 5m or 1h, got '1 minute'"},
    {"logs: {a: /x}\nsupervision: {backoff: 1s}\n", 2, 24, "backoff: expected a map, got '1s'"},
    {"logs: {a: /x}\nlog: {level: verbose}\n", 2, 14,
     "level: expected debug, info, warn or error, got 'verbose'"},
    {"logs: {a: /x}\ncatsyslog: {loglevel: trace}\n", 2, 23,
     "loglevel: expected debug, info, warn or error, got 'trace'"},
    {"logs: {a: /x}\nlog: {dir: {}}\n", 2, 12, "dir: expected a path, got a map"},
  });
}

TEST_CASE("Values out of range are errors at the value", "[config][error]") {
  check_errors({
    {"logs:\n  a: {path: /x, max_line_bytes: 0}\n", 2, 33,
     "max_line_bytes: must be from 1 to 1GiB, got '0'"},
    {"logs:\n  a: {path: /x, max_line_bytes: 1073741825}\n", 2, 33,
     "max_line_bytes: must be from 1 to 1GiB, got '1073741825'"},
    {"logs:\n  a: {path: /x, max_inflight_bytes: 65535}\n", 2, 37,
     "max_inflight_bytes: must be at least 64KiB, got '65535'"},
    {"logs:\n  a: {path: /x, poll_interval: 0ms}\n", 2, 32,
     "poll_interval: must be at least 1ms, got '0ms'"},
    {"logs: {a: /x}\nsupervision: {window: 0s}\n", 2, 23, "window: must be at least 1ms, got '0s'"},
    {"logs: {a: /x}\nsupervision: {max_restarts: 4294967296}\n", 2, 29,
     "max_restarts: must be at most 4294967295, got '4294967296'"},
    {"logs:\n  a: {path: /x, fault: {crash_every_lines: 18446744073709551616}}\n", 2, 44,
     "crash_every_lines: must be at most 18446744073709551615"},
    {"logs: {a: /x}\nsupervision: {backoff: {initial: 0ms}}\n", 2, 34,
     "initial: must be at least 1ms, got '0ms'"},
    {"logs: {a: /x}\nsupervision: {backoff: {initial: 1s, max: 500ms}}\n", 2, 43,
     "max: must be at least initial (1s), got '500ms'"},
    {"logs: {a: /x}\nsupervision: {backoff: {max: 5ms}}\n", 2, 30,
     "max: must be at least initial (10ms), got '5ms'"},
    {"logs: {a: /x}\nsupervision: {backoff: {initial: 6s}}\n", 2, 34,
     "initial: must be at most max (5s), got '6s'"},
  });
}

TEST_CASE("A duplicate key is an error at its second occurrence naming the first's line",
          "[config][error]") {
  check_errors({
    {"logs:\n  logdir1: /a\n  logdir2: /b\n  logdir1: /c\n", 4, 3,
     "duplicate key 'logdir1' (first at line 2)"},
    {"logs:\n  a:\n    path: /a\n    path: /b\n", 4, 5, "duplicate key 'path' (first at line 3)"},
    {"logs: {a: /x}\nsink: {}\nlogs: {b: /y}\n", 3, 1, "duplicate key 'logs' (first at line 1)"},
    {"configpath:\n  logdir1: /a\nlogs:\n  logdir1: /b\n", 4, 3,
     "duplicate key 'logdir1' (first at line 2)"},
    {"logs:\n  logdir2: /a\ncollectlogs:\n  - logpath: /b\n    logtopic: logdir2\n", 5, 15,
     "duplicate key 'logdir2' (first at line 2)"},
    {"collectlogs:\n  - {logpath: /a, logtopic: x}\n  - {logpath: /b, logtopic: x}\n", 3, 29,
     "duplicate key 'x' (first at line 2)"},
  });
}

TEST_CASE("Empty keys, keys with whitespace or '/' and non-string keys are errors",
          "[config][error]") {
  check_errors({
    {"logs:\n  \"\": /a\n", 2, 3, "empty key"},
    {"logs:\n  ~: /a\n", 2, 3, "empty key"},
    {"logs:\n  \"a b\": /a\n", 2, 3, "key 'a b' must not contain whitespace"},
    {"logs:\n  \"a\\tb\": /a\n", 2, 3, "must not contain whitespace"},
    {"logs:\n  a/b: /a\n", 2, 3,
     "key 'a/b' must not contain whitespace, control characters or '/'"},
    {"configpath:\n  \"x \": /a\n", 2, 3, "key 'x ' must not contain whitespace"},
    {"collectlogs:\n  - {logpath: /a, logtopic: \"\"}\n", 2, 29, "empty key"},
    {"collectlogs:\n  - {logpath: /a, logtopic: a/b}\n", 2, 29, "key 'a/b' must not contain"},
    {"logs:\n  [a, b]: /a\n", 2, 3, "key must be a name, got a list"},
  });
}

TEST_CASE("Empty paths and log paths that name a folder are errors", "[config][error]") {
  check_errors({
    {"logs:\n  a: \"\"\n", 2, 6, "a: path is empty"},
    {"logs:\n  a: {path: ''}\n", 2, 13, "path: path is empty"},
    {"configpath: {a: \"\"}\n", 1, 17, "a: path is empty"},
    {"collectlogs:\n  - {logpath: \"\", logtopic: a}\n", 2, 15, "logpath: path is empty"},
    {"logs: {a: /x}\nsink: {type: file, path: \"\"}\n", 2, 26, "path: path is empty"},
    {"logs: {a: /x}\nlog: {dir: \"\"}\n", 2, 12, "dir: path is empty"},
    {"logs:\n  a: /var/log/\n", 2, 6, "a: expected a file path, got folder '/var/log/'"},
    {"logs:\n  a: ..\n", 2, 6, "a: expected a file path, got folder '..'"},
    {"logs:\n  a: \"/x\\0y\"\n", 2, 6, "a: path contains a NUL byte"},
  });
}

TEST_CASE("A config without any log is an error", "[config][error]") {
  check_errors({
    {"sink: {type: stdout}\n", 1, 1, "no logs to collect: add a 'logs' section"},
    {"sink: {type: stdout}\nlogs: {}\n", 2, 1, "no logs to collect"},
    {"sink: {type: stdout}\ncollectlogs: []\nconfigpath: {}\n", 2, 1, "no logs to collect"},
  });
}

TEST_CASE("A file sink needs a path and a stdout sink must not have one", "[config][error]") {
  check_errors({
    {"logs: {a: /x}\nsink:\n  type: file\n", 2, 1, "sink: type file needs a 'path'"},
    {"logs: {a: /x}\nsink: {type: stdout, path: /out}\n", 2, 22,
     "path: only allowed with sink type file"},
    {"logs: {a: /x}\nsink: {path: /out}\n", 2, 8, "path: only allowed with sink type file"},
  });
}

TEST_CASE("Two keys on one file, or a sink writing into a collected file, are errors",
          "[config][error]") {
  check_errors({
    {"logs:\n  a: /var/log/x.log\n  b: /var/log/../log/x.log\n", 3, 3,
     "key 'b' follows /var/log/x.log, as key 'a' (line 2) does"},
    {"logs:\n  a: /var/log/x.log\nsink:\n  type: file\n  path: /var/log/x.log\n", 5, 9,
     "is collected by key 'a'"},
  });
}

TEST_CASE("Missing values are errors at their key", "[config][error]") {
  check_errors({
    {"logs:\n  logdir1:\n", 2, 3, "logdir1: expected a path or a map, got nothing"},
    {"logs:\n  logdir1: ~\n  logdir2: /b\n", 2, 3,
     "logdir1: expected a path or a map, got nothing"},
    {"logs:\nsink: {}\n", 1, 1, "logs: expected a map of key: path, got nothing"},
    {"configpath:\n  logdir1:\n", 2, 3, "logdir1: expected a path, got nothing"},
    {"logs:\n  a:\n    path:\n", 3, 5, "path: expected a path, got nothing"},
    {"logs:\n  a: {path: /x, read_from: }\n", 2, 17,
     "read_from: expected head or tail, got nothing"},
    {"collectlogs:\n  - logpath: /x\n    logtopic:\n", 3, 5,
     "logtopic: expected a key name, got nothing"},
    {"collectlogs:\n  -\n  - {logpath: /x, logtopic: a}\n", 1, 1,
     "collectlogs item 1: expected a map with logpath and logtopic, got nothing"},
    {"logs: {a: /x}\nsink:\n", 2, 1, "sink: expected a map, got nothing"},
    {"logs: {a: /x}\nsupervision:\n  window:\n", 3, 3, "window: expected a duration"},
  });
}

TEST_CASE("Required keys of a log map and a collectlogs item are errors when missing",
          "[config][error]") {
  check_errors({
    {"logs:\n  logdir3:\n    read_from: tail\n", 2, 3, "logdir3: missing 'path'"},
    {"logs: {a: {}}\n", 1, 8, "a: missing 'path'"},
    {"collectlogs:\n  - logpath: /x\n", 2, 5, "collectlogs item 1: missing 'logtopic'"},
    {"collectlogs:\n  - {logpath: /x, logtopic: a}\n  - {logtopic: b}\n", 3, 5,
     "collectlogs item 2: missing 'logpath'"},
  });
}

TEST_CASE("log and catsyslog cannot both set the collector's own log", "[config][error]") {
  check_errors({
    {"logs: {a: /x}\nlog: {level: info}\ncatsyslog: {loglevel: debug}\n", 3, 1,
     "catsyslog: the collector's own log is already set by 'log' (line 2)"},
  });
}

TEST_CASE("Glob keys read exclude as a glob or a list, and ignore_older", "[config]") {
  auto cfg = load("logs:\n"
                  "  app:\n    path: app/*.log*\n    exclude: '*.gz'\n    ignore_older: 24h\n"
                  "  web:\n    path: web/*.log\n    exclude: ['*.1', /cfg/web/skip.log]\n");
  REQUIRE(cfg.logs.size() == 2);
  CHECK(cfg.logs[0].path == "/cfg/app/*.log*");
  CHECK(cfg.logs[0].exclude == std::vector<std::string>{"*.gz"});
  CHECK(cfg.logs[0].ignore_older == std::chrono::hours(24));
  CHECK(cfg.logs[1].exclude == std::vector<std::string>{"*.1", "/cfg/web/skip.log"});
  CHECK(cfg.logs[1].ignore_older == millis{0});
}

TEST_CASE("state_dir defaults to the config's folder and resolves like other paths", "[config]") {
  CHECK(load("logs: {a: /x}\n").state_dir == "/cfg");
  CHECK(load("logs: {a: /x}\nstate_dir: state\n").state_dir == "/cfg/state");
}

TEST_CASE("fingerprint_bytes is a size up to 1MiB, 0 meaning by inode only", "[config]") {
  CHECK(load("logs:\n  a: {path: /x, fingerprint_bytes: 0}\n").logs[0].fingerprint_bytes == 0);
  CHECK(load("logs:\n  a: {path: /x, fingerprint_bytes: 4KiB}\n").logs[0].fingerprint_bytes == 4096);
  CHECK(load("logs:\n  a: /x\n").logs[0].fingerprint_bytes == 1024);
}

TEST_CASE("Bad exclude, ignore_older, fingerprint_bytes and a sink inside a glob are errors",
          "[config][error]") {
  check_errors({
    {"logs:\n  a: {path: /x, exclude: [ok, {no: 1}]}\n", 2, 31, "exclude: expected a glob"},
    {"logs:\n  a: {path: /x, exclude: {no: 1}}\n", 2, 26, "exclude: expected a glob or a list"},
    {"logs:\n  a: {path: /x, ignore_older: soon}\n", 2, 31, "ignore_older: expected a duration"},
    {"logs:\n  a: {path: /x, fingerprint_bytes: 2MiB}\n", 2, 36, "fingerprint_bytes: must be"},
    {"logs:\n  a: /var/log/*.log\nsink: {type: file, path: /var/log/out.log}\n", 3, 26,
     "matches the glob of key 'a'"},
  });
}

TEST_CASE("olddir, max_tracked_files and max_open_files are read, with their defaults and bounds") {
  auto c = load("logs:\n  a: {path: a.log, olddir: old, max_tracked_files: 500}\n"
                "  b: {path: b.log, olddir: [old, /var/log/archive]}\n  c: c.log\n"
                "max_open_files: 4000\n");
  REQUIRE(c.logs.size() == 3);
  CHECK(c.logs[0].olddir == std::vector<std::string>{"old"});
  CHECK(c.logs[0].max_tracked_files == 500);
  CHECK(c.logs[1].olddir == std::vector<std::string>{"old", "/var/log/archive"});
  CHECK(c.logs[2].olddir.empty());
  CHECK(c.logs[2].max_tracked_files == 100000);
  CHECK(c.max_open_files == 4000);
  CHECK(load("logs: {a: a.log}\nmax_open_files: 0\n").max_open_files == 0); // 0 = automatic
  CHECK_THROWS_WITH(load("logs:\n  a: {path: a.log, max_tracked_files: 0}\n"),
                    Catch::Contains("t.yaml:2:") && Catch::Contains("max_tracked_files") &&
                      Catch::Contains("at least 1"));
}
