#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "actors/collector.hpp"
#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "bench/workload/delivery_verifier.hpp"
#include "config/config_loader.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "main/commands.hpp"
#include "main/signals.hpp"

namespace logcatch {

namespace {

constexpr double demo_lines_per_second = 200;
constexpr uint64_t demo_rotate_every = 1000;
constexpr uint64_t demo_crash_every = 300;
/// Lines logdir4's file has before its key is added (fewer than a rotation).
constexpr uint64_t demo_logdir4_early_lines = 100;
/// How long the demo waits for the reload that adds logdir4 before it calls it a failure.
constexpr int demo_reload_limit_s = 10;

/// The seed scenario's config: logdir1..3 under `dir` (logdir4 is added
/// later), logdir3's tailer panics every few hundred lines, lines go to stdout.
std::string demo_yaml(bool with_logdir2, bool with_logdir4) {
  std::string yaml = "# written by `logcatch demo`; edited live while it runs\nlogs:\n";
  yaml += "  logdir1: logdir1/log.txt\n";
  if (with_logdir2)
    yaml += "  logdir2: logdir2/log.txt\n";
  yaml += "  logdir3:\n    path: logdir3/log.txt\n    fault:\n      crash_every_lines: " +
          std::to_string(demo_crash_every) + "\n";
  if (with_logdir4)
    yaml += "  logdir4: logdir4/log.txt\n";
  // The crashes are on purpose: never "failing", and quick to come back.
  yaml += "sink:\n  type: stdout\nsupervision:\n  max_restarts: 1000\n"
          "  backoff: { initial: 10ms, max: 1s, reset_after: 1s }\n";
  return yaml;
}

/// Replaces the config the way an editor saves: write a temporary file, rename it over.
void save_config(const std::string& path, const std::string& yaml) {
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << yaml;
  }
  std::filesystem::rename(tmp, path);
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
  for (int i = 1; i <= 4; ++i)
    std::filesystem::create_directories(dir + "/logdir" + std::to_string(i));
  auto config_path = dir + "/logcatch.yaml";
  save_config(config_path, demo_yaml(true, false));
  auto cfg = load_config_file(config_path);
  configure_self_log(cfg.log, cfg.source_file);
  log_info("demo", "writing to " + dir + (keep_files ? " (kept)" : " (removed at the end)") +
                     "; the config is edited live: logdir4 is added after a third of the time, "
                     "logdir2 removed after two thirds");

  delivery_verifier verifier;
  int exit_code = 1;
  {
    collector running{cfg,
                      [&verifier](const line_batch& batch, std::size_t first_line) {
                        batch.for_each_line(first_line, [&](const char* line, std::size_t n) {
                          verifier.on_line(line, n);
                        });
                      },
                      config_path};
    std::map<std::string, std::unique_ptr<numbered_writer>> writers;
    for (int i = 1; i <= 4; ++i) {
      numbered_writer::options w;
      w.stream = "logdir" + std::to_string(i);
      w.path = dir + "/" + w.stream + "/log.txt";
      w.lines_per_second = demo_lines_per_second;
      w.rotate_every = demo_rotate_every;
      writers[w.stream] = std::make_unique<numbered_writer>(w);
      if (i <= 3)
        writers[w.stream]->start();
    }
    // logdir4's key is a plain path that appears later: it follows the file
    // at its path from that file's start, not files rotated away before the
    // key existed. So its file gets a first few lines before the key exists
    // (fewer than a rotation: nothing rotates away), and it is written
    // steadily only once the key collects (its first lines are delivered).
    writers["logdir4"]->write_lines(demo_logdir4_early_lines);
    auto wait_until_delivered = [&](const std::string& stream, std::chrono::seconds limit) {
      auto deadline = std::chrono::steady_clock::now() + limit;
      while (verifier.unique(stream) < writers[stream]->written() &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return verifier.unique(stream) >= writers[stream]->written();
    };
    auto start = std::chrono::steady_clock::now();
    auto at = [&](double fraction) {
      return start + std::chrono::milliseconds(static_cast<long>(seconds * 1000 * fraction));
    };
    bool added = false, removed = false, interrupted = false, reload_late = false;
    while (!interrupted && std::chrono::steady_clock::now() < at(1.0)) {
      int sig = wait_for_signal(std::chrono::milliseconds(100));
      interrupted = sig == SIGINT || sig == SIGTERM;
      if (!added && std::chrono::steady_clock::now() >= at(1.0 / 3)) {
        added = true;
        log_info("demo", "editing the config: adding logdir4");
        auto edited = std::chrono::steady_clock::now();
        save_config(config_path, demo_yaml(true, true));
        // A reload applies within about a second, also while logs flow; on
        // a loaded machine it may take longer, but not this long.
        if (!wait_until_delivered("logdir4", std::chrono::seconds(demo_reload_limit_s))) {
          reload_late = true;
          log_error("demo", "logdir4 was not collected within " +
                              std::to_string(demo_reload_limit_s) + " s of the edit");
        } else {
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - edited).count();
          log_info("demo", "logdir4 collected " + std::to_string(ms) +
                             " ms after the edit; its writer starts");
        }
        writers["logdir4"]->start();
      }
      if (!removed && std::chrono::steady_clock::now() >= at(2.0 / 3)) {
        removed = true;
        // A removed key delivers what it has read: stop its writer first and
        // let it catch up, so every line written to it is expected.
        writers["logdir2"]->stop();
        wait_until_delivered("logdir2", std::chrono::seconds(30));
        log_info("demo", "editing the config: removing logdir2");
        save_config(config_path, demo_yaml(false, true));
      }
    }
    std::map<std::string, uint64_t> written;
    for (auto& [stream, w] : writers) {
      w->stop();
      if (!added && stream == "logdir4")
        continue; // never collected (interrupted early)
      written[stream] = w->written();
      if (auto err = w->error(); !err.empty())
        log_error("demo", "writer failed: " + err);
    }
    log_info("demo", "writers stopped; waiting for the collector to deliver every line");
    for (auto& [stream, count] : written)
      wait_until_delivered(stream, std::chrono::seconds(30));
    running.stop();
    auto reports = verifier.report(written);
    print_summary(seconds, reports, running.stats(), verifier.malformed());
    if (reload_late)
      std::printf("FAILED: the edit adding logdir4 was not collected within %d s\n",
                  demo_reload_limit_s);
    std::fflush(stdout);
    exit_code = delivery_verifier::clean(reports, verifier.malformed()) && !reload_late ? 0 : 1;
  }
  if (!keep_files) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return exit_code;
}

} // namespace logcatch
