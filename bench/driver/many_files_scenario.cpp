// many-files: one glob key over many files that each get a trickle of lines;
// logcatch's CPU and RSS while they trickle and while nothing is written.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/sink_tail.hpp"
#include "bench/workload/numbered_writer.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

scenario_result run_many_files(const bench_env& env, const many_files_options& opts) {
  scenario_result r{"many-files", std::to_string(opts.files) + " files", {}, 0, 0, false, {}};
  auto dir = env.work_dir + "/many-" + std::to_string(opts.files);
  fs::remove_all(dir);
  make_dir(dir + "/logs");
  auto out = dir + "/out.log";
  auto config = dir + "/config.yaml";
  std::ofstream(config) << "logs:\n  many: {path: '" << dir << "/logs/*.log'}\n"
                        << "sink: {type: file, path: " << out << "}\nstate_dir: " << dir
                        << "\nlog: {level: warn}\n";
  std::vector<std::unique_ptr<numbered_writer>> writers;
  for (int i = 0; i < opts.files; ++i) {
    numbered_writer::options o;
    o.path = dir + "/logs/f" + std::to_string(i) + ".log";
    o.stream = "f" + std::to_string(i);
    writers.push_back(std::make_unique<numbered_writer>(o));
    writers.back()->write_lines(1); // every file exists from the start
  }
  child collector{{env.logcatch, "run", "--config", config}, {}, dir + "/logcatch.stderr"};
  sink_tail tail{out, {}};
  auto written = [&] {
    uint64_t n = 0;
    for (auto& w : writers)
      n += w->written();
    return n;
  };
  auto wait_delivered = [&](std::chrono::seconds limit) {
    auto deadline = clock_type::now() + limit;
    while (tail.lines() < written() && clock_type::now() < deadline) {
      tail.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  wait_delivered(std::chrono::seconds(60)); // all files found and read once

  // Trickle: lines_per_second spread over random files, for `seconds`.
  std::mt19937 rng(42);
  double cpu_before = collector.cpu_seconds_now();
  long peak_rss = 0;
  auto start = clock_type::now();
  auto stop_at = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(opts.seconds));
  uint64_t done = 0;
  while (clock_type::now() < stop_at) {
    auto elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    auto due = static_cast<uint64_t>(elapsed * opts.lines_per_second);
    for (; done < due; ++done)
      writers[rng() % writers.size()]->write_lines(1);
    peak_rss = std::max(peak_rss, collector.rss_kib_now());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double busy_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  double busy_cpu = collector.cpu_seconds_now() - cpu_before;
  wait_delivered(std::chrono::seconds(60));

  // Idle: nothing written at all.
  double idle_before = collector.cpu_seconds_now();
  auto idle_start = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(opts.seconds)); // a measuring window
  double idle_seconds = std::chrono::duration<double>(clock_type::now() - idle_start).count();
  double idle_cpu = collector.cpu_seconds_now() - idle_before;
  peak_rss = std::max(peak_rss, collector.rss_kib_now());

  peak_rss = std::max(peak_rss, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("trickle_lines_per_s", done / busy_seconds, "lines/s");
  r.add("cpu_percent_trickle", 100.0 * busy_cpu / busy_seconds, "%");
  r.add("cpu_percent_idle", 100.0 * idle_cpu / idle_seconds, "%");
  r.add("peak_rss_mb", peak_rss / 1024.0, "MB");
  // A position per file, committed every 200 ms while lines flow.
  std::error_code ec;
  auto state_bytes = fs::file_size(dir + "/logcatch.state", ec);
  r.add("state_file_kb", ec ? 0.0 : state_bytes / 1024.0, "KB");
  std::map<std::string, uint64_t> per_stream;
  for (auto& w : writers)
    per_stream[w->opts().stream] = w->written();
  verify_sink(out, per_stream, 0, r);
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + dir + "/logcatch.stderr)";
  return r;
}

} // namespace logcatch::bench
