#pragma once

// The loop the simulations against the real binary share: random programs
// from one seed after another for about `seconds` (or only the program
// LOGCATCH_TEST_SEED names), each run against build/logcatch, a lost or
// repeated line failing the test with its seed, the program and the trace.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "bench/sim/binary_simulation.hpp"
#include "test_support.hpp"

namespace logcatch::sim::test_runs {

/// `db` null: the collector writes its file sink; else into that database.
inline void run_programs(const program_shape& shape, double seconds, const char* what,
                         const database_target* db = nullptr) {
  test::temp_dir dir;
  const char* fixed = std::getenv("LOGCATCH_TEST_SEED");
  uint64_t seed = test::test_seed64();
  const uint64_t first_seed = seed;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t programs = 0, ops = 0, lines = 0, must = 0, delivered = 0, out_of_order = 0;
  do {
    auto p = generate(seed, shape);
    auto r = db != nullptr ? run_with_binary(p, dir.path(), LOGCATCH_BINARY, *db)
                           : run_with_binary(p, dir.path(), LOGCATCH_BINARY);
    ++programs;
    ops += r.ops;
    lines += r.v.written;
    must += r.v.must;
    delivered += r.v.delivered;
    // Lost and duplicated lines fail the test. The plain output names no
    // source file, so order is judged across a plain key's files here,
    // which a kill during a rotation can still break (a limit the README
    // states): counted and printed, judged strictly in-process (per reading).
    out_of_order += r.v.out_of_order;
    if (!r.error.empty() || r.v.lost > 0 || r.v.duplicated > 0)
      FAIL(what << ": seed " << seed << " (replay: LOGCATCH_TEST_SEED=" << seed << "; "
                << "LOGCATCH_KEEP_TEST_DIRS=1 keeps the folder): " << r.summary() << "\n"
                << r.v.examples << describe(p) << "trace:\n"
                << r.trace);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
  } while (fixed == nullptr && std::chrono::steady_clock::now() < deadline);
  std::cout << what << " (real binary, first seed " << first_seed << "): " << programs << " programs, "
            << ops << " operations, " << lines << " lines (" << must << " must arrive), " << delivered
            << " delivered, 0 lost, 0 duplicated, " << out_of_order
            << " out of order across a plain key's files\n";
  CHECK(programs > 0);
}

} // namespace logcatch::sim::test_runs
