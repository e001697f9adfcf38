#pragma once

// Builds collectors for integration tests: a file sink in a temp folder and
// an in-process observer that checks exactly-once delivery as lines arrive.

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/collector.hpp"
#include "actors/messages.hpp"
#include "bench/workload/delivery_verifier.hpp"
#include "config/config_model.hpp"
#include "test_support.hpp"

namespace logcatch::test {

inline log_config log_key(const std::string& key, const std::string& path) {
  log_config log;
  log.key = key;
  log.path = path;
  log.poll_interval = millis{50};
  return log;
}

/// A config whose restarts are quick: tests check correctness, not patience.
inline collector_config config_for(const temp_dir& dir, std::vector<log_config> logs) {
  collector_config cfg;
  cfg.source_file = "<test>";
  cfg.logs = std::move(logs);
  cfg.sink.type = sink_type::file;
  cfg.sink.path = dir / "sink.out";
  cfg.supervision.max_restarts = 100000;
  cfg.supervision.backoff_initial = millis{1};
  cfg.supervision.backoff_max = millis{20};
  cfg.supervision.reset_after = millis{100};
  return cfg;
}

struct observed {
  delivery_verifier verifier;
  std::atomic<uint64_t> lines{0};
  std::atomic<uint64_t> cut_lines{0};

  batch_observer observer() {
    return [this](const line_batch& batch, std::size_t first_line) {
      batch.for_each_line(first_line,
                          [&](const char* line, std::size_t n) { verifier.on_line(line, n); });
      lines += batch.ends.size() - first_line;
      cut_lines += batch.cut_lines;
    };
  }

  bool delivered(const std::map<std::string, uint64_t>& expected) const {
    for (auto& [stream, count] : expected)
      if (verifier.unique(stream) < count)
        return false;
    return true;
  }
};

/// The stats of one key (a copy: the vector is usually a temporary).
inline std::optional<key_stats> stats_of(const std::vector<key_stats>& all, const std::string& key) {
  for (auto& s : all)
    if (s.key == key)
      return s;
  return std::nullopt;
}

} // namespace logcatch::test
