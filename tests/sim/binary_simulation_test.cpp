#include "binary_program_runs.hpp"

using namespace logcatch;
using namespace logcatch::sim;
using logcatch::sim::test_runs::run_programs;

namespace {

/// Small programs: a real collector takes seconds where the core takes
/// milliseconds.
program_shape small_shape(bool collector_events) {
  program_shape shape;
  shape.max_keys = 2;
  shape.max_streams = 3;
  shape.ops = 50;
  shape.collector_events = collector_events;
  return shape;
}

} // namespace

TEST_CASE("simulation against the real binary: appends, rotations, copytruncate, truncation and deletion lose and repeat nothing") {
  run_programs(small_shape(false), 10, "files only");
}

TEST_CASE("simulation against the real binary: SIGKILLs, stops, restarts and reloads among the file operations lose and repeat nothing") {
  run_programs(small_shape(true), 20, "collector events");
}
