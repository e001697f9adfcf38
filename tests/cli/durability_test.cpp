// Durable exactly-once: `logcatch run` killed with SIGKILL again and again
// while writers append and rotate; the sink file must end up with every line
// exactly once, in order per file. And a commit that cannot be made durable
// is never taken for one.

#include <catch2/catch.hpp>
#include <csignal>
#include <httplib.h>
#include <memory>
#include <random>
#include <regex>
#include <sys/stat.h>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

/// Writers append and rotate while `logcatch run` on `logs_section` is killed
/// and started again and again; then every line must be in out.log once.
/// Writers rotate every `rotate_every` lines. `order_per_file`: with glob
/// keys, a key's files may be read side by side, so order is checked within
/// each rotated file.
void kill_loop(const std::string& logs_section, uint64_t rotate_every, bool order_per_file) {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config, logs_section + "sink:\n  type: file\n  path: out.log\n", false);
  std::vector<std::unique_ptr<numbered_writer>> writers;
  auto add_writer = [&](const std::string& stream, uint64_t rotate_every, rotation_mode mode) {
    numbered_writer::options o;
    o.path = dir / (stream + ".log");
    o.stream = stream;
    o.lines_per_second = 1500;
    o.rotate_every = rotate_every;
    o.mode = mode;
    writers.push_back(std::make_unique<numbered_writer>(o));
  };
  add_writer("renamed", rotate_every, rotation_mode::rename);
  add_writer("copied", rotate_every, rotation_mode::copytruncate);
  add_writer("plain", 0, rotation_mode::rename);
  for (auto& w : writers)
    w->start();

  auto seed = logcatch::test::test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  int kills = 0;
  for (; kills < 24; ++kills) {
    child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
    // Anywhere from right after start (recovery itself interrupted) to well
    // into steady collecting.
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 400));
    child.signal(SIGKILL);
    REQUIRE(child.wait() == 128 + SIGKILL);
  }
  for (auto& w : writers)
    w->stop();
  std::map<std::string, uint64_t> written;
  for (auto& w : writers) {
    REQUIRE(w->error().empty());
    written[w->opts().stream] = w->written();
  }
  child_process last{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  auto all_there = [&] {
    delivery_verifier v;
    v.on_text(read_file(dir / "out.log"));
    for (auto& [stream, count] : written)
      if (v.unique(stream) < count)
        return false;
    return true;
  };
  CHECK(eventually(all_there));
  last.signal(SIGTERM);
  CHECK(last.wait() == 0);
  delivery_verifier v{order_per_file ? rotate_every : 0};
  v.on_text(read_file(dir / "out.log"));
  INFO(last.err());
  require_clean(v, written);
  CHECK(writers[0]->rotations() >= 1);
  CHECK(writers[1]->rotations() >= 1);
}

} // namespace

TEST_CASE("SIGKILL at random moments while files rotate by rename and copytruncate loses and repeats nothing") {
  // A plain path skips a file when two rotations pass while logcatch is down
  // (a documented limit): rotations here are slower than a kill and restart.
  kill_loop("logs:\n  renamed: renamed.log\n  copied: copied.log\n  plain: plain.log\n", 4000,
            false);
}

TEST_CASE("SIGKILL at random moments with glob keys that match the rotated files loses and repeats nothing") {
  kill_loop("logs:\n  renamed: renamed.log*\n  copied: copied.log*\n  plain: plain.log\n", 1000,
            true);
}

TEST_CASE("a state_dir that cannot be written makes a graceful stop exit 1, with the reason in the log and the failed commits counted") {
  temp_dir dir;
  // A folder where the temporary state file goes: creating it fails with
  // EISDIR whoever we are (root writes through permission bits).
  REQUIRE(::mkdir((dir / "state").c_str(), 0755) == 0);
  REQUIRE(::mkdir((dir / "state/logcatch.state.tmp").c_str(), 0755) == 0);
  auto config = dir / "config.yaml";
  write_file(config,
             "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\nstate_dir: state\n"
             "metrics: {listen: 127.0.0.1:0}\n",
             false);
  write_file(dir / "a.log", numbered_lines("a", 0, 50));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  auto delivered = [&] {
    delivery_verifier v;
    v.on_text(read_file(dir / "out.log"));
    return v.unique("a");
  };
  REQUIRE(eventually([&] { return delivered() == 50; }));
  const std::string cause = dir / "state/logcatch.state.tmp: cannot create state file: Is a directory";
  REQUIRE(eventually([&] { return contains(child.err(), cause); }));

  std::smatch m;
  auto err = child.err();
  REQUIRE(std::regex_search(err, m, std::regex{"serving http://127\\.0\\.0\\.1:([0-9]+)/metrics"}));
  httplib::Client client{"127.0.0.1", std::stoi(m[1])};
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(30, 0);
  auto metric = [&](const std::string& name) -> double {
    auto res = client.Get("/metrics");
    if (!res || res->status != 200)
      return -1;
    std::smatch v;
    if (!std::regex_search(res->body, v, std::regex{"\n" + name + " ([0-9.e+]+)\n"}))
      return -1;
    return std::stod(v[1]);
  };
  CHECK(eventually([&] { return metric("logcatch_sink_commit_errors_total") >= 2; }));
  CHECK(metric("logcatch_sink_commits_total") == 0);

  child.signal(SIGTERM);
  CHECK(child.wait() == 1); // nothing was committed: not a clean stop
  INFO(child.err());
  CHECK(contains(child.err(), "stopping with uncommitted output: the last commit failed (" + cause));
  CHECK(contains(child.err(), "are sent again at the next start"));
  CHECK(contains(child.err(), "stopped with errors (exit 1)"));
  CHECK_FALSE(contains(child.err(), "INFO main: stopped\n"));
}

TEST_CASE("a state_dir that can be written again before the stop makes it a clean one") {
  temp_dir dir;
  REQUIRE(::mkdir((dir / "state").c_str(), 0755) == 0);
  REQUIRE(::mkdir((dir / "state/logcatch.state.tmp").c_str(), 0755) == 0);
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\nstate_dir: state\n",
             false);
  write_file(dir / "a.log", numbered_lines("a", 0, 50));
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  // A commit failed (not only the save of the starting point at recovery).
  REQUIRE(eventually([&] {
    return contains(child.err(), "cannot create state file: Is a directory; the last committed state stays in force");
  }));
  REQUIRE(::rmdir((dir / "state/logcatch.state.tmp").c_str()) == 0);
  REQUIRE(eventually([&] { return contains(child.err(), "committing again"); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
  INFO(child.err());
  // The next start resumes from the committed state: nothing is sent again.
  child_process again{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  write_file(dir / "a.log", numbered_lines("a", 50, 60));
  REQUIRE(eventually([&] {
    delivery_verifier v;
    v.on_text(read_file(dir / "out.log"));
    return v.unique("a") == 60;
  }));
  again.signal(SIGTERM);
  CHECK(again.wait() == 0);
  delivery_verifier v;
  v.on_text(read_file(dir / "out.log"));
  require_clean(v, {{"a", 60}});
}
