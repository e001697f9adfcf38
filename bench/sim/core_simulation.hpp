#pragma once

// Runs a sim::program on real files in a scratch folder against the pure
// delivery core, in-process and single-threaded: one file_set per key (what
// a tailer owns), one delivery_positions plus an output list (what the sink
// owns), checkpoints as the committer makes them. Crashes, SIGKILLs, stops
// and reloads are what they do to that state: a crash keeps the sink, a kill
// rolls the sink back to its last commit. The model then judges the output.

#include <cstdint>
#include <functional>
#include <string>

#include "bench/sim/delivery_model.hpp"
#include "bench/sim/sim_program.hpp"

namespace logcatch::sim {

struct sim_result {
  verdict v;
  uint64_t ops = 0;
  uint64_t forgotten = 0; ///< positions the tailers' sweeps forgot (files gone)
  std::string error; ///< an exception or a stuck drain, if any
  std::string trace; ///< with trace on: every op, batch and notice, in order
  bool ok() const { return error.empty() && v.ok(); }
  std::string summary() const;
};

/// Runs `p` in a new folder under `scratch` (removed afterwards unless `keep`).
sim_result run_in_core(const program& p, const std::string& scratch, bool keep = false,
                       bool trace = false);

/// Drops operations from a failing program while it still fails (chunks
/// first, then single ops), within `budget` runs. Returns the smallest found.
program shrink(const program& failing, const std::string& scratch, int budget = 400);
/// The same with any runner (the real binary's, say).
program shrink(const program& failing, const std::function<sim_result(const program&)>& run,
               int budget);

} // namespace logcatch::sim
