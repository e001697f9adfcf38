#include "config/config_diff.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;

namespace {

log_config key(const std::string& name, const std::string& path) {
  log_config log;
  log.key = name;
  log.path = path;
  return log;
}

collector_config config_of(std::vector<log_config> logs) {
  collector_config cfg;
  cfg.logs = std::move(logs);
  return cfg;
}

} // namespace

TEST_CASE("identical configs have no changes, whatever the keys' lines") {
  auto a = config_of({key("a", "/a"), key("b", "/b")});
  auto b = a;
  b.logs[0].line = 40;
  auto diff = diff_configs(a, b);
  CHECK(diff.empty());
  CHECK(describe(diff, a) == "no changes");
}

TEST_CASE("keys are added, updated and removed by name") {
  auto before = config_of({key("logdir1", "/1"), key("logdir2", "/2"), key("logdir3", "/3")});
  auto after = config_of({key("logdir1", "/1-new"), key("logdir3", "/3"), key("logdir4", "/4")});
  after.logs[1].max_line_bytes = 10;
  auto diff = diff_configs(before, after);
  REQUIRE(diff.added.size() == 1);
  CHECK(diff.added[0].key == "logdir4");
  REQUIRE(diff.updated.size() == 2);
  CHECK(diff.updated[0].path == "/1-new");
  CHECK(diff.updated[1].max_line_bytes == 10);
  CHECK(diff.removed == std::vector<std::string>{"logdir2"});
  CHECK(describe(diff, before) ==
        "added logdir4; updated logdir1 (path), logdir3 (max_line_bytes); removed logdir2");
}

TEST_CASE("every per-key option counts as an update") {
  auto base = key("a", "/a");
  auto changed = base;
  changed.start = read_from::tail;
  changed.poll_interval = millis{5};
  changed.fault.crash_on_rotation = true;
  CHECK(changed_settings(base, changed) == "read_from, poll_interval, fault");
  changed = base;
  changed.max_inflight_bytes = 1;
  CHECK_FALSE(same_settings(base, changed));
}

TEST_CASE("sink, supervision and own-log changes are reported") {
  auto a = config_of({key("a", "/a")});
  auto b = a;
  b.sink.format = output_format::json;
  b.supervision.max_restarts = 1;
  b.log.level = "debug";
  auto diff = diff_configs(a, b);
  CHECK(diff.sink_changed);
  CHECK(diff.supervision_changed);
  CHECK(diff.log_changed);
  CHECK(describe(diff, a) == "sink changed; supervision changed; own log changed");
}
