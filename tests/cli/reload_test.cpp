// Hot reload, end to end: a real `logcatch run`, its config edited on disk.

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/loopback_port.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

/// A running collector on DIR/config.yaml writing to DIR/out.log.
struct reload_fixture {
  temp_dir dir;
  std::string config = dir / "config.yaml";
  std::string out = dir / "out.log";
  std::unique_ptr<child_process> child;

  void write_config(const std::string& logs_section) {
    // Written in place: truncate and write, as `echo > file` does.
    write_file(config, logs_section + "sink:\n  type: file\n  path: out.log\n", false);
  }

  void start(const std::string& logs_section, bool inotify = true) {
    write_config(logs_section);
    std::vector<std::string> argv{LOGCATCH_BINARY, "run", "--config", config};
    if (!inotify) // as on a filesystem without inotify: the stat-poll fallback
      argv.insert(argv.begin(), {"/usr/bin/env", "LOGCATCH_NO_INOTIFY=1"});
    child = std::make_unique<child_process>(argv, dir.path());
    REQUIRE(eventually([&] { return contains(child->err(), "collecting"); }));
  }

  std::size_t count(const std::string& part) const {
    auto text = child->err();
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
      ++n;
    return n;
  }

  bool delivered(const std::string& stream, uint64_t n) const {
    delivery_verifier v;
    v.on_text(read_file(out));
    return v.unique(stream) >= n;
  }

  void require_clean(const std::map<std::string, uint64_t>& expected) {
    delivery_verifier v;
    v.on_text(read_file(out));
    auto reports = v.report(expected);
    for (auto& r : reports) {
      INFO(r.stream << ": written " << r.written << " unique " << r.unique << " dup "
                    << r.duplicated << " lost " << r.lost);
      CHECK(r.lost == 0);
      CHECK(r.duplicated == 0);
      CHECK(r.out_of_order == 0);
    }
    CHECK(v.malformed() == 0);
  }

  void stop() {
    child->signal(SIGTERM);
    CHECK(child->wait() == 0);
  }
};

/// Rewrites FOLDER/noise.txt every 2 ms until destroyed: a folder that is
/// never quiet, on top of the state file the sink saves there every 200 ms.
class busy_folder {
public:
  explicit busy_folder(const std::string& folder)
    : thread_([this, folder] {
        for (int i = 0; !stop_.load(); ++i) {
          write_file(folder + "/noise.txt", std::to_string(i) + "\n", false);
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }) {}
  ~busy_folder() { stop(); }
  void stop() {
    if (!stop_.exchange(true))
      thread_.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// A writer of numbered lines into FOLDER/NAME.log, 300 lines/s, rotating
/// (rename) every 500 lines.
std::unique_ptr<numbered_writer> steady_writer(const std::string& folder, const std::string& name) {
  numbered_writer::options o;
  o.stream = name;
  o.path = folder + "/" + name + ".log";
  o.lines_per_second = 300;
  o.rotate_every = 500;
  return std::make_unique<numbered_writer>(o);
}

/// Seconds since `start`, for the messages of a failed wait.
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("reload adds, updates and removes keys, and a re-added key resumes") {
  reload_fixture f;
  write_file(f.dir / "a.log", numbered_lines("a", 0, 10));
  f.start("logs:\n  a: a.log\n");
  REQUIRE(eventually([&] { return f.delivered("a", 10); }));

  // add
  write_file(f.dir / "b.log", numbered_lines("b", 0, 5));
  f.write_config("logs:\n  a: a.log\n  b: b.log\n");
  REQUIRE(eventually([&] { return f.delivered("b", 5); }));
  CHECK(eventually([&] { return contains(f.child->err(), "reload applied: added b"); }));

  // update an option: the tailer restarts where delivery ended
  write_file(f.dir / "a.log", numbered_lines("a", 10, 20));
  f.write_config("logs:\n  a: { path: a.log, max_line_bytes: 4096 }\n  b: b.log\n");
  CHECK(eventually([&] {
    return contains(f.child->err(), "reload applied: updated a (max_line_bytes)");
  }));
  write_file(f.dir / "a.log", numbered_lines("a", 20, 30));
  REQUIRE(eventually([&] { return f.delivered("a", 30); }));

  // remove b, write to it while it is gone, then add it again: it resumes
  f.write_config("logs:\n  a: { path: a.log, max_line_bytes: 4096 }\n");
  REQUIRE(eventually([&] { return contains(f.child->err(), "key b removed"); }));
  write_file(f.dir / "b.log", numbered_lines("b", 5, 15));
  f.write_config("logs:\n  a: { path: a.log, max_line_bytes: 4096 }\n  b: b.log\n");
  REQUIRE(eventually([&] { return f.delivered("b", 15); }));

  // update the path: the key follows the new file
  write_file(f.dir / "a2.log", numbered_lines("a2", 0, 7));
  f.write_config("logs:\n  a: a2.log\n  b: b.log\n");
  REQUIRE(eventually([&] { return f.delivered("a2", 7); }));
  f.stop();
  f.require_clean({{"a", 30}, {"b", 15}, {"a2", 7}});
}

TEST_CASE("an invalid config is rejected with FILE:LINE:COL and the running one stays in force") {
  reload_fixture f;
  f.start("logs:\n  a: a.log\n");
  f.write_config("logs:\n  a: a.log\n  b: [oops\n");
  REQUIRE(eventually([&] { return contains(f.child->err(), "reload rejected: " + f.config + ":"); }));
  f.write_config("logs:\n  a: a.log\n  b: {paht: b.log}\n");
  REQUIRE(eventually([&] { return f.count("reload rejected") == 2; }));
  CHECK(contains(f.child->err(), f.config + ":3:7: unknown key 'paht'"));
  write_file(f.dir / "a.log", numbered_lines("a", 0, 3));
  REQUIRE(eventually([&] { return f.delivered("a", 3); }));
  // The next valid edit applies.
  write_file(f.dir / "c.log", numbered_lines("c", 0, 2));
  f.write_config("logs:\n  a: a.log\n  c: c.log\n");
  REQUIRE(eventually([&] { return f.delivered("c", 2); }));
  f.stop();
  f.require_clean({{"a", 3}, {"c", 2}});
}

TEST_CASE("an editor's save by rename and a deleted, re-created config are both applied") {
  reload_fixture f;
  f.start("logs:\n  a: a.log\n");
  // write-to-temp-and-rename, as vim and most editors save
  write_file(f.dir / ".config.yaml.swp",
             "logs:\n  a: a.log\n  b: b.log\nsink:\n  type: file\n  path: out.log\n", false);
  REQUIRE(std::rename((f.dir / ".config.yaml.swp").c_str(), f.config.c_str()) == 0);
  write_file(f.dir / "b.log", numbered_lines("b", 0, 4));
  REQUIRE(eventually([&] { return f.delivered("b", 4); }));

  REQUIRE(std::remove(f.config.c_str()) == 0);
  REQUIRE(eventually([&] { return contains(f.child->err(), "cannot read the config"); }));
  write_file(f.dir / "a.log", numbered_lines("a", 0, 2)); // still collecting meanwhile
  REQUIRE(eventually([&] { return f.delivered("a", 2); }));
  write_file(f.dir / "c.log", numbered_lines("c", 0, 3));
  f.write_config("logs:\n  a: a.log\n  b: b.log\n  c: c.log\n");
  REQUIRE(eventually([&] { return f.delivered("c", 3); }));
  f.stop();
  f.require_clean({{"a", 2}, {"b", 4}, {"c", 3}});
}

TEST_CASE("SIGHUP reads the config at once and logs the outcome in one line") {
  reload_fixture f;
  f.start("logs:\n  a: a.log\n");
  f.child->signal(SIGHUP);
  REQUIRE(eventually([&] { return contains(f.child->err(), "reload applied: no changes"); }));
  CHECK(contains(f.child->err(), "reload requested (SIGHUP)"));
  write_file(f.dir / "b.log", numbered_lines("b", 0, 1));
  f.write_config("logs:\n  a: a.log\n  b: b.log\n");
  f.child->signal(SIGHUP);
  REQUIRE(eventually([&] { return f.delivered("b", 1); }));
  f.stop();
}

TEST_CASE("without inotify, the stat-poll fallback still collects and reloads") {
  reload_fixture f;
  f.start("logs:\n  a: a.log\n", false);
  write_file(f.dir / "a.log", numbered_lines("a", 0, 5));
  REQUIRE(eventually([&] { return f.delivered("a", 5); }));
  write_file(f.dir / "b.log", numbered_lines("b", 0, 3));
  f.write_config("logs:\n  a: a.log\n  b: b.log\n");
  REQUIRE(eventually([&] { return f.delivered("b", 3); }));
  write_file(f.dir / "a.log", numbered_lines("a", 5, 8));
  REQUIRE(eventually([&] { return f.delivered("a", 8); }));
  f.stop();
  f.require_clean({{"a", 8}, {"b", 3}});
}

TEST_CASE("a config swapped in by renaming a symlink (Kubernetes ConfigMap style) is applied") {
  reload_fixture f;
  // config.yaml -> ..data/config.yaml, ..data -> ..v1 (a folder)
  std::filesystem::create_directories(f.dir / "..v1");
  write_file(f.dir / "..v1/config.yaml", "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\n",
             false);
  std::filesystem::create_directory_symlink("..v1", f.dir / "..data");
  std::filesystem::create_symlink("..data/config.yaml", f.config);
  f.child = std::make_unique<child_process>(
    std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", f.config}, f.dir.path());
  REQUIRE(eventually([&] { return contains(f.child->err(), "collecting"); }));
  std::filesystem::create_directories(f.dir / "..v2");
  write_file(f.dir / "..v2/config.yaml",
             "logs:\n  a: a.log\n  b: b.log\nsink:\n  type: file\n  path: out.log\n", false);
  std::filesystem::create_directory_symlink("..v2", f.dir / "..data_tmp");
  std::filesystem::rename(f.dir / "..data_tmp", f.dir / "..data"); // the atomic swap
  write_file(f.dir / "b.log", numbered_lines("b", 0, 2));
  REQUIRE(eventually([&] { return f.delivered("b", 2); }));
  f.stop();
}

TEST_CASE("a changed sink path takes effect on the next lines") {
  reload_fixture f;
  f.start("logs:\n  a: a.log\n");
  write_file(f.dir / "a.log", numbered_lines("a", 0, 3));
  REQUIRE(eventually([&] { return f.delivered("a", 3); }));
  write_file(f.config, "logs:\n  a: a.log\nsink:\n  type: file\n  path: other.log\n", false);
  REQUIRE(eventually([&] { return contains(f.child->err(), "now writing to " + f.dir / "other.log"); }));
  write_file(f.dir / "a.log", numbered_lines("a", 3, 5));
  REQUIRE(eventually([&] {
    delivery_verifier v;
    v.on_text(read_file(f.dir / "other.log"));
    return v.unique("a") == 2;
  }));
  f.stop();
  delivery_verifier both;
  both.on_text(read_file(f.out) + read_file(f.dir / "other.log"));
  CHECK(delivery_verifier::clean(both.report({{"a", 5}}), both.malformed()));
}

TEST_CASE("a reload that switches to a remote sink applies the rest and keeps the running sink") {
  reload_fixture f;
  write_file(f.dir / "a.log", numbered_lines("a", 0, 10));
  f.start("logs:\n  a: a.log\n");
  REQUIRE(eventually([&] { return f.delivered("a", 10); }));
  write_file(f.dir / "b.log", numbered_lines("b", 0, 5));
  write_file(f.config,
             "logs:\n  a: a.log\n  b: b.log\nsink: {type: remote, address: '127.0.0.1:9'}\n", false);
  CHECK(eventually([&] {
    return contains(f.child->err(), "sink change not applied: switching between a remote sink "
                                    "and a local one, or changing tls, needs a restart");
  }));
  CHECK(eventually([&] { return f.delivered("b", 5); })); // still into out.log
  CHECK(contains(f.child->err(), "reload applied: added b"));
  f.child->signal(SIGTERM);
  CHECK(f.child->wait() == 0);
}

// Issue 11, defect 2: every event in the config's folder (the state file saved
// every 200 ms, logs written there) used to restart the reload's quiet time,
// so an edit waited until writing stopped. Only the config's own names count.
TEST_CASE("a key added while logs flow and the config's folder is never quiet is applied within seconds") {
  reload_fixture f;
  auto a = steady_writer(f.dir.path(), "a");
  a->start();
  f.start("logs:\n  a: { path: a.log, poll_interval: 50ms }\n"); // state_dir: the config's folder
  REQUIRE(eventually([&] { return f.delivered("a", 100); }));
  REQUIRE(eventually([&] { return std::filesystem::exists(f.dir / "logcatch.state"); }));
  busy_folder noise{f.dir.path()};
  auto b = steady_writer(f.dir.path(), "b");
  b->write_lines(50); // b's first lines are there before its key: read from the start
  auto edited = std::chrono::steady_clock::now();
  f.write_config("logs:\n  a: { path: a.log, poll_interval: 50ms }\n  b: b.log\n");
  // While a writes, the sink commits and the noise goes on: no quiet moment.
  bool applied = eventually([&] { return contains(f.child->err(), "reload applied: added b"); },
                            std::chrono::seconds(15));
  INFO("after " << seconds_since(edited) << " s; stderr:\n" << f.child->err());
  REQUIRE(applied);
  b->start();
  REQUIRE(eventually([&] { return f.delivered("b", 50); }, std::chrono::seconds(15)));
  // Still applied while the folder stays busy: a second edit, to an option.
  f.write_config("logs:\n  a: { path: a.log, poll_interval: 50ms }\n"
                 "  b: { path: b.log, max_line_bytes: 4096 }\n");
  REQUIRE(eventually([&] { return contains(f.child->err(), "updated b (max_line_bytes)"); },
                     std::chrono::seconds(15)));
  noise.stop();
  a->stop();
  b->stop();
  REQUIRE(eventually([&] { return f.delivered("a", a->written()) && f.delivered("b", b->written()); }));
  f.stop();
  f.require_clean({{"a", a->written()}, {"b", b->written()}});
}

TEST_CASE("a Kubernetes ..data swap is applied while logs flow into the config's folder") {
  reload_fixture f;
  auto config_v = [](int v, const std::string& logs) {
    return "# v" + std::to_string(v) + "\n" + logs + "sink:\n  type: file\n  path: out.log\n";
  };
  // config.yaml -> ..data/config.yaml, ..data -> ..v1; state and sink next to config.yaml
  std::filesystem::create_directories(f.dir / "..v1");
  write_file(f.dir / "..v1/config.yaml", config_v(1, "logs:\n  a: a.log\n"), false);
  std::filesystem::create_directory_symlink("..v1", f.dir / "..data");
  std::filesystem::create_symlink("..data/config.yaml", f.config);
  auto a = steady_writer(f.dir.path(), "a");
  a->start();
  f.child = std::make_unique<child_process>(
    std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", f.config}, f.dir.path());
  REQUIRE(eventually([&] { return f.delivered("a", 100); }));
  busy_folder noise{f.dir.path()};
  auto b = steady_writer(f.dir.path(), "b");
  b->write_lines(50);
  // The kubelet's update: a new folder, a temporary link, renamed over ..data.
  std::filesystem::create_directories(f.dir / "..v2");
  write_file(f.dir / "..v2/config.yaml", config_v(2, "logs:\n  a: a.log\n  b: b.log\n"), false);
  std::filesystem::create_directory_symlink("..v2", f.dir / "..data_tmp");
  auto swapped = std::chrono::steady_clock::now();
  std::filesystem::rename(f.dir / "..data_tmp", f.dir / "..data");
  std::filesystem::remove_all(f.dir / "..v1");
  bool applied = eventually([&] { return contains(f.child->err(), "reload applied: added b"); },
                            std::chrono::seconds(15));
  INFO("after " << seconds_since(swapped) << " s; stderr:\n" << f.child->err());
  REQUIRE(applied);
  b->start();
  // And the next swap too (the new target folder is the one watched now).
  std::filesystem::create_directories(f.dir / "..v3");
  write_file(f.dir / "..v3/config.yaml", config_v(3, "logs:\n  b: b.log\n"), false);
  std::filesystem::create_directory_symlink("..v3", f.dir / "..data_tmp");
  a->stop(); // a removed key delivers what it read: every line written is expected
  REQUIRE(eventually([&] { return f.delivered("a", a->written()); }));
  std::filesystem::rename(f.dir / "..data_tmp", f.dir / "..data");
  REQUIRE(eventually([&] { return contains(f.child->err(), "reload applied: removed a"); },
                     std::chrono::seconds(15)));
  noise.stop();
  b->stop();
  REQUIRE(eventually([&] { return f.delivered("b", b->written()); }));
  f.stop();
  f.require_clean({{"a", a->written()}, {"b", b->written()}});
}

TEST_CASE("a config linked from another folder is applied when its target is edited in place") {
  // /etc/logcatch.yaml -> /srv/cfg/logcatch.yaml, logs and state under /etc's twin.
  reload_fixture f;
  auto etc = f.dir / "etc";
  auto srv = f.dir / "srv/cfg";
  std::filesystem::create_directories(etc);
  std::filesystem::create_directories(srv);
  auto target = srv + "/logcatch.yaml";
  auto config = [&](const std::string& logs) {
    return logs + "sink:\n  type: file\n  path: " + f.out + "\nstate_dir: " + f.dir.path() + "\n";
  };
  write_file(target, config("logs:\n  a: " + f.dir / "a.log" + "\n"), false);
  std::filesystem::create_symlink(target, etc + "/logcatch.yaml");
  auto a = steady_writer(f.dir.path(), "a");
  a->start();
  f.child = std::make_unique<child_process>(
    std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", etc + "/logcatch.yaml"},
    f.dir.path());
  REQUIRE(eventually([&] { return f.delivered("a", 100); }));
  busy_folder etc_noise{etc};
  busy_folder srv_noise{srv};
  busy_folder state_noise{f.dir.path()};
  auto b = steady_writer(f.dir.path(), "b");
  b->write_lines(50);
  write_file(target, config("logs:\n  a: " + f.dir / "a.log" + "\n  b: " + f.dir / "b.log" + "\n"),
             false);
  bool applied = eventually([&] { return contains(f.child->err(), "reload applied: added b"); },
                            std::chrono::seconds(15));
  INFO(f.child->err());
  REQUIRE(applied);
  b->start();
  REQUIRE(eventually([&] { return f.delivered("b", 50); }));
  a->stop();
  b->stop();
  REQUIRE(eventually([&] { return f.delivered("a", a->written()) && f.delivered("b", b->written()); }));
  f.stop();
  f.require_clean({{"a", a->written()}, {"b", b->written()}});
}

TEST_CASE("a remote sink's new address is applied while logs flow into the config's folder") {
  temp_dir dir;
  uint16_t nobody = free_loopback_port();
  uint16_t port = free_loopback_port();
  child_process aggregator{{LOGCATCH_BINARY, "aggregate", "--listen", "127.0.0.1:" + std::to_string(port),
                            "--sink-path", dir / "agg.log", "--auth-token", "t0ken"},
                           dir.path()};
  REQUIRE(eventually([&] { return contains(aggregator.err(), "listening on"); }));
  auto config = [&](uint16_t to) {
    return "logs:\n  a: a.log\nsink: {type: remote, address: '127.0.0.1:" + std::to_string(to) +
           "', node: n1, auth_token: t0ken}\n";
  };
  write_file(dir / "config.yaml", config(nobody), false);
  auto a = steady_writer(dir.path(), "a");
  a->start();
  child_process collector{{LOGCATCH_BINARY, "run", "--config", dir / "config.yaml"}, dir.path()};
  REQUIRE(eventually([&] { return contains(collector.err(), "cannot connect"); }));
  busy_folder noise{dir.path()};
  write_file(dir / "config.yaml", config(port), false);
  auto now_sending = "now sending to the aggregator at 127.0.0.1:" + std::to_string(port);
  bool applied = eventually([&] { return contains(collector.err(), now_sending); },
                            std::chrono::seconds(15));
  INFO(collector.err());
  REQUIRE(applied);
  noise.stop();
  a->stop();
  auto delivered = [&] {
    delivery_verifier v;
    v.on_text(read_file(dir / "agg.log"));
    return v.unique("a") >= a->written();
  };
  REQUIRE(eventually(delivered));
  collector.signal(SIGTERM);
  CHECK(collector.wait() == 0);
  aggregator.signal(SIGTERM);
  CHECK(aggregator.wait() == 0);
  delivery_verifier v;
  v.on_text(read_file(dir / "agg.log"));
  require_clean(v, {{"a", a->written()}});
}
