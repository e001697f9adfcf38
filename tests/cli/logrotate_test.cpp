// Issue 11, reproduced with the real tools: `logcatch run` (file sink,
// state_dir in the test folder), Debian's /usr/sbin/logrotate on a private
// config and state file (-s, -f), steady writers that reopen their log after
// each rotation, and SIGTERM / SIGKILL / SIGSTOP of the collector. Every test
// ends the same way: writers stop, logcatch catches up (a wait on "the sink
// holds every line", 60 s at most), then the sink must hold every line once,
// in order within each file. Nothing is excused: lines logrotate compressed
// while logcatch was down are read from the .gz.
//
// The D-numbers are issue 11's defects; each of these failed before its fix.
// Run them alone with build/tests/logcatch_integration_tests '[logrotate]'.
// Each prints its seed; LOGCATCH_TEST_SEED=N replays its random timing, and
// LOGCATCH_KEEP_TEST_DIRS=1 keeps its folder (logs, sink, state, the
// collector's stderr as child-N.stderr, logrotate's output).

#include <catch2/catch.hpp>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>

#include "logrotate_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

using std::chrono::milliseconds;

void pause_for(milliseconds d) {
  std::this_thread::sleep_for(d);
}

/// Three writers, `rate` lines/s each, all into `path` (streams PREFIX0..2).
std::vector<steady_writers::stream> three_writers(const std::string& prefix,
                                                  const std::string& path, double rate = 200) {
  std::vector<steady_writers::stream> result;
  for (int i = 0; i < 3; ++i)
    result.push_back(steady_writers::stream{prefix + std::to_string(i), path, rate});
  return result;
}

/// A logrotate stanza for `path` with `options` (one per line).
std::string stanza(const std::string& path, const std::vector<std::string>& options) {
  std::string text = path + " {\n";
  for (auto& o : options)
    text += "  " + o + "\n";
  return text + "}\n";
}

/// A config's logs section with one key in the map form.
std::string key(const std::string& name, const std::string& path, const std::string& more = "") {
  return "  " + name + ":\n    path: " + path + "\n" + more;
}

/// 1 or 2 logrotate runs while logcatch is down, a little apart.
void rotate_while_down(rotation_scenario& s, int min_runs, int max_runs) {
  auto runs = s.pick(min_runs, max_runs);
  for (int i = 0; i < runs; ++i) {
    pause_for(s.millis(200, 600));
    s.logrotate();
  }
  pause_for(s.millis(200, 500));
}

} // namespace

// ---------------------------------------------------------------------------
// D3: read_from: tail on a glob key that matches the rotated names.

TEST_CASE("D3: a glob key with read_from tail loses nothing across SIGTERM restarts while "
          "logrotate rotates",
          "[logrotate]") {
  rotation_scenario s{"D3 tail glob, SIGTERM restarts"};
  auto app = s.log("app.log");
  s.write_config("logs:\n" + key("app", s.logs() + "/app.log*", "    read_from: tail\n"));
  s.set_logrotate(stanza(app, {"create", "rotate 5", "missingok", "nocompress"}));
  write_file(app, numbered_lines("pre", 0, 50)); // before the first start: skipped (tail)
  s.set_writers(three_writers("a", app));
  s.start_collector(true);
  s.writers().start();
  for (int round = 0; round < 3; ++round) {
    pause_for(s.millis(1200, 2500));
    s.stop_collector();
    rotate_while_down(s, 1, 2);
    s.start_collector();
  }
  pause_for(s.millis(1000, 2000));
  s.finish();
}

TEST_CASE("D3: a glob key with read_from tail loses nothing in a reload storm while logrotate "
          "rotates",
          "[logrotate]") {
  rotation_scenario s{"D3 tail glob, reload storm"};
  auto app = s.log("app.log");
  auto logs_section = [&](int poll_ms) {
    return "logs:\n" + key("app", s.logs() + "/app.log*",
                           "    read_from: tail\n    poll_interval: " + std::to_string(poll_ms) +
                             "ms\n");
  };
  s.write_config(logs_section(250));
  s.set_logrotate(stanza(app, {"create", "rotate 5", "missingok", "nocompress"}));
  write_file(app, numbered_lines("pre", 0, 50));
  s.set_writers(three_writers("a", app));
  s.start_collector(true);
  s.writers().start();
  // About 9 s: the config rewritten every 200-350 ms (poll_interval changes,
  // so the key is updated: its tailer stops and starts again), logrotate
  // every 400-700 ms, 100-220 ms after a rewrite, around the moment the
  // rewrite is applied (150 ms after it, debounced).
  auto begin = std::chrono::steady_clock::now();
  auto next_rotation = begin + s.millis(400, 700);
  int rewrites = 0;
  int poll_ms = 250;
  while (std::chrono::steady_clock::now() - begin < std::chrono::seconds(9)) {
    auto next_rewrite = std::chrono::steady_clock::now() + s.millis(200, 350);
    poll_ms = poll_ms == 250 ? s.pick(260, 350) : 250;
    s.write_config(logs_section(poll_ms));
    ++rewrites;
    if (std::chrono::steady_clock::now() >= next_rotation) {
      pause_for(s.millis(100, 220));
      s.logrotate();
      next_rotation = std::chrono::steady_clock::now() + s.millis(400, 700);
    }
    std::this_thread::sleep_until(next_rewrite);
  }
  INFO(rewrites << " config rewrites");
  CHECK(contains(s.collector_err(), "reload applied: updated app"));
  s.finish();
}

// ---------------------------------------------------------------------------
// D4: a glob that does not match the rotated names (*.log; app.log.1).

namespace {

void glob_without_rotated_names(const std::string& name, bool kill) {
  rotation_scenario s{name};
  auto app = s.log("app.log");
  s.write_config("logs:\n" + key("app", s.logs() + "/*.log"));
  s.set_logrotate(stanza(app, {"create", "rotate 5", "missingok", "nocompress"}));
  s.set_writers(three_writers("a", app));
  s.writers().start();
  s.start_collector(true);
  for (int round = 0; round < 4; ++round) {
    pause_for(s.millis(1000, 2000));
    if (kill)
      s.kill_collector();
    else
      s.stop_collector();
    rotate_while_down(s, 1, 2);
    s.start_collector();
  }
  pause_for(s.millis(800, 1500));
  s.finish();
}

} // namespace

TEST_CASE("D4: a glob that does not match the rotated names loses nothing when logrotate rotates "
          "while logcatch is stopped by SIGTERM",
          "[logrotate]") {
  glob_without_rotated_names("D4 *.log glob, SIGTERM", false);
}

TEST_CASE("D4: a glob that does not match the rotated names loses nothing when logrotate rotates "
          "while logcatch is killed",
          "[logrotate]") {
  glob_without_rotated_names("D4 *.log glob, SIGKILL", true);
}

// ---------------------------------------------------------------------------
// D5a: logrotate olddir (rotated files go to DIR/old/).

namespace {

void olddir_rotation(const std::string& name, bool glob) {
  rotation_scenario s{name};
  auto app = s.log("app.log");
  std::filesystem::create_directories(s.log("old"));
  // The key names the olddir as logrotate's stanza does (relative to the log's folder).
  s.write_config("logs:\n" + key("app", glob ? s.logs() + "/app.log*" : app, "    olddir: old\n"));
  s.set_logrotate(
    stanza(app, {"create", "rotate 5", "missingok", "nocompress", "olddir " + s.log("old")}));
  s.set_writers(three_writers("a", app));
  s.writers().start();
  s.start_collector(true);
  // While running, twice.
  for (int i = 0; i < 2; ++i) {
    pause_for(s.millis(700, 1300));
    s.logrotate();
  }
  // While stopped (SIGTERM), then running, then while killed.
  pause_for(s.millis(700, 1300));
  s.stop_collector();
  rotate_while_down(s, 1, 1);
  s.start_collector();
  pause_for(s.millis(700, 1300));
  s.logrotate();
  pause_for(s.millis(700, 1300));
  s.kill_collector();
  rotate_while_down(s, 1, 1);
  s.start_collector();
  pause_for(s.millis(800, 1500));
  s.finish();
}

} // namespace

TEST_CASE("D5a: a plain path rotated by logrotate into an olddir loses nothing, running or down",
          "[logrotate]") {
  olddir_rotation("D5a olddir, plain path key", false);
}

TEST_CASE("D5a: a glob key rotated by logrotate into an olddir loses nothing, running or down",
          "[logrotate]") {
  olddir_rotation("D5a olddir, glob key", true);
}

// ---------------------------------------------------------------------------
// D5b: Kubernetes layout: containers/app.log -> pods/app/0.log, the target
// rotated in its own folder.

namespace {

/// `kubelet`: rotation by rename to 0.log.YYYYMMDD-HHMMSS (kubelet's
/// container log manager), else logrotate `create` (0.log.1 ...).
void kubernetes_layout(const std::string& name, bool kubelet) {
  rotation_scenario s{name};
  auto pod_folder = s.log("pods/app");
  auto target = pod_folder + "/0.log";
  auto link = s.log("containers/app.log");
  std::filesystem::create_directories(pod_folder);
  std::filesystem::create_directories(s.log("containers"));
  write_file(target, "");
  std::filesystem::create_symlink(target, link);
  s.write_config("logs:\n" + key("app", link));
  s.set_logrotate(stanza(target, {"create", "rotate 5", "missingok", "nocompress"}));
  s.set_writers(three_writers("a", target));
  // kubelet names rotated files by the time of the rotation, to the second;
  // a clock of its own, a second per rotation, keeps the names distinct.
  std::time_t kubelet_clock = std::time(nullptr);
  auto rotate = [&] {
    if (!kubelet)
      return s.logrotate();
    char stamp[32];
    std::tm tm{};
    ::gmtime_r(&kubelet_clock, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    ++kubelet_clock;
    s.rename_rotation(target, target + "." + stamp);
  };
  s.writers().start();
  s.start_collector(true);
  for (int i = 0; i < 2; ++i) { // while running
    pause_for(s.millis(700, 1300));
    rotate();
  }
  pause_for(s.millis(700, 1300));
  s.stop_collector();
  pause_for(s.millis(200, 600));
  rotate(); // while down
  pause_for(s.millis(200, 500));
  s.start_collector();
  pause_for(s.millis(700, 1300));
  rotate(); // running again
  pause_for(s.millis(700, 1300));
  s.kill_collector();
  pause_for(s.millis(200, 600));
  rotate(); // while killed
  pause_for(s.millis(200, 500));
  s.start_collector();
  pause_for(s.millis(800, 1500));
  s.finish();
}

} // namespace

TEST_CASE("D5b: a Kubernetes-style symlinked log whose target logrotate rotates in its own folder "
          "loses nothing, running or down",
          "[logrotate]") {
  kubernetes_layout("D5b symlink, logrotate create", false);
}

TEST_CASE("D5b: a Kubernetes-style symlinked log whose target is renamed the way kubelet rotates "
          "loses nothing, running or down",
          "[logrotate]") {
  kubernetes_layout("D5b symlink, kubelet rename", true);
}

// ---------------------------------------------------------------------------
// D6: SIGKILL shortly after a first start, with a rotation in between.

TEST_CASE("D6: SIGKILL 200 ms after a first start with a rename rotation in that window loses "
          "and repeats nothing",
          "[logrotate]") {
  auto seed = test_seed();
  for (unsigned attempt = 0; attempt < 6; ++attempt) {
    INFO("attempt " << attempt << " (seed " << seed + attempt << ")");
    rotation_scenario s{"D6 kill after first start, attempt " + std::to_string(attempt),
                        seed + attempt};
    auto app = s.log("app.log");
    s.write_config("logs:\n" + key("app", app));
    s.set_logrotate(stanza(app, {"create", "rotate 5", "missingok", "nocompress"}));
    s.set_writers(three_writers("a", app));
    s.writers().start();
    pause_for(s.millis(200, 400)); // the file has lines before the first start
    auto spawned = std::chrono::steady_clock::now();
    s.start_collector(false, true);
    pause_for(s.millis(60, 150));
    s.logrotate();
    auto kill_at = spawned + s.millis(180, 240);
    std::this_thread::sleep_until(kill_at);
    s.kill_collector();
    pause_for(s.millis(100, 300));
    s.start_collector();
    pause_for(s.millis(500, 1000));
    // A few hundred lines a stream: 20 s is still ample to catch up, and
    // six failing attempts do not take six minutes.
    s.finish(std::chrono::seconds(20));
  }
}

// ---------------------------------------------------------------------------
// D10: the collector frozen (SIGSTOP) while logrotate rotates four times.

TEST_CASE("D10: a plain path loses nothing when logcatch is frozen while logrotate rotates it "
          "four times",
          "[logrotate]") {
  rotation_scenario s{"D10 SIGSTOP, 4 rotations"};
  auto app = s.log("app.log");
  s.write_config("logs:\n" + key("app", app));
  s.set_logrotate(stanza(app, {"create", "rotate 5", "missingok", "nocompress"}));
  s.set_writers(three_writers("a", app));
  s.writers().start();
  s.start_collector(true);
  pause_for(s.millis(1000, 2000));
  s.freeze_collector();
  // About 10 s frozen, four rotations spread over it.
  for (int i = 0; i < 4; ++i) {
    pause_for(s.millis(1800, 2600));
    s.logrotate();
  }
  pause_for(s.millis(300, 800));
  s.thaw_collector();
  pause_for(s.millis(1000, 2000));
  s.finish();
}

// ---------------------------------------------------------------------------
// copytruncate, with delaycompress and with compress.

namespace {

void copytruncate_rotation(const std::string& name, bool delaycompress) {
  rotation_scenario s{name};
  auto app = s.log("app.log");
  s.write_config("logs:\n" + key("app", app));
  std::vector<std::string> options{"copytruncate", "rotate 20", "missingok", "compress"};
  if (delaycompress)
    options.push_back("delaycompress");
  s.set_logrotate(stanza(app, options));
  s.set_writers(three_writers("a", app));
  // A rotation while logcatch is down, without delaycompress, puts the lines
  // written since it stopped straight into app.log.1.gz: they are read from
  // there (the rest of the file the key was reading), nothing is excused.
  auto rotate_down = [&] {
    pause_for(s.millis(200, 600));
    s.logrotate();
    pause_for(s.millis(200, 500));
  };
  s.writers().start();
  s.start_collector(true);
  for (int i = 0; i < 2; ++i) { // while running
    pause_for(s.millis(700, 1300));
    s.logrotate();
  }
  pause_for(s.millis(700, 1300));
  s.stop_collector();
  rotate_down();
  s.start_collector();
  pause_for(s.millis(700, 1300));
  s.logrotate(); // running again
  pause_for(s.millis(700, 1300));
  s.kill_collector();
  rotate_down();
  s.start_collector();
  pause_for(s.millis(800, 1500));
  s.finish();
}

} // namespace

TEST_CASE("copytruncate with delaycompress loses and repeats nothing, running or down",
          "[logrotate]") {
  copytruncate_rotation("copytruncate + delaycompress", true);
}

TEST_CASE("copytruncate with compress (no delaycompress) loses and repeats nothing, running or "
          "down: the rest is read from the .gz",
          "[logrotate]") {
  copytruncate_rotation("copytruncate + compress", false);
}

// ---------------------------------------------------------------------------
// dateext names, rotate 2 deleting the oldest, while running.

TEST_CASE("dateext names and rotate 2 deleting the oldest file lose and repeat nothing while "
          "logcatch runs",
          "[logrotate]") {
  rotation_scenario s{"dateext + rotate 2"};
  auto plain = s.log("plain.log");
  auto globbed = s.log("globbed.log");
  s.write_config("logs:\n" + key("plain", plain) + key("globbed", globbed + "*"));
  std::vector<std::string> options{"create", "rotate 2", "missingok", "nocompress", "dateext",
                                    "dateformat -%Y%m%d-%H%M%S"};
  s.set_logrotate(stanza(plain, options) + stanza(globbed, options));
  auto streams = three_writers("p", plain, 150);
  for (auto& w : three_writers("g", globbed, 150))
    streams.push_back(w);
  s.set_writers(streams);
  s.writers().start();
  s.start_collector(true);
  // dateext names are to the second: rotations more than a second apart.
  for (int i = 0; i < 6; ++i) {
    pause_for(s.millis(1100, 1600));
    s.logrotate();
  }
  pause_for(s.millis(500, 1000));
  s.finish();
}
