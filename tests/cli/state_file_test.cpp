// The state file under bad conditions: corrupt, not writable, disk full.

#include <catch2/catch.hpp>
#include <csignal>
#include <sys/stat.h>

#include "bench/workload/delivery_verifier.hpp"
#include "process_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

std::string lines(const std::string& stream, uint64_t from, uint64_t to) {
  return numbered_lines(stream, from, to, "some payload to fill the line");
}

uint64_t unique_in(const std::string& path, const std::string& stream) {
  delivery_verifier v;
  v.on_text(read_file(path));
  return v.unique(stream);
}

std::vector<std::string> run_argv(const std::string& config) {
  return {LOGCATCH_BINARY, "run", "--config", config};
}

} // namespace

TEST_CASE("a corrupt state file is reported, moved aside, and collection starts per read_from") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\n", false);
  write_file(dir / "a.log", lines("a", 0, 10));
  {
    child_process first{run_argv(config), dir.path()};
    REQUIRE(eventually([&] { return unique_in(dir / "out.log", "a") == 10; }));
    first.signal(SIGTERM);
    REQUIRE(first.wait() == 0);
  }
  auto state = read_file(dir / "logcatch.state");
  REQUIRE_FALSE(state.empty());
  state[state.size() / 2] ^= 0x20;
  write_file(dir / "logcatch.state", state, false);
  child_process second{run_argv(config), dir.path()};
  REQUIRE(eventually([&] { return contains(second.err(), "checksum mismatch"); }));
  CHECK(contains(second.err(), "moved aside to " + dir.path() + "/logcatch.state.corrupt-"));
  // read_from head: the file is read again from its start.
  CHECK(eventually([&] {
    delivery_verifier v;
    v.on_text(read_file(dir / "out.log"));
    return v.report({{"a", 10}})[0].delivered == 20;
  }));
  second.signal(SIGTERM);
  CHECK(second.wait() == 0);
  bool moved = false;
  for (auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (contains(entry.path().filename().string(), "logcatch.state.corrupt-"))
      moved = read_file(entry.path().string()) == state;
  CHECK(moved);
}

TEST_CASE("a state_dir that cannot be written is reported and collection goes on") {
  temp_dir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
  auto locked = dir / "locked";
  REQUIRE(::mkdir(locked.c_str(), 0555) == 0);
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\nstate_dir: locked\n",
             false);
  REQUIRE(::chmod(config.c_str(), 0644) == 0);
  write_file(dir / "a.log", lines("a", 0, 5));
  REQUIRE(::chmod((dir / "a.log").c_str(), 0644) == 0);
  auto argv = run_argv(config);
  if (::geteuid() == 0) // root writes anywhere: run as nobody, for whom 0555 is read-only
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  child_process child{argv, dir.path()};
  REQUIRE(eventually([&] { return unique_in(dir / "out.log", "a") == 5; }));
  CHECK(eventually([&] {
    return contains(child.err(), locked + "/logcatch.state.tmp: cannot create state file: Permission denied");
  }));
  child.signal(SIGTERM);
  CHECK(child.wait() == 1); // nothing committed: the stop says so (issue 11, defect 9)
}

TEST_CASE("a full disk stops writing with a clear error and corrupts nothing committed") {
  temp_dir dir;
  auto config = dir / "config.yaml";
  write_file(config, "logs:\n  a: a.log\nsink:\n  type: file\n  path: out.log\n", false);
  write_file(dir / "a.log", lines("a", 0, 100));
  {
    child_process first{run_argv(config), dir.path()};
    REQUIRE(eventually([&] { return unique_in(dir / "out.log", "a") == 100; }));
    first.signal(SIGTERM);
    REQUIRE(first.wait() == 0);
  }
  // 4000 more lines (~200 KB) against a 64 KiB file size limit.
  write_file(dir / "a.log", lines("a", 100, 4100));
  child_process limited{{"/bin/bash", "-c", "ulimit -f 64; exec " LOGCATCH_BINARY " run --config " + config},
                        dir.path()};
  REQUIRE(eventually([&] { return contains(limited.err(), "write failed: File too large"); }));
  limited.signal(SIGTERM);
  CHECK(limited.wait() == 1); // it could not write everything
  CHECK(contains(limited.err(), "read again at the next start"));
  // Without the limit, everything arrives, once.
  child_process after{run_argv(config), dir.path()};
  REQUIRE(eventually([&] { return unique_in(dir / "out.log", "a") == 4100; }));
  after.signal(SIGTERM);
  CHECK(after.wait() == 0);
  delivery_verifier v;
  v.on_text(read_file(dir / "out.log"));
  CHECK(delivery_verifier::clean(v.report({{"a", 4100}}), v.malformed()));
}
