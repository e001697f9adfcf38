// bulk: one pre-written file, read from head into a file sink, against `cat`.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/peer.hpp"
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

/// One collector's bulk run: logcatch (`p` null, plain or json) or a peer
/// (raw lines, like logcatch's plain format).
scenario_result run_collector(const bench_env& env, const std::string& input, uint64_t bytes,
                              const bulk_options& opts, bool json, double cat_mb_per_s,
                              const peer* p) {
  std::string format = json ? "json" : "plain";
  std::string name = p != nullptr ? p->name : "logcatch";
  scenario_result r{"bulk", p != nullptr ? "plain" : format, {}, 0, 0, false, {}};
  r.collector = name;
  auto dir = env.work_dir + "/bulk-" + name + "-" + format;
  fs::remove_all(dir);
  make_dir(dir);
  auto out = dir + "/out.log";
  std::vector<std::string> argv;
  if (p != nullptr) {
    argv = peer_command(*p, dir, {input}, out);
  } else {
    auto config = dir + "/config.yaml";
    std::ofstream(config) << "logs:\n  bulk: {path: " << input << ", read_from: head}\n"
                          << "sink: {type: file, path: " << out << ", format: " << format << "}\n"
                          << "state_dir: " << dir << "\nlog: {level: warn}\n";
    argv = {env.logcatch, "run", "--config", config};
  }
  sink_tail counter{out, {}};
  auto start = clock_type::now();
  child collector{argv, {}, dir + "/" + name + ".stderr"};
  long peak_rss = 0;
  // Done when the sink holds every line (plain: every byte), or when it has
  // not grown for 20 s (a peer that lost lines would never get there).
  auto deadline = start + std::chrono::minutes(5);
  uint64_t seen = 0;
  bool exited_early = false;
  auto last_growth = start;
  auto end = start;
  for (;;) {
    auto now = clock_type::now();
    uint64_t have = json ? (counter.poll(), counter.lines())
                         : (fs::exists(out) ? static_cast<uint64_t>(fs::file_size(out)) : 0);
    if (have > seen) {
      seen = have;
      last_growth = end = now;
    }
    if (!collector.running()) {
      exited_early = true;
      break;
    }
    if (have >= (json ? opts.lines : bytes) || now > deadline ||
        now - last_growth > std::chrono::seconds(20))
      break;
    peak_rss = std::max(peak_rss, collector.rss_kib_now());
    std::this_thread::sleep_for(std::chrono::milliseconds(json || p != nullptr ? 20 : 2));
  }
  // Until the last byte arrived; with nothing at all, the whole wait (rates 0).
  double wall = std::chrono::duration<double>((seen > 0 ? end : clock_type::now()) - start).count();
  // Rates of what arrived (all of it, unless the collector lost lines).
  double done = json ? static_cast<double>(seen) / static_cast<double>(opts.lines)
                     : static_cast<double>(seen) / static_cast<double>(bytes);
  double arrived_mb = bytes * done / 1e6;
  peak_rss = std::max(peak_rss, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("seconds", wall, "s");
  r.add("mb_per_s", arrived_mb / wall, "MB/s");
  r.add("lines_per_s", static_cast<double>(opts.lines) * done / wall, "lines/s");
  r.add("cpu_s_per_gb", done > 0 ? usage.cpu_seconds() / (arrived_mb / 1e3) : 0.0, "CPU s/GB");
  r.add("peak_rss_mb", peak_rss / 1024.0, "MB");
  r.add("ratio_to_cat", arrived_mb / wall / cat_mb_per_s);
  // A peer stopped by SIGTERM may report it in its exit code; only logcatch
  // promises a clean 0. Any collector that quit on its own failed.
  if ((p == nullptr && usage.exit_code != 0) || exited_early)
    r.note = name + " exited " + std::to_string(usage.exit_code) + " (see " + dir + "/" + name + ".stderr)";
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
    results.push_back(run_collector(env, input, bytes, opts, false, cat_rate, nullptr));
  }
  if (opts.json) {
    env.progress("bulk: logcatch, json");
    results.push_back(run_collector(env, input, bytes, opts, true, cat_rate, nullptr));
  }
  for (auto& p : opts.peers) {
    env.progress("bulk: " + p.name);
    results.push_back(run_collector(env, input, bytes, opts, false, cat_rate, &p));
  }
  fs::remove(input);
  return results;
}

} // namespace logcatch::bench
