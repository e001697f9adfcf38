// logcatch-bench: speed, cost and exactly-once of logcatch, measured together
// on real files with the real binary. See bench/RESULTS.md.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "bench/driver/report.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/child.hpp"
#include "bench/soak.hpp"

namespace fs = std::filesystem;
using namespace logcatch::bench;

int main(int argc, char** argv) {
  // `logcatch-bench soak ...`: the simulation without bound, its own flags.
  if (argc > 1 && std::string(argv[1]) == "soak")
    return logcatch::bench::run_soak(argc - 1, argv + 1);
  CLI::App app{"logcatch-bench: throughput, latency, CPU, memory and exactly-once of logcatch",
               "logcatch-bench"};
  bool quick = false;
  std::string scenarios = "bulk,live,many-files,chaos,distributed,restart";
  std::string json_path;
  std::string logcatch = own_folder() + "/logcatch";
  std::string work_dir;
  bulk_options bulk;
  live_options live;
  bool keep = false;
  std::string compare;
  app.add_flag("--quick", quick, "Seconds, not minutes: small workloads (what CTest runs)");
  app.add_option("--scenarios", scenarios,
                 "Comma-separated: bulk, live, many-files, chaos, distributed, restart, "
                 "postgresql, clickhouse (default: all but postgresql and clickhouse, which "
                 "start a private database server)");
  app.add_option("--json", json_path, "Also write one JSON object per result to this file");
  app.add_option("--logcatch", logcatch, "The logcatch binary (default: next to this one)");
  app.add_option("--work-dir", work_dir, "Scratch folder (default: a new one under /tmp)");
  app.add_flag("--keep", keep, "Keep the scratch folder");
  app.add_option("--compare", compare,
                 "Comma-separated peers to run the bulk and live workloads through too: "
                 "rsyslog, syslog-ng (unpacked by scripts/setup.sh --bench-peers)");
  auto* bulk_lines_option =
    app.add_option("--bulk-lines", bulk.lines, "bulk: lines in the file (default 10000000, ~1 GiB; postgresql: 2000000)");
  app.add_option("--live-files", live.files, "live: files written at once (default 8)");
  int many_files = 0;
  app.add_option("--many-files", many_files,
                 "many-files: files in the glob (default 1000; its state file size is reported)");
  app.add_option("--live-seconds", live.seconds, "live: how long writers write (default 10)");
  live.lines_per_second = 1'000'000;
  app.add_option("--live-rate", live.lines_per_second,
                 "live: lines/s of all writers together in the first run (default 1000000; 0 = max)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  bool bulk_lines_given = bulk_lines_option->count() > 0;
  {
    std::stringstream names(scenarios);
    std::string name;
    const std::set<std::string> known{"bulk",        "live",    "many-files", "chaos",
                                      "distributed", "restart", "postgresql", "clickhouse"};
    while (std::getline(names, name, ','))
      if (known.count(name) == 0) {
        std::cerr << "logcatch-bench: --scenarios: unknown scenario '" << name
                  << "' (bulk, live, many-files, chaos, distributed, restart, postgresql, "
                     "clickhouse)\n";
        return 2;
      }
  }
  std::vector<peer> peers;
  {
    std::stringstream names(compare);
    std::string name;
    while (std::getline(names, name, ',')) {
      std::string why;
      auto p = find_peer(name, own_folder() + "/bench-peers", why);
      if (!p) {
        std::cerr << "logcatch-bench: --compare: " << why << "\n";
        return 2;
      }
      peers.push_back(*p);
    }
  }
  if (!fs::exists(logcatch)) {
    std::cerr << "logcatch-bench: " << logcatch << ": not found (build it, or give --logcatch)\n";
    return 2;
  }
  bool own_dir = work_dir.empty();
  if (own_dir) {
    std::string pattern = (fs::temp_directory_path() / "logcatch-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "logcatch-bench: cannot create a scratch folder under /tmp\n";
      return 1;
    }
    work_dir = pattern;
  }
  bench_env env;
  env.logcatch = fs::absolute(logcatch).string();
  env.work_dir = make_dir(fs::absolute(work_dir).string());
  auto begin = std::chrono::steady_clock::now();
  env.progress = [begin](const std::string& what) {
    auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::cerr << "[" << static_cast<int>(s) << " s] " << what << std::endl;
  };

  auto wanted = [&](const std::string& name) {
    return ("," + scenarios + ",").find("," + name + ",") != std::string::npos;
  };
  std::vector<scenario_result> results;
  try {
    if (wanted("clickhouse")) {
      clickhouse_options ch;
      if (quick) {
        ch.bulk_lines = 200'000;
        ch.live_files = 2;
        ch.live_rate = 20'000;
        ch.live_seconds = 2;
      }
      for (auto& r : run_clickhouse(env, ch))
        results.push_back(std::move(r));
    }
    if (wanted("bulk")) {
      if (quick)
        bulk.lines = 200'000;
      bulk.peers = peers;
      for (auto& r : run_bulk(env, bulk))
        results.push_back(std::move(r));
    }
    if (wanted("live")) {
      // The throughput target (1 M lines/s over 8 files), then paced at
      // 10 k lines/s for latency. --live-rate 0: as fast as writers can.
      live_options fast = live;
      fast.variant = std::to_string(fast.files) + " files, " +
                     (live.lines_per_second > 0 ? std::to_string(static_cast<long>(live.lines_per_second)) +
                                                    " lines/s"
                                                : std::string("max rate"));
      live_options paced = live;
      paced.lines_per_second = 10'000;
      paced.seconds = std::min(live.seconds, 5.0);
      paced.variant = std::to_string(paced.files) + " files, 10k lines/s";
      if (quick) {
        fast.files = paced.files = 2;
        fast.seconds = paced.seconds = 2;
        fast.rotate_every = paced.rotate_every = 20'000;
        fast.lines_per_second = 200'000;
        fast.variant = "2 files, 200000 lines/s";
        paced.variant = "2 files, 10k lines/s";
      }
      env.progress("live: " + fast.variant);
      results.push_back(run_live(env, fast));
      env.progress("live: " + paced.variant);
      results.push_back(run_live(env, paced));
      for (auto& p : peers)
        for (auto* o : {&fast, &paced}) {
          live_options through_peer = *o;
          through_peer.compare = &p;
          env.progress("live: " + o->variant + " through " + p.name);
          results.push_back(run_live(env, through_peer));
        }
    }
    if (wanted("many-files")) {
      many_files_options many;
      if (quick) {
        many.files = 100;
        many.lines_per_second = 200;
        many.seconds = 1;
      }
      if (many_files > 0)
        many.files = many_files;
      env.progress("many-files: " + std::to_string(many.files) + " files");
      results.push_back(run_many_files(env, many));
    }
    if (wanted("chaos")) {
      chaos_options chaos;
      if (quick) {
        chaos.lines_per_second = 10'000;
        chaos.rotate_every = 4'000;
        chaos.crash_every_lines = 3'000;
        chaos.kill_every_ms = 700;
        chaos.seconds = 3;
      }
      env.progress("chaos: " + std::to_string(static_cast<int>(chaos.seconds)) + " s of kills and crashes");
      results.push_back(run_chaos(env, chaos));
    }
    if (wanted("distributed")) {
      distributed_options dist;
      if (quick)
        dist.lines_per_collector = 50'000;
      env.progress("distributed: " + std::to_string(dist.collectors) + " collectors -> 1 aggregator");
      results.push_back(run_distributed(env, dist));
    }
    if (wanted("restart")) {
      restart_options restart;
      if (quick)
        restart.seconds = 1;
      env.progress("restart: a tailer crashing every " + std::to_string(restart.crash_every_lines) +
                   " lines");
      results.push_back(run_restart(env, restart));
    }
    if (wanted("postgresql")) {
      postgresql_bench_options pg;
      if (quick) {
        pg.bulk_lines = 100'000;
        pg.live_rate = 10'000;
        pg.live_seconds = 2;
      }
      if (bulk_lines_given)
        pg.bulk_lines = bulk.lines;
      for (auto& r : run_postgresql(env, pg))
        results.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    std::cerr << "logcatch-bench: " << e.what() << "\n";
    return 1;
  }
  add_peer_ratios(results);
  print_table(std::cout, results);
  print_comparison(std::cout, results);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    write_json(out, results);
  }
  if (own_dir && !keep)
    fs::remove_all(work_dir);
  // Exactly-once is the one thing a benchmark run must not get wrong (of
  // logcatch: peers' losses are reported, not ours to fail on).
  for (auto& r : results) {
    if (r.scenario == "clickhouse" && !r.verified) { // its check is a query: it must have run
      std::cerr << "logcatch-bench: " << r.scenario << " " << r.variant << " not verified: "
                << r.note << "\n";
      return 1;
    }
    if (r.collector == "logcatch" && r.verified && !r.clean()) {
      std::cerr << "logcatch-bench: lines lost or duplicated in " << r.scenario << " " << r.variant
                << "\n";
      return 1;
    }
  }
  return 0;
}
