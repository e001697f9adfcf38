// Many files in one key, with the real binary: positions are kept for all of
// them (no cap), and more files than file descriptors are read, each once.

#include <catch2/catch.hpp>
#include <csignal>
#include <random>

#include "bench/workload/delivery_verifier.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

std::string lines(const std::string& stream, uint64_t from, uint64_t to) {
  return numbered_lines(stream, from, to, "some payload to fill the line");
}

bool all_delivered(const std::string& out, const std::map<std::string, uint64_t>& written) {
  delivery_verifier v;
  v.on_text(read_file(out));
  for (auto& [stream, count] : written)
    if (v.unique(stream) < count)
      return false;
  return true;
}

void check_once(const std::string& out, const std::map<std::string, uint64_t>& written) {
  delivery_verifier v;
  v.on_text(read_file(out));
  for (auto& r : v.report(written)) {
    INFO(r.stream << ": written " << r.written << ", unique " << r.unique);
    CHECK(r.lost == 0);
    CHECK(r.duplicated == 0);
    CHECK(r.out_of_order == 0);
  }
}

} // namespace

TEST_CASE("a glob over 70 files (more than the old cap of 64 positions) repeats nothing across restarts") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  app: {path: 'logs/app.log*'}\nsink:\n  type: file\n  path: out.log\n",
             false);
  std::filesystem::create_directories(dir / "logs");
  std::map<std::string, uint64_t> written;
  for (int i = 0; i < 70; ++i) {
    auto stream = "f" + std::to_string(i);
    write_file(dir / ("logs/app.log." + std::to_string(i)), lines(stream, 0, 100));
    written[stream] = 100;
  }
  for (int round = 0; round < 3; ++round) {
    child_process run{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
    REQUIRE(eventually([&] { return all_delivered(dir / "out.log", written); }));
    // One more line in every file between rounds.
    run.signal(SIGTERM);
    INFO(run.err());
    REQUIRE(run.wait() == 0);
    for (auto& [stream, count] : written)
      write_file(dir / ("logs/app.log." + stream.substr(1)), lines(stream, count, count + 1));
    for (auto& [stream, count] : written)
      ++count;
  }
  child_process last{{LOGCATCH_BINARY, "run", "--config", config}, dir.path()};
  REQUIRE(eventually([&] { return all_delivered(dir / "out.log", written); }));
  last.signal(SIGTERM);
  REQUIRE(last.wait() == 0);
  check_once(dir / "out.log", written);
}

TEST_CASE("2000 files in one glob under a limit of 1024 file descriptors are each read once, with writers and a SIGKILL") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config,
             "logs:\n  app: {path: 'logs/*.log'}\nsink:\n  type: file\n  path: out.log\n"
             "supervision: {backoff: {initial: 10ms}}\n",
             false);
  std::filesystem::create_directories(dir / "logs");
  constexpr int files = 2000;
  std::map<std::string, uint64_t> written;
  for (int i = 0; i < files; ++i) {
    auto stream = "f" + std::to_string(i);
    write_file(dir / ("logs/" + stream + ".log"), lines(stream, 0, 5));
    written[stream] = 5;
  }
  // Soft and hard limit 1024: logcatch cannot raise it, and must keep
  // descriptors for its state file, config and sink.
  auto argv = std::vector<std::string>{"/usr/bin/prlimit", "--nofile=1024:1024", LOGCATCH_BINARY,
                                       "run", "--config", config};
  auto seed = test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto append_some = [&](int n) {
    for (int k = 0; k < n; ++k) {
      auto stream = "f" + std::to_string(rng() % files);
      auto& count = written[stream];
      write_file(dir / ("logs/" + stream + ".log"), lines(stream, count, count + 3));
      count += 3;
    }
  };
  {
    child_process first{argv, dir.path()};
    for (int i = 0; i < 20; ++i) {
      append_some(100);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // SIGKILL in the middle of it.
    first.signal(SIGKILL);
    first.wait();
    INFO(first.err());
    CHECK_FALSE(contains(first.err(), "Too many open files"));
  }
  append_some(300);
  child_process second{argv, dir.path()};
  append_some(300);
  CHECK(eventually([&] { return all_delivered(dir / "out.log", written); },
                   std::chrono::seconds(120)));
  // The config can still be read (a reload) and the state file saved.
  write_file(config,
             "logs:\n  app: {path: 'logs/*.log', poll_interval: 200ms}\nsink:\n  type: file\n"
             "  path: out.log\nsupervision: {backoff: {initial: 10ms}}\n",
             false);
  second.signal(SIGHUP);
  CHECK(eventually([&] { return contains(second.err(), "reload applied"); }));
  append_some(200);
  CHECK(eventually([&] { return all_delivered(dir / "out.log", written); },
                   std::chrono::seconds(120)));
  second.signal(SIGTERM);
  INFO(second.err());
  CHECK(second.wait() == 0);
  CHECK_FALSE(contains(second.err(), "Too many open files"));
  CHECK(contains(second.err(), "log files open at once"));
  check_once(dir / "out.log", written);
}
