// distributed: K collector processes, each reading a pre-written file, ship
// over 127.0.0.1 (CAF's network layer) to one aggregator; lines/s at the
// aggregator's sink.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/sink_tail.hpp"
#include "bench/workload/loopback_port.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

scenario_result run_distributed(const bench_env& env, const distributed_options& opts) {
  scenario_result r{"distributed", std::to_string(opts.collectors) + " collectors", {}, 0, 0, false, {}};
  auto dir = env.work_dir + "/distributed";
  fs::remove_all(dir);
  make_dir(dir);
  auto out = dir + "/out.log";
  auto port = std::to_string(free_loopback_port());
  child aggregator{{env.logcatch, "aggregate", "--listen", "127.0.0.1:" + port, "--sink-path", out,
                    "--auth-token", "bench-token"},
                   {}, dir + "/aggregator.stderr"};
  auto deadline = clock_type::now() + std::chrono::seconds(30);
  while (read_all(dir + "/aggregator.stderr").find("listening on") == std::string::npos) {
    if (clock_type::now() > deadline || !aggregator.running())
      throw std::runtime_error("the aggregator did not start (see " + dir + "/aggregator.stderr)");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::map<std::string, uint64_t> written;
  uint64_t bytes = 0;
  std::vector<std::string> configs;
  for (int k = 0; k < opts.collectors; ++k) {
    auto name = "node" + std::to_string(k);
    auto node_dir = make_dir(dir + "/" + name);
    bytes += write_numbered_file(node_dir + "/app.log", name, opts.lines_per_collector, 20, 190);
    written[name] = opts.lines_per_collector;
    auto config = node_dir + "/config.yaml";
    std::ofstream(config) << "logs:\n  app: " << node_dir << "/app.log\n"
                          << "sink: {type: remote, address: '127.0.0.1:" << port << "', node: "
                          << name << ", auth_token: bench-token}\nlog: {level: warn}\n";
    configs.push_back(config);
  }
  uint64_t total = opts.lines_per_collector * static_cast<uint64_t>(opts.collectors);
  sink_tail counter{out, {}};
  auto start = clock_type::now();
  std::vector<std::unique_ptr<child>> collectors;
  for (auto& config : configs)
    collectors.push_back(std::make_unique<child>(
      std::vector<std::string>{env.logcatch, "run", "--config", config}, std::string(),
      fs::path(config).parent_path().string() + "/logcatch.stderr"));
  deadline = start + std::chrono::minutes(5);
  while (counter.lines() < total && clock_type::now() < deadline) {
    counter.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  double collector_cpu = 0;
  for (auto& c : collectors) {
    c->signal(SIGTERM);
    auto usage = c->wait();
    collector_cpu += usage.cpu_seconds();
    if (usage.exit_code != 0 && r.note.empty())
      r.note = "a collector exited " + std::to_string(usage.exit_code);
  }
  long aggregator_peak = aggregator.peak_rss_kib();
  aggregator.signal(SIGTERM);
  auto agg = aggregator.wait();
  r.add("lines_per_s", total / wall, "lines/s");
  r.add("mb_per_s", bytes / wall / 1e6, "MB/s");
  r.add("seconds", wall, "s");
  r.add("aggregator_cpu_s", agg.cpu_seconds(), "s");
  r.add("collectors_cpu_s", collector_cpu, "s");
  r.add("aggregator_peak_rss_mb", aggregator_peak / 1024.0, "MB");
  verify_sink(out, written, 0, r);
  return r;
}

} // namespace logcatch::bench
