// restart: a tailer crashes on purpose (fault hook) again and again while a
// writer appends; how long from its death until its successor reads again,
// taken from logcatch's own log (the root's "went down" and the new
// tailer's "resumed", millisecond timestamps).

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/driver/child.hpp"
#include "bench/driver/scenarios.hpp"
#include "bench/driver/sink_tail.hpp"
#include "bench/workload/numbered_writer.hpp"

namespace logcatch::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

/// Milliseconds of the day of a log line "YYYY-MM-DDTHH:MM:SS.mmmZ ...", or -1.
long long log_ms(const std::string& line) {
  if (line.size() < 24 || line[10] != 'T' || line[23] != 'Z')
    return -1;
  try {
    long long h = std::stoll(line.substr(11, 2));
    long long m = std::stoll(line.substr(14, 2));
    long long s = std::stoll(line.substr(17, 2));
    long long ms = std::stoll(line.substr(20, 3));
    return ((h * 60 + m) * 60 + s) * 1000 + ms;
  } catch (const std::exception&) {
    return -1;
  }
}

} // namespace

scenario_result run_restart(const bench_env& env, const restart_options& opts) {
  scenario_result r{"restart", "tailer crash -> reading again", {}, 0, 0, false, {}};
  auto dir = env.work_dir + "/restart";
  fs::remove_all(dir);
  make_dir(dir);
  auto out = dir + "/out.log";
  auto config = dir + "/config.yaml";
  auto log = dir + "/logcatch.stderr";
  // The restart policy's first delay (10 ms, the default) applies to every
  // crash: failures are spaced further apart than reset_after.
  std::ofstream(config) << "logs:\n  app: {path: " << dir << "/app.log, fault: {crash_every_lines: "
                        << opts.crash_every_lines << "}}\n"
                        << "sink: {type: file, path: " << out << "}\nstate_dir: " << dir
                        << "\nsupervision: {max_restarts: 1000, backoff: {initial: 10ms, max: 10ms, "
                           "reset_after: 100ms}}\nlog: {level: info}\n";
  numbered_writer::options o;
  o.path = dir + "/app.log";
  o.stream = "app";
  o.lines_per_second = opts.lines_per_second;
  numbered_writer writer{o};
  child collector{{env.logcatch, "run", "--config", config}, {}, log};
  writer.start();
  std::this_thread::sleep_for(std::chrono::duration<double>(opts.seconds)); // the workload runs
  writer.stop();
  sink_tail tail{out, {}};
  auto deadline = clock_type::now() + std::chrono::seconds(60);
  while (tail.lines() < writer.written() && clock_type::now() < deadline) {
    tail.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  collector.signal(SIGTERM);
  auto usage = collector.wait();

  std::vector<long long> gaps;
  std::ifstream in(log);
  std::string line;
  long long down_at = -1;
  while (std::getline(in, line)) {
    if (line.find("tailer[app] went down") != std::string::npos) {
      down_at = log_ms(line);
    } else if (down_at >= 0 && line.find("tailer[app]: resumed") != std::string::npos) {
      auto up_at = log_ms(line);
      if (up_at >= down_at)
        gaps.push_back(up_at - down_at);
      down_at = -1;
    }
  }
  std::sort(gaps.begin(), gaps.end());
  auto at = [&](double p) {
    return gaps.empty() ? 0.0 : static_cast<double>(gaps[static_cast<std::size_t>(p * (gaps.size() - 1))]);
  };
  r.add_count("crashes_measured", static_cast<int64_t>(gaps.size()));
  r.add("restart_median_ms", at(0.5), "ms");
  r.add("restart_p90_ms", at(0.9), "ms");
  r.add("restart_max_ms", gaps.empty() ? 0.0 : static_cast<double>(gaps.back()), "ms");
  r.add_text("backoff", "10ms");
  verify_sink(out, {{"app", writer.written()}}, 0, r);
  if (usage.exit_code != 0)
    r.note = "logcatch exited " + std::to_string(usage.exit_code) + " (see " + log + ")";
  return r;
}

} // namespace logcatch::bench
