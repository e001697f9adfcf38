// chaos: live writing with rotations by rename and copytruncate, tailers
// crashing on purpose (fault hook) and the collector SIGKILLed and started
// again every few seconds; every line must still arrive exactly once.

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

scenario_result run_chaos(const bench_env& env, const chaos_options& opts) {
  scenario_result r{"chaos", std::to_string(opts.files) + " files", {}, 0, 0, false, {}};
  auto dir = env.work_dir + "/chaos";
  fs::remove_all(dir);
  make_dir(dir);
  auto out = dir + "/out.log";
  auto config = dir + "/config.yaml";
  std::vector<std::unique_ptr<numbered_writer>> writers;
  {
    std::ofstream c(config);
    c << "logs:\n";
    for (int i = 0; i < opts.files; ++i) {
      bool copy = i % 2 == 1; // half rotate by copytruncate, half by rename
      auto name = std::string(copy ? "copied" : "renamed") + std::to_string(i);
      c << "  " << name << ": {path: '" << dir << "/" << name << ".log*', "
        << "fault: {crash_every_lines: " << opts.crash_every_lines << "}}\n";
      numbered_writer::options o;
      o.path = dir + "/" + name + ".log";
      o.stream = name;
      o.lines_per_second = opts.lines_per_second / opts.files;
      o.rotate_every = opts.rotate_every;
      o.mode = copy ? rotation_mode::copytruncate : rotation_mode::rename;
      writers.push_back(std::make_unique<numbered_writer>(o));
    }
    c << "sink: {type: file, path: " << out << "}\nstate_dir: " << dir << "\nlog: {level: warn}\n";
  }
  std::vector<std::string> argv{env.logcatch, "run", "--config", config};
  auto collector = std::make_unique<child>(argv, std::string(), dir + "/logcatch.stderr");
  for (auto& w : writers)
    w->start();
  std::mt19937 rng(7);
  int kills = 0;
  auto start = clock_type::now();
  auto stop_at = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(opts.seconds));
  while (clock_type::now() < stop_at) {
    auto pause = std::chrono::milliseconds(opts.kill_every_ms / 2 + rng() % opts.kill_every_ms);
    std::this_thread::sleep_for(std::min<clock_type::duration>(pause, stop_at - clock_type::now()));
    if (clock_type::now() >= stop_at)
      break;
    collector->signal(SIGKILL);
    collector->wait();
    ++kills;
    collector = std::make_unique<child>(argv, std::string(), dir + "/logcatch.stderr");
  }
  for (auto& w : writers)
    w->stop();
  double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::map<std::string, uint64_t> written;
  uint64_t total = 0;
  uint64_t rotations = 0;
  for (auto& w : writers) {
    written[w->opts().stream] = w->written();
    total += w->written();
    rotations += w->rotations();
    if (!w->error().empty())
      r.note = w->error();
  }
  // The last collector finishes the job.
  sink_tail tail{out, {}};
  auto stopped = clock_type::now();
  while (tail.lines() < total && clock_type::now() < stopped + std::chrono::seconds(120)) {
    tail.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double catch_up_ms = std::chrono::duration<double, std::milli>(clock_type::now() - stopped).count();
  collector->signal(SIGTERM);
  auto usage = collector->wait();
  r.add("write_lines_per_s", total / seconds, "lines/s");
  r.add_count("collector_kills", kills);
  r.add_count("rotations", static_cast<int64_t>(rotations));
  r.add("catch_up_ms", catch_up_ms, "ms");
  // Recovery's cost: the delivered rate over the whole run, catch-up included.
  r.add("delivered_lines_per_s", total / (seconds + catch_up_ms / 1000.0), "lines/s");
  verify_sink(out, written, opts.rotate_every, r);
  if (usage.exit_code != 0 && r.note.empty())
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + dir + "/logcatch.stderr)";
  return r;
}

} // namespace logcatch::bench
