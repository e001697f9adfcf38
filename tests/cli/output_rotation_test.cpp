// The sink's own output rotated under a running `logcatch run`: by the real
// logrotate (create, compress, SIGHUP in postrotate), by a rename or a
// deletion it is not told about, and with SIGKILLs right after a rotation.
// The union of the rotated outputs and the current one must hold every line
// exactly once.

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <sys/stat.h>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

constexpr const char* logrotate_binary = "/usr/sbin/logrotate";

/// Two steadily written logs, collected into out.log by `logcatch run`.
struct rotation_fixture {
  temp_dir dir;
  std::string config = dir / "config.yaml";
  std::string out = dir / "out.log";
  std::vector<std::unique_ptr<numbered_writer>> writers;

  rotation_fixture() {
    write_file(config, "logs:\n  a: a.log\n  b: b.log\nsink:\n  type: file\n  path: out.log\n", false);
    for (std::string stream : {"a", "b"}) {
      numbered_writer::options o;
      o.path = dir / (stream + ".log");
      o.stream = stream;
      o.lines_per_second = 1500;
      writers.push_back(std::make_unique<numbered_writer>(o));
    }
  }

  std::unique_ptr<child_process> start() {
    return std::make_unique<child_process>(
      std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", config}, dir.path());
  }

  void start_writing() {
    for (auto& w : writers)
      w->start();
  }

  /// Lines written per stream, once the writers stopped.
  std::map<std::string, uint64_t> stop_writing() {
    std::map<std::string, uint64_t> written;
    for (auto& w : writers) {
      w->stop();
      REQUIRE(w->error().empty());
      written[w->opts().stream] = w->written();
    }
    return written;
  }

  uint64_t lines_in(const std::string& path, const std::string& stream = "a") const {
    delivery_verifier v;
    v.on_text(read_file(path));
    return v.unique(stream);
  }

  /// Waits until out.log holds `more` lines of stream a beyond what it held.
  void wait_for_progress(uint64_t more = 300) const {
    auto before = lines_in(out);
    REQUIRE(eventually([&] { return lines_in(out) >= before + more; }));
  }
};

/// The number of the first line of `stream` in the file (lines are "STREAM SEQ ...").
uint64_t first_seq(const std::string& path, const std::string& stream) {
  for (auto& line : lines_of(read_file(path)))
    if (line.compare(0, stream.size() + 1, stream + " ") == 0)
      return std::stoull(line.substr(stream.size() + 1));
  return 0;
}

/// The text of a file, gunzipped by the real gzip when it ends in .gz.
std::string text_of(const std::string& path, const temp_dir& dir) {
  if (path.size() < 3 || path.compare(path.size() - 3, 3, ".gz") != 0)
    return read_file(path);
  child_process gunzip{{"/bin/gzip", "-dc", path}, dir.path()};
  REQUIRE(gunzip.wait() == 0);
  return gunzip.out();
}

/// Every line of `written` exactly once, in order, across `files` (oldest
/// first) and then the current output.
void require_union_clean(const std::vector<std::string>& files, const std::string& current,
                         const std::map<std::string, uint64_t>& written, const temp_dir& dir) {
  delivery_verifier v;
  for (auto& f : files)
    v.on_text(text_of(f, dir));
  v.on_text(read_file(current));
  require_clean(v, written);
}

} // namespace

TEST_CASE("the output rotated by logrotate with create, compress and a SIGHUP in postrotate keeps every line exactly once") {
  REQUIRE(::access(logrotate_binary, X_OK) == 0); // scripts/setup.sh installs logrotate
  rotation_fixture f;
  f.start_writing();
  auto child = f.start();
  // The stock stanza: rename, a new empty file, the signal, then gzip of
  // the renamed file (no delaycompress), which is deleted afterwards.
  auto conf = f.dir / "logrotate.conf";
  write_file(conf,
             f.out + " {\n  create\n  compress\n  rotate 100\n  missingok\n  postrotate\n    kill -HUP " +
               std::to_string(child->pid()) + "\n  endscript\n}\n",
             false);
  REQUIRE(::chmod(conf.c_str(), 0644) == 0);
  constexpr int rotations = 5;
  for (int i = 0; i < rotations; ++i) {
    f.wait_for_progress();
    child_process logrotate{{logrotate_binary, "-f", "-s", f.dir / "logrotate.status", conf}, f.dir.path()};
    REQUIRE(logrotate.wait() == 0);
    INFO(logrotate.err());
    CHECK(logrotate.err().empty());
  }
  f.wait_for_progress();
  auto written = f.stop_writing();
  std::vector<std::string> rotated;
  for (int n = rotations; n >= 1; --n) { // out.log.5.gz is the oldest
    auto gz = f.out + "." + std::to_string(n) + ".gz";
    REQUIRE(std::filesystem::exists(gz));
    rotated.push_back(gz);
  }
  CHECK_FALSE(std::filesystem::exists(f.out + ".1")); // gzip removed it
  REQUIRE(eventually([&] { return f.lines_in(f.out, "a") + f.lines_in(f.out, "b") > 0; }));
  auto all_there = [&] {
    delivery_verifier v;
    for (auto& gz : rotated)
      v.on_text(text_of(gz, f.dir));
    v.on_text(read_file(f.out));
    return v.unique("a") >= written["a"] && v.unique("b") >= written["b"];
  };
  CHECK(eventually(all_there));
  child->signal(SIGTERM);
  CHECK(child->wait() == 0);
  INFO(child->err());
  CHECK(contains(child->err(), "on SIGHUP: reopened it by path"));
  require_union_clean(rotated, f.out, written, f.dir);
}

TEST_CASE("the output renamed away without a SIGHUP is noticed and reopened by path, every line once across the files") {
  rotation_fixture f;
  f.start_writing();
  auto child = f.start();
  std::vector<std::string> rotated;
  for (int i = 1; i <= 3; ++i) {
    f.wait_for_progress();
    auto to = f.out + "." + std::to_string(i);
    REQUIRE(std::rename(f.out.c_str(), to.c_str()) == 0);
    rotated.push_back(to);
    // logcatch creates the new file itself, and writes there.
    REQUIRE(eventually([&] { return std::filesystem::exists(f.out) && f.lines_in(f.out) > 0; }));
  }
  auto written = f.stop_writing();
  REQUIRE(eventually([&] {
    delivery_verifier v;
    for (auto& r : rotated)
      v.on_text(read_file(r));
    v.on_text(read_file(f.out));
    return v.unique("a") >= written["a"] && v.unique("b") >= written["b"];
  }));
  child->signal(SIGTERM);
  CHECK(child->wait() == 0);
  INFO(child->err());
  CHECK(contains(child->err(), "was renamed away or deleted (nothing is at its path): reopened it by path"));
  require_union_clean(rotated, f.out, written, f.dir);
}

TEST_CASE("the output renamed away while another file is created at its path is noticed without a SIGHUP") {
  rotation_fixture f;
  f.start_writing();
  auto child = f.start();
  f.wait_for_progress();
  REQUIRE(std::rename(f.out.c_str(), (f.out + ".1").c_str()) == 0);
  write_file(f.out, ""); // as logrotate's `create` does
  f.wait_for_progress();
  auto written = f.stop_writing();
  REQUIRE(eventually([&] {
    delivery_verifier v;
    v.on_text(read_file(f.out + ".1"));
    v.on_text(read_file(f.out));
    return v.unique("a") >= written["a"] && v.unique("b") >= written["b"];
  }));
  child->signal(SIGTERM);
  CHECK(child->wait() == 0);
  INFO(child->err());
  CHECK(contains(child->err(), "was renamed away (another file is at its path): reopened it by path"));
  require_union_clean({f.out + ".1"}, f.out, written, f.dir);
}

TEST_CASE("the output deleted without a SIGHUP is noticed and written again at its path, from where it was deleted on") {
  rotation_fixture f;
  f.start_writing();
  auto child = f.start();
  f.wait_for_progress();
  REQUIRE(std::remove(f.out.c_str()) == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(f.out) && f.lines_in(f.out) > 300; }));
  auto written = f.stop_writing();
  REQUIRE(eventually([&] {
    return f.lines_in(f.out, "a") > 0 && f.lines_in(f.out, "b") > 0 && [&] {
      // Complete from its first line on: only what went to the deleted file is gone.
      delivery_verifier v;
      v.on_text(read_file(f.out));
      for (auto& r : v.report(written))
        if (r.unique + first_seq(f.out, r.stream) < r.written)
          return false;
      return true;
    }();
  }));
  child->signal(SIGTERM);
  CHECK(child->wait() == 0);
  delivery_verifier v;
  v.on_text(read_file(f.out));
  for (auto& r : v.report(written)) {
    INFO("stream " << r.stream << ": written " << r.written << ", unique " << r.unique
                   << ", first in the new file " << first_seq(f.out, r.stream));
    CHECK(r.duplicated == 0);
    CHECK(r.out_of_order == 0);
    CHECK(r.unique + first_seq(f.out, r.stream) == r.written);
  }
  INFO(child->err());
  CHECK(contains(child->err(), "reopened it by path"));
}

TEST_CASE("a SIGKILL right after an output rotation cuts only the rotated file the checkpoint names") {
  rotation_fixture f;
  f.start_writing();
  auto seed = test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::vector<std::string> rotated;
  for (int i = 1; i <= 9; ++i) {
    auto child = f.start();
    f.wait_for_progress(200);
    auto to = f.out + ".r" + std::to_string(i);
    REQUIRE(std::rename(f.out.c_str(), to.c_str()) == 0);
    rotated.push_back(to);
    switch (i % 3) {
      case 0: // killed before anything is at the path again
        break;
      case 1: // a new empty file at the path (logrotate `create`), not yet noticed
        write_file(f.out, "");
        break;
      case 2: // noticed and written to, then killed a moment later
        write_file(f.out, "");
        child->signal(SIGHUP);
        REQUIRE(eventually([&] { return contains(child->err(), "reopened it by path"); }));
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
        break;
    }
    child->signal(SIGKILL);
    REQUIRE(child->wait() == 128 + SIGKILL);
  }
  auto written = f.stop_writing();
  auto last = f.start();
  REQUIRE(eventually([&] {
    delivery_verifier v;
    for (auto& r : rotated)
      v.on_text(read_file(r));
    v.on_text(read_file(f.out));
    return v.unique("a") >= written["a"] && v.unique("b") >= written["b"];
  }));
  last->signal(SIGTERM);
  CHECK(last->wait() == 0);
  require_union_clean(rotated, f.out, written, f.dir);
}
