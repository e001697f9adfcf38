#include "bench/sim/core_simulation.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "test_support.hpp"

using namespace logcatch;
using namespace logcatch::sim;

namespace {

/// Runs random programs for about `seconds` (or the one LOGCATCH_TEST_SEED
/// names); a failure is shrunk and printed with its seed for replay.
void run_programs(const program_shape& shape, double seconds, const char* what) {
  test::temp_dir dir;
  const char* fixed = std::getenv("LOGCATCH_TEST_SEED");
  uint64_t seed = test::test_seed64();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t programs = 0, ops = 0, lines = 0, forgotten = 0;
  do {
    auto p = generate(seed, shape);
    auto r = run_in_core(p, dir.path());
    ++programs;
    ops += r.ops;
    lines += r.v.written;
    forgotten += r.forgotten;
    if (!r.ok()) {
      auto small = shrink(p, dir.path());
      auto again = run_in_core(small, dir.path(), false, true);
      FAIL(what << ": seed " << seed << " (replay: LOGCATCH_TEST_SEED=" << seed << "): "
                << r.summary() << "\n"
                << r.v.examples << "shrunk to " << small.ops.size() << " ops: "
                << again.summary() << "\n"
                << again.v.examples << describe(small) << "trace:\n"
                << again.trace);
    }
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
  } while (fixed == nullptr && std::chrono::steady_clock::now() < deadline);
  std::cout << what << ": " << programs << " programs, " << ops << " operations, " << lines
            << " lines, " << forgotten << " positions of gone files forgotten, 0 lost, 0 duplicated\n";
  CHECK(programs > 0);
}

} // namespace

TEST_CASE("simulation: appends, rotations, copytruncate, truncation and deletion while the tailers run lose and repeat nothing") {
  program_shape shape;
  shape.collector_events = false;
  run_programs(shape, 5, "files only");
}

TEST_CASE("simulation: crashes, kills, stops and reloads among every file operation lose and repeat nothing") {
  program_shape shape;
  run_programs(shape, 8, "collector events");
}

TEST_CASE("simulation: a glob of up to 200 files through every file operation and restarts loses and repeats nothing") {
  program_shape shape;
  shape.max_keys = 2;
  shape.max_streams = 200;
  shape.ops = 400;
  run_programs(shape, 5, "many files");
}

TEST_CASE("simulation: compressed rotated copies among every other operation lose and repeat nothing") {
  program_shape shape;
  shape.compress = true;
  run_programs(shape, 5, "compress");
}

// Programs the simulation or the soak once failed, each fixed since: run
// every time, whatever seed the random runs draw.
TEST_CASE("simulation: the programs that found earlier defects lose and repeat nothing") {
  test::temp_dir dir;
  program_shape files_only;
  files_only.collector_events = false;
  program_shape long_compress;
  long_compress.max_keys = 4;
  long_compress.max_streams = 20;
  long_compress.ops = 1500;
  long_compress.compress = true;
  struct known_case {
    uint64_t seed;
    program_shape shape;
    const char* defect;
  };
  std::vector<known_case> cases{
    {13197424772709650144ull, program_shape{}, "the sweep forgot a gone inode's position while its copy waited"},
    {17906982347418662444ull, files_only,
     "a new reading took over the position of a reading that had hashed nothing yet"},
    {14833178710744295876ull, long_compress,
     "a .gz on a reused inode replaced another file's known position"},
    {12737587202604730973ull, files_only,
     "a truncation's position replaced the inode's position of content copied away before"},
    {15781845254083942019ull, long_compress,
     "a .gz written on the inode of a .gz read before was taken for that one, its rest never read"},
    {14194680219086899917ull, long_compress, "the same, found by the same soak"},
    {4864316351762932623ull, long_compress, "the same, found by the same soak"},
  };
  for (auto& c : cases) {
    auto r = run_in_core(generate(c.seed, c.shape), dir.path());
    INFO("seed " << c.seed << " (" << c.defect << "): " << r.summary() << "\n" << r.v.examples);
    CHECK(r.ok());
  }
}
