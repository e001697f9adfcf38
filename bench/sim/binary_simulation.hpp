#pragma once

// Runs a sim::program against the real collector: the same file operations
// on real files (sim_files), and a `logcatch run --config CONFIG` child with
// a file sink for the collector events. Time stands in for the core's steps:
//
//   step n         ->  n * 4 ms pass
//   commit         ->  5 ms pass (the sink commits every 200 ms by itself)
//   crash_tailer   ->  the key's poll_interval changes, config rewritten, SIGHUP
//                      (the root stops the tailer and starts a new one where
//                      the sink says delivery ended)
//   reload_update  ->  every key's poll_interval changes, config rewritten, SIGHUP
//   kill           ->  SIGKILL (the next start cuts the output to its last commit)
//   stop           ->  SIGTERM, the exit code must be 0
//   start          ->  a new child, waited for until it says "running"
//
// At the end the writers complete their partial lines, the collector is
// started if down, and the runner waits until the output holds every line
// that must arrive (or 45 s pass without the output growing), stops it with
// SIGTERM and judges the output. The model's "committed" (a destroyed line
// that the collector had committed must arrive) is read from the state file:
// the lines within its committed output length.
//
// Order: the plain format names no source file, so order is checked per
// stream for plain keys only (their promise is file order across rotations);
// a glob key reads its files side by side (a stream's rotated copies among
// them), so its lines are not checked for order.

#include <functional>
#include <string>
#include <vector>

#include "bench/sim/core_simulation.hpp"
#include "bench/sim/sim_program.hpp"

namespace logcatch::sim {

/// A database the collector writes to instead of a file (issue 13): its
/// sink section for one run, and every line it holds. What it holds is
/// committed (rows and positions commit together), so the model's
/// "committed" lines are those.
struct database_target {
  /// The `sink:` mapping (flow style) for a run; `run` names a table of its
  /// own, so programs do not see each other's positions.
  std::function<std::string(const std::string& run)> sink_yaml;
  /// Every line in that run's table (order does not matter: only lost and
  /// duplicated lines are judged). Throws if the database cannot be asked.
  std::function<std::vector<std::string>(const std::string& run)> lines;
};

/// Runs `p` in a new folder under `scratch` with `logcatch_binary` as the
/// collector. The folder (config, files, out.log, state, collector.stderr,
/// program.txt, trace.txt) is removed afterwards unless `keep`, or unless the
/// run failed: the trace's first line then names it.
sim_result run_with_binary(const program& p, const std::string& scratch,
                           const std::string& logcatch_binary, bool keep = false);
/// The same, with the collector writing to `db`.
sim_result run_with_binary(const program& p, const std::string& scratch,
                           const std::string& logcatch_binary, const database_target& db);

/// shrink() against the real binary: slow (seconds a run), so a small budget.
program shrink_with_binary(const program& failing, const std::string& scratch,
                           const std::string& logcatch_binary, int budget = 30);

} // namespace logcatch::sim
