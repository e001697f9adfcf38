#pragma once

// The benchmark's scenarios. Each runs the real `logcatch` binary as a child
// process on files in a work folder, measures it from outside (wall clock,
// the OS's CPU and RSS figures, the sink file as a consumer sees it) and
// verifies every numbered line arrived exactly once.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/driver/peer.hpp"
#include "bench/driver/report.hpp"

namespace logcatch::bench {

struct bench_env {
  std::string logcatch;  ///< path of the logcatch binary
  std::string work_dir;  ///< scratch folder (files, sinks, state)
  std::function<void(const std::string&)> progress; ///< one line on stderr
};

struct bulk_options {
  uint64_t lines = 10'000'000; ///< ~1 GiB with the default lengths
  std::size_t min_length = 20; ///< line lengths (without '\n') vary between these
  std::size_t max_length = 190;
  bool plain = true;
  bool json = true;
  std::vector<peer> peers; ///< --compare: the same file through each of these
};

/// A pre-written file (in page cache) read from head to a file sink; `cat`
/// of the same file in the same run as the yardstick.
std::vector<scenario_result> run_bulk(const bench_env& env, const bulk_options& opts);

struct live_options {
  int files = 8;
  double lines_per_second = 0; ///< all writers together; 0 = as fast as they can
  uint64_t rotate_every = 200'000; ///< lines per file before a rename rotation (0 = never)
  double seconds = 10;
  std::string variant;         ///< label in the report
  const peer* compare = nullptr; ///< run this peer instead of logcatch (--compare)
};

/// Writers append (stamping each line with its write time) and rotate while
/// logcatch runs; the driver follows the sink and measures rate, lag at the
/// end and append -> sink latency.
scenario_result run_live(const bench_env& env, const live_options& opts);

struct many_files_options {
  int files = 1000;
  double lines_per_second = 1000; ///< all files together (a line per file per second)
  double seconds = 10;            ///< of trickle, then as long idle
};

/// One glob key over many files that each get a trickle of lines: CPU and
/// RSS of logcatch while they trickle and while nothing is written.
scenario_result run_many_files(const bench_env& env, const many_files_options& opts);

struct chaos_options {
  int files = 4;                       ///< half rotated by rename, half by copytruncate
  double lines_per_second = 50'000;    ///< all writers together
  uint64_t rotate_every = 20'000;
  uint64_t crash_every_lines = 7'000;  ///< tailer fault hook
  unsigned kill_every_ms = 2'000;      ///< SIGKILL of the collector, randomized around this
  double seconds = 20;
};

/// Live writing with rotations, tailer crashes and collector SIGKILLs: what
/// recovery costs, and lost/duplicated (must be 0/0).
scenario_result run_chaos(const bench_env& env, const chaos_options& opts);

struct distributed_options {
  int collectors = 2;
  uint64_t lines_per_collector = 3'000'000; ///< pre-written, read from head
};

/// K collector processes ship pre-written files to one aggregator over
/// 127.0.0.1: lines/s at the aggregator's sink, CPU, exactly-once.
scenario_result run_distributed(const bench_env& env, const distributed_options& opts);

struct restart_options {
  double lines_per_second = 5'000;
  uint64_t crash_every_lines = 1'000; ///< a crash every 200 ms at the default rate
  double seconds = 5;
};

/// A tailer crashing again and again: time from its death to its successor
/// reading, from logcatch's own log; exactly-once through it all.
scenario_result run_restart(const bench_env& env, const restart_options& opts);

struct clickhouse_options {
  uint64_t bulk_lines = 2'000'000;
  std::size_t min_length = 20; ///< line lengths, as bulk's
  std::size_t max_length = 190;
  int live_files = 4;
  double live_rate = 100'000; ///< lines/s of all writers together
  double live_seconds = 10;
};

/// The ClickHouse sink into a private ClickHouse server (clickhouse-server
/// installed): bulk catch-up and a live rate, verified by query, with the
/// file sink on the same workloads in the same run.
std::vector<scenario_result> run_clickhouse(const bench_env& env, const clickhouse_options& opts);

/// Writes `path` anew with `lines` numbered lines of stream `stream` (as
/// numbered_writer makes them, lengths between the two bounds); returns its size.
struct postgresql_bench_options {
  uint64_t bulk_lines = 2'000'000; ///< pre-written, read from head
  double live_rate = 50'000;       ///< lines/s of the live writer
  double live_seconds = 10;
};

/// A private PostgreSQL 15 (needs the postgresql package and root, for
/// runuser): bulk catch-up and a live rate into the PostgreSQL sink, each
/// next to the same workload into a file sink, verified by query.
std::vector<scenario_result> run_postgresql(const bench_env& env, const postgresql_bench_options& opts);

uint64_t write_numbered_file(const std::string& path, const std::string& stream, uint64_t lines,
                             std::size_t min_length, std::size_t max_length);

/// Creates `dir` (and parents); returns it.
std::string make_dir(const std::string& dir);

} // namespace logcatch::bench
