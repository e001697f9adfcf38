#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "actors/collector.hpp"
#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "main/commands.hpp"
#include "main/signals.hpp"

namespace logcatch {

namespace {

constexpr double demo_lines_per_second = 200;
constexpr uint64_t demo_rotate_every = 1000;
constexpr uint64_t demo_crash_every = 300;

/// The seed scenario: logdir1..3 under `dir`, logdir3's tailer panics every
/// few hundred lines, lines go to stdout.
collector_config demo_config(const std::string& dir) {
  collector_config cfg;
  cfg.source_file = "<demo>";
  for (int i = 1; i <= 3; ++i) {
    log_config log;
    log.key = "logdir" + std::to_string(i);
    log.path = dir + "/" + log.key + "/log.txt";
    if (i == 3)
      log.fault.crash_every_lines = demo_crash_every;
    cfg.logs.push_back(log);
  }
  cfg.sink.type = sink_type::stdout_sink;
  cfg.supervision.max_restarts = 1000; // the crashes are on purpose
  cfg.supervision.backoff_max = millis{1000};
  cfg.supervision.reset_after = millis{1000};
  return cfg;
}

void print_summary(int seconds, const std::vector<delivery_verifier::stream_report>& reports,
                   const std::vector<key_stats>& stats, uint64_t malformed) {
  std::printf("\n== logcatch demo: %d s, %.0f lines/s per file, rotation every %llu lines ==\n",
              seconds, demo_lines_per_second, static_cast<unsigned long long>(demo_rotate_every));
  std::printf("%-10s %9s %10s %6s %11s %13s %9s %10s\n", "key", "written", "delivered", "lost",
              "duplicated", "out_of_order", "restarts", "rotations");
  delivery_verifier::stream_report total;
  for (auto& r : reports) {
    uint64_t restarts = 0, rotations = 0;
    for (auto& s : stats)
      if (s.key == r.stream) {
        restarts = s.restarts;
        rotations = s.rotations;
      }
    std::printf("%-10s %9llu %10llu %6llu %11llu %13llu %9llu %10llu\n", r.stream.c_str(),
                static_cast<unsigned long long>(r.written),
                static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.lost),
                static_cast<unsigned long long>(r.duplicated),
                static_cast<unsigned long long>(r.out_of_order),
                static_cast<unsigned long long>(restarts),
                static_cast<unsigned long long>(rotations));
    total.written += r.written;
    total.delivered += r.delivered;
    total.lost += r.lost;
    total.duplicated += r.duplicated;
  }
  std::printf("total: written %llu, delivered %llu, lost %llu, duplicated %llu%s\n",
              static_cast<unsigned long long>(total.written),
              static_cast<unsigned long long>(total.delivered),
              static_cast<unsigned long long>(total.lost),
              static_cast<unsigned long long>(total.duplicated),
              malformed > 0 ? (", malformed " + std::to_string(malformed)).c_str() : "");
  std::fflush(stdout);
}

} // namespace

int demo_command(int seconds, bool keep_files) {
  char dir_template[] = "/tmp/logcatch-demo-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    std::perror("logcatch demo: cannot create a temporary folder");
    return 1;
  }
  std::string dir = dir_template;
  auto cfg = demo_config(dir);
  for (auto& log : cfg.logs)
    std::filesystem::create_directories(std::filesystem::path(log.path).parent_path());
  configure_self_log(cfg);
  log_info("demo", "writing to " + dir + (keep_files ? " (kept)" : " (removed at the end)"));

  delivery_verifier verifier;
  int exit_code = 1;
  {
    collector running{cfg, [&verifier](const line_batch& batch, std::size_t first_line) {
                        uint32_t begin = first_line == 0 ? 0 : batch.ends[first_line - 1];
                        for (std::size_t i = first_line; i < batch.ends.size(); ++i) {
                          verifier.on_line(batch.data.data() + begin, batch.ends[i] - begin - 1);
                          begin = batch.ends[i];
                        }
                      }};
    std::vector<std::unique_ptr<numbered_writer>> writers;
    for (auto& log : cfg.logs) {
      numbered_writer::options w;
      w.path = log.path;
      w.stream = log.key;
      w.lines_per_second = demo_lines_per_second;
      w.rotate_every = demo_rotate_every;
      writers.push_back(std::make_unique<numbered_writer>(w));
      writers.back()->start();
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    bool interrupted = false;
    while (!interrupted && std::chrono::steady_clock::now() < deadline) {
      int sig = wait_for_signal(std::chrono::milliseconds(200));
      interrupted = sig == SIGINT || sig == SIGTERM;
    }
    std::map<std::string, uint64_t> written;
    for (auto& w : writers) {
      w->stop();
      written[w->opts().stream] = w->written();
      if (auto err = w->error(); !err.empty())
        log_error("demo", "writer failed: " + err);
    }
    log_info("demo", "writers stopped; waiting for the collector to deliver every line");
    auto drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto all_delivered = [&] {
      for (auto& [stream, count] : written)
        if (verifier.unique(stream) < count)
          return false;
      return true;
    };
    while (!all_delivered() && std::chrono::steady_clock::now() < drain_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    running.stop();
    auto reports = verifier.report(written);
    print_summary(seconds, reports, running.stats(), verifier.malformed());
    exit_code = delivery_verifier::clean(reports, verifier.malformed()) ? 0 : 1;
  }
  if (!keep_files) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return exit_code;
}

} // namespace logcatch
