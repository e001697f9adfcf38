#pragma once

// What the collector counts, for Prometheus (`metrics.listen`). Actors bump
// atomics in place (no message per line, and a scrape never waits on an
// actor's mailbox); the HTTP thread renders a consistent-enough snapshot.
// No CAF and no sockets here: unit tests drive it directly.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace logcatch {

/// One path key's figures. Kept for the life of the registry (a removed key
/// is hidden, and a re-added one counts on), so holders' pointers stay valid.
struct key_metrics {
  std::atomic<uint64_t> lines_read{0};
  std::atomic<uint64_t> bytes_read{0};      ///< file bytes consumed (lines + newlines)
  std::atomic<uint64_t> lines_delivered{0}; ///< written by the sink (remote: acknowledged)
  std::atomic<uint64_t> lines_truncated{0}; ///< cut at max_line_bytes
  std::atomic<uint64_t> positions_forgotten{0}; ///< of files gone from the key's folders
  std::atomic<uint64_t> positions_dropped{0};   ///< beyond max_tracked_files (read again if they come back)
  std::atomic<uint64_t> rotations{0};
  std::atomic<uint64_t> truncations{0};
  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> files_open{0};
  /// Lag, in two parts the tailer knows: bytes in its open files beyond what
  /// it read, and bytes it sent that the sink has not acknowledged.
  std::atomic<uint64_t> unread_bytes{0};
  std::atomic<uint64_t> unacked_bytes{0};
  std::atomic<bool> failing{false};
  std::atomic<bool> active{true};

  void set_last_failure(const std::string& reason);
  std::string last_failure() const; ///< empty: never failed

private:
  mutable std::mutex mtx_;
  std::string last_failure_;
};

/// A Prometheus histogram with fixed buckets (seconds).
class latency_histogram {
public:
  static constexpr std::array<double, 12> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};
  void observe(double seconds);
  /// Cumulative counts per bound, then +Inf (= count).
  std::array<uint64_t, bounds.size() + 1> cumulative() const;
  double sum() const;
  uint64_t count() const { return count_.load(); }

private:
  std::array<std::atomic<uint64_t>, bounds.size() + 1> buckets_{}; ///< not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

struct sink_metrics {
  std::atomic<uint64_t> lines_written{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> write_errors{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_errors{0};  ///< commits that failed (nothing made durable)
  std::atomic<uint64_t> output_reopens{0}; ///< outputs reopened by path (rotated, deleted, changed)
  latency_histogram commit_seconds;
  /// Remote sink only (`remote` set): the link to the aggregator.
  std::atomic<bool> remote{false};
  std::atomic<bool> remote_connected{false};
  std::atomic<uint64_t> remote_inflight_bytes{0};
  std::atomic<uint64_t> remote_resends{0};
};

/// The process's own figures, read at scrape time.
struct process_sample {
  uint64_t resident_bytes = 0;
  uint64_t open_fds = 0;
  double uptime_seconds = 0;
};

/// From /proc/self (zeros where it cannot be read).
process_sample sample_process();

class metrics_registry {
public:
  metrics_registry();

  /// The key's figures, created (or shown again) on first use.
  std::shared_ptr<key_metrics> key(const std::string& name);
  /// The key's figures if it was ever created (shown or not), else null.
  std::shared_ptr<key_metrics> find_key(const std::string& name) const;
  /// Hides a removed key from scrapes; its holders may still write.
  void hide_key(const std::string& name);

  sink_metrics& sink() { return sink_; }
  void count_reload(bool applied);

  /// True while some shown key is failing past max_restarts (/healthz 503).
  bool any_key_failing() const;
  /// Every metric in the Prometheus text format (version 0.0.4).
  std::string render(const process_sample& process) const;

  double uptime_seconds() const;

private:
  mutable std::mutex mtx_; ///< guards keys_ (the map, not the figures)
  std::map<std::string, std::shared_ptr<key_metrics>> keys_;
  sink_metrics sink_;
  std::atomic<uint64_t> reloads_applied_{0};
  std::atomic<uint64_t> reloads_rejected_{0};
  uint64_t started_ns_ = 0;
};

/// A sink's per-batch way to a key's figures: looked up in the registry
/// once per key, then kept (the registry never drops a key's figures).
class key_metrics_cache {
public:
  /// The key's figures, or null while the registry has none (or no registry).
  key_metrics* get(metrics_registry* registry, const std::string& key) {
    auto& slot = cache_[key];
    if (!slot && registry != nullptr)
      slot = registry->find_key(key);
    return slot.get();
  }

private:
  std::map<std::string, std::shared_ptr<key_metrics>> cache_;
};

/// A label value escaped for the text format (\\, \", \n).
std::string escape_label_value(const std::string& value);

/// The version `logcatch --version` prints, for logcatch_build_info.
extern const char* const build_version;

} // namespace logcatch
