// bulk: one pre-written file, read from head into a file sink, against `cat`.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/sink_tail.hpp"
#include "bench/workload/numbered_writer.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

std::string make_dir(const std::string& dir) {
  fs::create_directories(dir);
  return dir;
}

uint64_t write_numbered_file(const std::string& path, const std::string& stream, uint64_t lines,
                             std::size_t min_length, std::size_t max_length) {
  fs::remove(path);
  numbered_writer::options o;
  o.path = path;
  o.stream = stream;
  o.min_length = min_length;
  o.max_length = max_length;
  numbered_writer writer{o};
  writer.write_lines(lines);
  return fs::file_size(path);
}

namespace {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Reads the file once so every run starts from the page cache.
void warm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
  }
}

scenario_result run_cat(const bench_env& env, const std::string& input, uint64_t bytes) {
  scenario_result r{"bulk", "cat", {}, 0, 0, false, {}};
  auto out = env.work_dir + "/cat.out";
  auto start = clock_type::now();
  child cat{{"/bin/cat", input}, out, {}};
  auto usage = cat.wait();
  double wall = seconds_since(start);
  r.add("seconds", wall, "s");
  r.add("mb_per_s", bytes / wall / 1e6, "MB/s");
  r.add("cpu_s_per_gb", usage.cpu_seconds() / (bytes / 1e9), "CPU s/GB");
  fs::remove(out);
  return r;
}

scenario_result run_logcatch(const bench_env& env, const std::string& input, uint64_t bytes,
                             const bulk_options& opts, bool json, double cat_mb_per_s) {
  std::string format = json ? "json" : "plain";
  scenario_result r{"bulk", format, {}, 0, 0, false, {}};
  auto dir = make_dir(env.work_dir + "/bulk-" + format);
  auto out = dir + "/out.log";
  auto config = dir + "/config.yaml";
  fs::remove(out);
  fs::remove(dir + "/logcatch.state");
  std::ofstream(config) << "logs:\n  bulk: {path: " << input << ", read_from: head}\n"
                        << "sink: {type: file, path: " << out << ", format: " << format << "}\n"
                        << "state_dir: " << dir << "\nlog: {level: warn}\n";
  sink_tail counter{out, {}};
  auto start = clock_type::now();
  child collector{{env.logcatch, "run", "--config", config}, {}, dir + "/logcatch.stderr"};
  long peak_rss = 0;
  // Done when the sink holds every line (plain: every byte).
  auto deadline = start + std::chrono::minutes(5);
  for (;;) {
    bool done = json ? (counter.poll(), counter.lines() >= opts.lines)
                     : (fs::exists(out) && fs::file_size(out) >= bytes);
    if (done || clock_type::now() > deadline || !collector.running())
      break;
    peak_rss = std::max(peak_rss, collector.rss_kib_now());
    std::this_thread::sleep_for(std::chrono::milliseconds(json ? 20 : 2));
  }
  double wall = seconds_since(start);
  peak_rss = std::max(peak_rss, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("seconds", wall, "s");
  r.add("mb_per_s", bytes / wall / 1e6, "MB/s");
  r.add("lines_per_s", opts.lines / wall, "lines/s");
  r.add("cpu_s_per_gb", usage.cpu_seconds() / (bytes / 1e9), "CPU s/GB");
  r.add("peak_rss_mb", peak_rss / 1024.0, "MB");
  r.add("ratio_to_cat", bytes / wall / 1e6 / cat_mb_per_s);
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + dir + "/logcatch.stderr)";
  verify_sink(out, {{"bulk", opts.lines}}, 0, r);
  fs::remove(out);
  return r;
}

} // namespace

std::vector<scenario_result> run_bulk(const bench_env& env, const bulk_options& opts) {
  std::vector<scenario_result> results;
  auto input = make_dir(env.work_dir + "/bulk") + "/input.log";
  env.progress("bulk: writing " + std::to_string(opts.lines) + " lines");
  auto bytes = write_numbered_file(input, "bulk", opts.lines, opts.min_length, opts.max_length);
  warm(input);
  env.progress("bulk: cat");
  results.push_back(run_cat(env, input, bytes));
  double cat_rate = std::get<double>(results.back().figures.at(1).value);
  results.back().add("input_mb", bytes / 1e6, "MB");
  if (opts.plain) {
    env.progress("bulk: logcatch, plain");
    results.push_back(run_logcatch(env, input, bytes, opts, false, cat_rate));
  }
  if (opts.json) {
    env.progress("bulk: logcatch, json");
    results.push_back(run_logcatch(env, input, bytes, opts, true, cat_rate));
  }
  fs::remove(input);
  return results;
}

} // namespace logcatch::bench
