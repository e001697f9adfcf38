// postgresql: the PostgreSQL sink against a private PostgreSQL 15 started
// for the run, side by side with the file sink on the same workloads: bulk
// catch-up of a pre-written file, and a live rate. Lines are verified by
// querying the database (file sink: by reading its file).

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/sink_tail.hpp"
#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "bench/workload/postgresql_server.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

enum class sink_kind { file, postgresql };

struct run_setup {
  const bench_env* env = nullptr;
  const postgresql_server* pg = nullptr;
  sink_kind kind = sink_kind::file;
  std::string dir;
  std::string out; ///< file sink's output
  std::string table;
};

std::string sink_yaml(const run_setup& s) {
  if (s.kind == sink_kind::file)
    return "sink: {type: file, path: " + s.out + ", format: json}\nstate_dir: " + s.dir + "\n";
  return "sink:\n  type: postgresql\n  dsn: \"" + s.pg->dsn() + "\"\n  password_file: " +
         s.pg->password_file() + "\n  table: " + s.table + "\n";
}

/// Whether the sink holds everything: `lines` lines (file sink), or
/// positions up to `bytes` (the database: its small positions table is
/// polled, since a count(*) of the growing table every few ms would load
/// the server it measures).
bool all_delivered(const run_setup& s, sink_tail* tail, uint64_t lines, uint64_t bytes) {
  if (s.kind == sink_kind::file) {
    tail->poll();
    return tail->lines() >= lines;
  }
  auto n = s.pg->number("SELECT coalesce(sum(\"offset\"), 0) FROM " + s.table +
                        "_positions WHERE inode <> 0");
  return n >= 0 && static_cast<uint64_t>(n) >= bytes;
}

/// Lines in the sink now (at the live run's stop, for the lag).
uint64_t delivered_lines(const run_setup& s, sink_tail* tail) {
  if (s.kind == sink_kind::file) {
    tail->poll();
    return tail->lines();
  }
  auto n = s.pg->number("SELECT count(*) FROM " + s.table);
  return n < 0 ? 0 : static_cast<uint64_t>(n);
}

/// Lost and duplicated, line by line (the database: by query, per file in offset order).
void verify(const run_setup& s, const std::map<std::string, uint64_t>& written, scenario_result& r) {
  if (s.kind == sink_kind::file) {
    verify_sink(s.out, written, 0, r);
    return;
  }
  delivery_verifier v;
  for (auto& row : s.pg->query("SELECT line FROM " + s.table + " ORDER BY inode, \"offset\""))
    v.on_line(row[0].data(), row[0].size());
  r.verified = true;
  for (auto& rep : v.report(written)) {
    r.lost += rep.lost;
    r.duplicated += rep.duplicated + rep.out_of_order;
  }
  r.duplicated += v.malformed();
}

run_setup setup_for(const bench_env& env, const postgresql_server& pg, sink_kind kind,
                    const std::string& name) {
  run_setup s;
  s.env = &env;
  s.pg = &pg;
  s.kind = kind;
  s.dir = env.work_dir + "/" + name;
  fs::remove_all(s.dir);
  make_dir(s.dir);
  s.out = s.dir + "/out.log";
  s.table = "bench_" + std::to_string(std::hash<std::string>{}(name) % 100000);
  return s;
}

const char* kind_name(sink_kind kind) {
  return kind == sink_kind::file ? "file sink (json)" : "postgresql sink";
}

scenario_result run_bulk_into(const bench_env& env, const postgresql_server& pg, sink_kind kind,
                              const std::string& input, uint64_t lines, uint64_t bytes) {
  auto s = setup_for(env, pg, kind, std::string("pg-bulk-") + (kind == sink_kind::file ? "file" : "pg"));
  scenario_result r{"postgresql", std::string("bulk, ") + kind_name(kind), {}, 0, 0, false, {}};
  auto config = s.dir + "/config.yaml";
  std::ofstream(config) << "logs:\n  bulk: " << input << "\n" << sink_yaml(s) << "log: {level: warn}\n";
  sink_tail tail{s.out, {}};
  auto start = clock_type::now();
  child collector{{env.logcatch, "run", "--config", config}, {}, s.dir + "/logcatch.stderr"};
  auto deadline = start + std::chrono::minutes(10);
  long peak = 0;
  while (!all_delivered(s, &tail, lines, bytes) && clock_type::now() < deadline &&
         collector.running()) {
    peak = std::max(peak, collector.rss_kib_now());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  peak = std::max(peak, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("seconds", wall, "s");
  r.add("lines_per_s", lines / wall, "lines/s");
  r.add("mb_per_s", bytes / wall / 1e6, "MB/s");
  r.add("collector_cpu_s", usage.cpu_seconds(), "s");
  r.add("peak_rss_mb", peak / 1024.0, "MB");
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + s.dir + "/logcatch.stderr)";
  verify(s, {{"bulk", lines}}, r);
  return r;
}

scenario_result run_live_into(const bench_env& env, const postgresql_server& pg, sink_kind kind,
                              const postgresql_bench_options& opts) {
  auto s = setup_for(env, pg, kind, std::string("pg-live-") + (kind == sink_kind::file ? "file" : "pg"));
  scenario_result r{"postgresql",
                    "live " + std::to_string(static_cast<long>(opts.live_rate)) + " lines/s, " +
                      kind_name(kind),
                    {}, 0, 0, false, {}};
  numbered_writer::options o;
  o.path = s.dir + "/live.log";
  o.stream = "live";
  o.lines_per_second = opts.live_rate;
  numbered_writer writer{o};
  auto config = s.dir + "/config.yaml";
  std::ofstream(config) << "logs:\n  live: " << o.path << "\n" << sink_yaml(s) << "log: {level: warn}\n";
  sink_tail tail{s.out, {}};
  child collector{{env.logcatch, "run", "--config", config}, {}, s.dir + "/logcatch.stderr"};
  writer.start();
  auto start = clock_type::now();
  long peak = 0;
  while (clock_type::now() - start < std::chrono::duration<double>(opts.live_seconds)) {
    peak = std::max(peak, collector.rss_kib_now());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  writer.stop();
  auto written = writer.written();
  auto written_bytes = static_cast<uint64_t>(fs::file_size(o.path));
  double write_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  auto stopped = clock_type::now();
  uint64_t at_stop = delivered_lines(s, &tail);
  auto deadline = stopped + std::chrono::minutes(5);
  while (!all_delivered(s, &tail, written, written_bytes) && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double catch_up = std::chrono::duration<double>(clock_type::now() - stopped).count();
  peak = std::max(peak, collector.peak_rss_kib());
  collector.signal(SIGTERM);
  auto usage = collector.wait();
  r.add("written_lines_per_s", written / write_seconds, "lines/s");
  r.add("lag_at_stop_lines", static_cast<double>(written - std::min(written, at_stop)), "lines");
  r.add("catch_up_s", catch_up, "s");
  r.add("collector_cpu_s", usage.cpu_seconds(), "s");
  r.add("peak_rss_mb", peak / 1024.0, "MB");
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + s.dir + "/logcatch.stderr)";
  verify(s, {{"live", written}}, r);
  return r;
}

} // namespace

std::vector<scenario_result> run_postgresql(const bench_env& env, const postgresql_bench_options& opts) {
  std::vector<scenario_result> results;
  env.progress("postgresql: starting a private PostgreSQL 15");
  postgresql_server pg{make_dir(env.work_dir + "/pg")};
  auto input = make_dir(env.work_dir + "/pg-input") + "/bulk.log";
  env.progress("postgresql: writing " + std::to_string(opts.bulk_lines) + " lines");
  auto bytes = write_numbered_file(input, "bulk", opts.bulk_lines, 20, 190);
  for (auto kind : {sink_kind::file, sink_kind::postgresql}) {
    env.progress(std::string("postgresql: bulk into the ") + kind_name(kind));
    results.push_back(run_bulk_into(env, pg, kind, input, opts.bulk_lines, bytes));
  }
  fs::remove(input);
  for (auto kind : {sink_kind::file, sink_kind::postgresql}) {
    env.progress(std::string("postgresql: live into the ") + kind_name(kind));
    results.push_back(run_live_into(env, pg, kind, opts));
  }
  return results;
}

} // namespace logcatch::bench
