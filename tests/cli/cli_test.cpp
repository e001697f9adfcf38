#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "process_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("--help prints usage for the program and each subcommand and exits 0") {
  temp_dir dir;
  auto top = run_logcatch({"--help"}, dir);
  CHECK(top.code == 0);
  CHECK(contains(top.out, "run"));
  CHECK(contains(top.out, "check"));
  CHECK(contains(top.out, "demo"));
  for (auto sub : {"run", "check", "demo"}) {
    auto r = run_logcatch({sub, "--help"}, dir);
    CHECK(r.code == 0);
    CHECK(contains(r.out, sub));
  }
}

TEST_CASE("unknown flags, missing values and a missing subcommand exit 2 with an error") {
  temp_dir dir;
  auto unknown = run_logcatch({"run", "--config", "x.yaml", "--bogus"}, dir);
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.err, "--bogus"));
  auto missing = run_logcatch({"check", "--config"}, dir);
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "--config"));
  CHECK(run_logcatch({}, dir).code == 2);
  CHECK(run_logcatch({"frobnicate"}, dir).code == 2);
}

TEST_CASE("check accepts a good config with a one-line summary and rejects a bad one with FILE:LINE:COL") {
  temp_dir dir;
  auto good = dir / "good.yaml";
  write_file(good, "logs:\n  app: app.log\nsink:\n  type: stdout\n");
  auto ok = run_logcatch({"check", "--config", good}, dir);
  CHECK(ok.code == 0);
  CHECK(count_lines(ok.out) == 1);
  CHECK(contains(ok.out, "app"));

  auto bad = dir / "bad.yaml";
  write_file(bad, "logs:\n  app: app.log\nsink:\n  tpye: stdout\n");
  auto rejected = run_logcatch({"check", "--config", bad}, dir);
  CHECK(rejected.code == 2);
  CHECK(contains(rejected.err, bad + ":4:3:"));
  CHECK(contains(rejected.err, "tpye"));

  auto absent = run_logcatch({"check", "--config", dir / "absent.yaml"}, dir);
  CHECK(absent.code == 2);
  CHECK(contains(absent.err, "absent.yaml"));
}

TEST_CASE("SIGTERM during a burst writes every line the tailer read, then exits 0") {
  temp_dir dir;
  auto log = dir / "burst.log";
  auto sink = dir / "out.log";
  auto config = dir / "config.yaml";
  // A slow sink, so many batches are still queued when SIGTERM arrives.
  write_file(config, "logs:\n  burst: burst.log\nsink:\n  type: file\n  path: out.log\n"
                     "  fault:\n    write_delay: 3ms\n");
  numbered_writer::options o;
  o.path = log;
  o.stream = "burst";
  numbered_writer writer{o};
  writer.write_lines(200000);
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  REQUIRE(eventually([&] { return count_lines(read_file(sink)) > 1000; }));
  child.signal(SIGTERM);
  REQUIRE(child.wait() == 0);
  auto out = read_file(sink);
  auto err = child.err();
  INFO(err);
  // The tailer logs how many lines it sent when it stops; all of them are in
  // the sink, and they are the first lines of the file, once each.
  auto at = err.find("tailer[burst]: stopped after sending ");
  REQUIRE(at != std::string::npos);
  auto sent = std::stoull(err.substr(at + std::string("tailer[burst]: stopped after sending ").size()));
  CHECK(sent > 0);
  CHECK(count_lines(out) == sent);
  CHECK((out.empty() || out.back() == '\n'));
  delivery_verifier v;
  v.on_text(out);
  CHECK(delivery_verifier::clean(v.report({{"burst", sent}}), v.malformed()));
}

TEST_CASE("an unreadable file is reported and retried while other keys keep flowing") {
  temp_dir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
  auto secret = dir / "secret.log";
  auto open_log = dir / "open.log";
  auto config = dir / "config.yaml";
  write_file(secret, "secret 0 hidden\n");
  write_file(open_log, "open 0 visible\n");
  write_file(config, "logs:\n  secret: secret.log\n  open: open.log\n"
                     "sink:\n  type: file\n  path: out.log\n");
  REQUIRE(::chmod(secret.c_str(), 0) == 0);
  REQUIRE(::chmod(config.c_str(), 0644) == 0);
  std::vector<std::string> argv{LOGCATCH_BINARY, "run", "--config", config};
  if (::geteuid() == 0) // root reads anything: run as nobody, for whom 0000 means unreadable
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  child_process child{argv, dir.path()};
  REQUIRE(eventually([&] { return contains(read_file(dir / "out.log"), "open 0 visible"); }));
  CHECK(eventually([&] { return contains(child.err(), "secret.log: cannot open: Permission denied"); }));
  REQUIRE(::chmod(secret.c_str(), 0644) == 0);
  CHECK(eventually([&] { return contains(read_file(dir / "out.log"), "secret 0 hidden"); }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 0);
}

TEST_CASE("the collector's own log goes to log.dir/logcatch.log as well as stderr") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\n"
                     "log:\n  level: debug\n  dir: own-log\n");
  write_file(dir / "a.log", "a 0 x\n");
  child_process child{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  REQUIRE(eventually([&] { return contains(read_file(dir / "out.log"), "a 0 x"); }));
  child.signal(SIGINT);
  CHECK(child.wait() == 0);
  auto own = read_file(dir / "own-log/logcatch.log");
  CHECK(contains(own, "INFO main: running"));
  CHECK(contains(own, "SIGINT"));
  CHECK(contains(child.err(), "INFO main: running"));
}

TEST_CASE("the bundled example configs are valid") {
  temp_dir dir;
  for (auto name : {"logcatch.yaml", "seed.yaml"}) {
    auto r = run_logcatch({"check", "--config", std::string(LOGCATCH_SOURCE_DIR) + "/examples/" + name}, dir);
    INFO(name << ": " << r.err);
    CHECK(r.code == 0);
  }
}

TEST_CASE("the demo ends with nothing lost and nothing duplicated") {
  temp_dir dir;
  // 15 s, as scripts/demo.sh runs it: logdir4 is added after 5 s while the
  // other keys write, rotate and commit state next to the config (a 4 s run
  // hid a reload held back by that traffic).
  auto r = run_logcatch({"demo", "--seconds", "15"}, dir);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "lost 0, duplicated 0"));
  CHECK(contains(r.out, "logdir3"));
  CHECK(contains(r.out, "logdir3 0 "));
  CHECK(contains(r.out, "logdir4 0 ")); // the added key's first line, read from its file's start
}
