// live: writers append and rotate while logcatch runs; the driver follows
// the sink like a consumer and measures rate, lag and append -> sink latency.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/peer.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/sink_tail.hpp"
#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

/// The "@NS" write time in a stamped line, or 0.
uint64_t stamp_of(std::string_view line) {
  auto at = line.find(" @");
  if (at == std::string_view::npos)
    return 0;
  uint64_t ns = 0;
  for (auto i = at + 2; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
    ns = ns * 10 + static_cast<uint64_t>(line[i] - '0');
  return ns;
}

double percentile(std::vector<uint32_t>& samples, double p) {
  if (samples.empty())
    return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k), samples.end());
  return samples[k] / 1000.0; // microseconds -> ms
}

} // namespace

scenario_result run_live(const bench_env& env, const live_options& opts) {
  scenario_result r{"live", opts.variant, {}, 0, 0, false, {}};
  r.collector = opts.compare != nullptr ? opts.compare->name : "logcatch";
  auto dir = env.work_dir + "/live-" + r.collector + "-" + std::to_string(opts.files) + "-" +
             std::to_string(static_cast<long>(opts.lines_per_second));
  fs::remove_all(dir);
  make_dir(dir);
  auto out = dir + "/out.log";
  auto config = dir + "/config.yaml";
  std::vector<std::string> argv{env.logcatch, "run", "--config", config};
  if (opts.compare != nullptr) {
    // A peer follows each file by its name, through renames, as its
    // documentation recommends.
    std::vector<std::string> inputs;
    for (int i = 0; i < opts.files; ++i)
      inputs.push_back(dir + "/live" + std::to_string(i) + ".log");
    argv = peer_command(*opts.compare, dir, inputs, out);
  } else {
    // Globs that also match the rotated names: the robust setup for files
    // rotated faster than one can blink (see README, Rotation with globs).
    std::ofstream c(config);
    c << "logs:\n";
    for (int i = 0; i < opts.files; ++i)
      c << "  live" << i << ": {path: '" << dir << "/live" << i << ".log*', read_from: head}\n";
    c << "sink: {type: file, path: " << out << "}\nstate_dir: " << dir << "\nlog: {level: warn}\n";
  }
  std::vector<std::unique_ptr<numbered_writer>> writers;
  for (int i = 0; i < opts.files; ++i) {
    numbered_writer::options o;
    o.path = dir + "/live" + std::to_string(i) + ".log";
    o.stream = "live" + std::to_string(i);
    o.lines_per_second = opts.lines_per_second / opts.files;
    o.rotate_every = opts.rotate_every;
    o.timestamps = true;
    o.min_length = 40;
    o.max_length = 160;
    writers.push_back(std::make_unique<numbered_writer>(o));
  }

  delivery_verifier verifier{opts.rotate_every};
  std::vector<uint32_t> latency_us; // append -> seen in the sink
  latency_us.reserve(1 << 20);
  uint64_t now_ns = 0;
  sink_tail tail{out, [&](std::string_view line) {
                   verifier.on_line(line.data(), line.size());
                   if (auto stamp = stamp_of(line); stamp > 0 && now_ns > stamp)
                     latency_us.push_back(static_cast<uint32_t>(
                       std::min<uint64_t>((now_ns - stamp) / 1000, UINT32_MAX)));
                 }};
  child collector{argv, {}, dir + "/" + r.collector + ".stderr"};
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // let it start its tailers
  double cpu_before = collector.cpu_seconds_now();
  auto start = clock_type::now();
  for (auto& w : writers)
    w->start();
  long peak_rss = 0;
  auto poll = [&] {
    now_ns = numbered_writer::monotonic_ns();
    tail.poll();
    peak_rss = std::max(peak_rss, collector.rss_kib_now());
  };
  auto stop_at = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(opts.seconds));
  while (clock_type::now() < stop_at) {
    poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& w : writers)
    w->stop();
  auto stopped = clock_type::now();
  uint64_t written = 0;
  std::map<std::string, uint64_t> per_stream;
  for (auto& w : writers) {
    written += w->written();
    per_stream[w->opts().stream] = w->written();
    if (!w->error().empty())
      r.note = w->error();
  }
  uint64_t delivered_at_stop = tail.lines();
  double cpu_during = collector.cpu_seconds_now() - cpu_before;
  // Catch-up: how long after the writers stop until the sink has everything
  // (or, for a collector that lost lines, until it stopped growing for 15 s).
  auto deadline = stopped + std::chrono::seconds(60);
  auto last_line_at = stopped;
  for (uint64_t seen = tail.lines(); tail.lines() < written && clock_type::now() < deadline;) {
    poll();
    if (tail.lines() > seen) {
      seen = tail.lines();
      last_line_at = clock_type::now();
    } else if (clock_type::now() - last_line_at > std::chrono::seconds(15)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  bool caught_up = tail.lines() >= written;
  double catch_up_ms =
    std::chrono::duration<double, std::milli>((caught_up ? clock_type::now() : last_line_at) - stopped).count();
  peak_rss = std::max(peak_rss, collector.peak_rss_kib());
  bool exited_early = !collector.running();
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  tail.poll();
  double seconds = std::chrono::duration<double>(stopped - start).count();
  r.add("write_lines_per_s", written / seconds, "lines/s");
  r.add("delivered_lines_per_s", delivered_at_stop / seconds, "lines/s");
  r.add_count("lag_lines_at_stop", static_cast<int64_t>(written - std::min(written, delivered_at_stop)));
  r.add("catch_up_ms", catch_up_ms, "ms");
  r.add("latency_p50_ms", percentile(latency_us, 0.50), "ms");
  r.add("latency_p99_ms", percentile(latency_us, 0.99), "ms");
  r.add("latency_p999_ms", percentile(latency_us, 0.999), "ms");
  r.add("cpu_percent", 100.0 * cpu_during / seconds, "%");
  r.add("peak_rss_mb", peak_rss / 1024.0, "MB");
  uint64_t rotations = 0;
  for (auto& w : writers)
    rotations += w->rotations();
  r.add_count("rotations", static_cast<int64_t>(rotations));
  r.verified = true;
  for (auto& s : verifier.report(per_stream)) {
    r.lost += s.lost;
    r.duplicated += s.duplicated + s.out_of_order;
  }
  r.duplicated += verifier.malformed();
  if (!caught_up)
    r.note = "never caught up: catch_up_ms is until its last line";
  if ((exited_early || (opts.compare == nullptr && usage.exit_code != 0)))
    r.note = r.collector + " exited " + std::to_string(usage.exit_code) + " (see " + dir + "/" +
             r.collector + ".stderr)";
  return r;
}

} // namespace logcatch::bench
