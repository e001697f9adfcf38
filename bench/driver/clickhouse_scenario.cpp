// clickhouse: the ClickHouse sink into a private ClickHouse server, bulk
// catch-up and a live rate, each verified by query, side by side with the
// file sink on the same workload in the same run.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <httplib.h>

#include "bench/driver/child.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/workload/clickhouse_config.hpp"
#include "bench/workload/loopback_port.hpp"
#include "bench/workload/numbered_writer.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

/// A private ClickHouse for the scenario's lifetime.
class clickhouse_for_bench {
public:
  explicit clickhouse_for_bench(const std::string& dir)
    : dir_(make_dir(dir)), port_(free_loopback_port()) {
    write_clickhouse_config({dir_, port_, free_loopback_port(), ""});
    server_ = std::make_unique<child>(
      std::vector<std::string>{clickhouse_server_binary(), "--config-file=" + dir_ + "/config.xml"},
      "", dir_ + "/server.stderr");
    auto deadline = clock_type::now() + std::chrono::seconds(60);
    while (!answers("SELECT 1")) {
      if (clock_type::now() > deadline || !server_->running())
        throw std::runtime_error("ClickHouse did not start (see " + dir_ + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~clickhouse_for_bench() {
    server_->signal(SIGTERM);
    server_->wait(std::chrono::seconds(60));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// A number the query answers; -1 when it fails (no table yet).
  int64_t number(const std::string& sql) const {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(std::chrono::seconds(60));
    auto res = cli.Post("/", sql, "text/plain");
    if (!res || res->status != 200)
      return -1;
    return std::stoll(res->body);
  }

private:
  bool answers(const std::string& sql) const { return number(sql) >= 0; }
  std::string dir_;
  int port_;
  std::unique_ptr<child> server_;
};

std::string sink_config(const clickhouse_for_bench& ch, const std::string& table) {
  return "sink: {type: clickhouse, url: " + ch.url() + ", database: bench, table: " + table +
         "}\nlog: {level: warn}\n";
}

/// lost/duplicated from the table: every line has its own (file, offset).
void verify_by_query(const clickhouse_for_bench& ch, const std::string& table, uint64_t expected,
                     scenario_result& r) {
  auto rows = ch.number("SELECT count() FROM bench." + table);
  auto unique = ch.number("SELECT uniqExact(file, offset) FROM bench." + table);
  if (rows < 0 || unique < 0) {
    r.note = "the table could not be queried";
    return;
  }
  r.verified = true;
  r.duplicated = static_cast<uint64_t>(rows - unique);
  r.lost = expected > static_cast<uint64_t>(unique) ? expected - static_cast<uint64_t>(unique) : 0;
}

/// Waits until `table` holds `expected` rows or stops growing for 30 s;
/// returns when the last row arrived and the collector's peak RSS.
clock_type::time_point wait_for_rows(const clickhouse_for_bench& ch, const std::string& table,
                                     uint64_t expected, child& collector, long& peak_rss) {
  int64_t seen = 0;
  auto last_growth = clock_type::now();
  for (;;) {
    auto have = ch.number("SELECT count() FROM bench." + table);
    auto now = clock_type::now();
    if (have > seen) {
      seen = have;
      last_growth = now;
    }
    peak_rss = std::max(peak_rss, collector.rss_kib_now());
    if (static_cast<uint64_t>(std::max<int64_t>(seen, 0)) >= expected || !collector.running() ||
        now - last_growth > std::chrono::seconds(30))
      return last_growth;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// `inflight`: the key's max_inflight_bytes, or empty for the default.
scenario_result run_clickhouse_bulk(const bench_env& env, const clickhouse_for_bench& ch,
                                    const std::string& input, const clickhouse_options& opts,
                                    const std::string& table, const std::string& inflight) {
  scenario_result r{"clickhouse", inflight.empty() ? "bulk" : "bulk, max_inflight_bytes " + inflight,
                    {}, 0, 0, false, {}};
  auto dir = make_dir(env.work_dir + "/clickhouse-" + table);
  auto config = dir + "/config.yaml";
  std::ofstream(config) << "logs:\n  bulk: {path: " << input << ", read_from: head"
                        << (inflight.empty() ? "" : ", max_inflight_bytes: " + inflight) << "}\n"
                        << sink_config(ch, table);
  auto start = clock_type::now();
  child collector{{env.logcatch, "run", "--config", config}, {}, dir + "/logcatch.stderr"};
  long peak_rss = 0;
  auto end = wait_for_rows(ch, table, opts.bulk_lines, collector, peak_rss);
  double wall = std::chrono::duration<double>(end - start).count();
  peak_rss = std::max(peak_rss, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("seconds", wall, "s");
  r.add("lines_per_s", static_cast<double>(opts.bulk_lines) / wall, "lines/s");
  r.add("cpu_s", usage.cpu_seconds(), "s");
  r.add("peak_rss_mb", peak_rss / 1024.0, "MB");
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + dir + ")";
  verify_by_query(ch, table, opts.bulk_lines, r);
  return r;
}

scenario_result run_clickhouse_live(const bench_env& env, const clickhouse_for_bench& ch,
                                    const clickhouse_options& opts) {
  scenario_result r{"clickhouse", "live, " + std::to_string(opts.live_files) + " files, " +
                                    std::to_string(static_cast<long>(opts.live_rate)) + " lines/s",
                    {}, 0, 0, false, {}};
  auto dir = make_dir(env.work_dir + "/clickhouse-live");
  auto config = dir + "/config.yaml";
  std::ofstream(config) << "logs:\n  live: {path: " << dir << "/live-*.log}\n"
                        << sink_config(ch, "live");
  std::vector<std::unique_ptr<numbered_writer>> writers;
  for (int i = 0; i < opts.live_files; ++i) {
    numbered_writer::options o;
    o.path = dir + "/live-" + std::to_string(i) + ".log";
    o.stream = "live" + std::to_string(i);
    o.lines_per_second = opts.live_rate / opts.live_files;
    o.min_length = opts.min_length;
    o.max_length = opts.max_length;
    writers.push_back(std::make_unique<numbered_writer>(o));
    writers.back()->write_lines(1); // the files exist before the collector looks
  }
  child collector{{env.logcatch, "run", "--config", config}, {}, dir + "/logcatch.stderr"};
  // The first line of each file is in: the collector runs.
  long peak_rss = 0;
  auto ready = clock_type::now() + std::chrono::seconds(60);
  while (ch.number("SELECT count() FROM bench.live") < opts.live_files && clock_type::now() < ready)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto start = clock_type::now();
  for (auto& w : writers)
    w->start();
  std::this_thread::sleep_for(std::chrono::duration<double>(opts.live_seconds)); // the scenario's length
  uint64_t total = 0;
  for (auto& w : writers) {
    w->stop();
    total += w->written();
  }
  auto writers_done = clock_type::now();
  auto end = wait_for_rows(ch, "live", total, collector, peak_rss);
  double writing = std::chrono::duration<double>(writers_done - start).count();
  double lag = std::max(0.0, std::chrono::duration<double>(end - writers_done).count());
  peak_rss = std::max(peak_rss, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("written_lines_per_s", static_cast<double>(total - opts.live_files) / writing, "lines/s");
  r.add("delivered_lines_per_s", static_cast<double>(total - opts.live_files) / (writing + lag),
        "lines/s");
  r.add("lag_at_end_s", lag, "s");
  r.add("cpu_s", usage.cpu_seconds(), "s");
  r.add("peak_rss_mb", peak_rss / 1024.0, "MB");
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + dir + ")";
  verify_by_query(ch, "live", total, r);
  return r;
}

} // namespace

std::vector<scenario_result> run_clickhouse(const bench_env& env, const clickhouse_options& opts) {
  std::vector<scenario_result> results;
  env.progress("clickhouse: starting a private ClickHouse server");
  clickhouse_for_bench ch{env.work_dir + "/clickhouse-server"};
  auto input = make_dir(env.work_dir + "/clickhouse-input") + "/input.log";
  env.progress("clickhouse: writing " + std::to_string(opts.bulk_lines) + " lines");
  write_numbered_file(input, "bulk", opts.bulk_lines, opts.min_length, opts.max_length);
  env.progress("clickhouse: bulk into ClickHouse");
  results.push_back(run_clickhouse_bulk(env, ch, input, opts, "bulk", ""));
  // With the default 8 MiB of credit a key never fills a 16 MiB write, so
  // each write waits max_delay; with more credit the writes are full.
  env.progress("clickhouse: bulk into ClickHouse, max_inflight_bytes 64MiB");
  results.push_back(run_clickhouse_bulk(env, ch, input, opts, "bulk_credit", "64MiB"));
  fs::remove(input);
  // The file sink on the same workloads, in the same run.
  bulk_options file_bulk;
  file_bulk.lines = opts.bulk_lines;
  file_bulk.min_length = opts.min_length;
  file_bulk.max_length = opts.max_length;
  file_bulk.plain = false;
  env.progress("clickhouse: the same bulk into a file (json)");
  for (auto& r : run_bulk(env, file_bulk))
    results.push_back(std::move(r));
  env.progress("clickhouse: live into ClickHouse");
  results.push_back(run_clickhouse_live(env, ch, opts));
  live_options file_live;
  file_live.files = opts.live_files;
  file_live.lines_per_second = opts.live_rate;
  file_live.rotate_every = 0;
  file_live.seconds = opts.live_seconds;
  file_live.variant = std::to_string(opts.live_files) + " files, " +
                      std::to_string(static_cast<long>(opts.live_rate)) + " lines/s, file sink";
  env.progress("clickhouse: the same live rate into a file");
  results.push_back(run_live(env, file_live));
  return results;
}

} // namespace logcatch::bench
