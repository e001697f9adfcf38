#include "actors/metrics/metrics_registry.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

#ifndef LOGCATCH_VERSION
#define LOGCATCH_VERSION "unknown"
#endif

namespace logcatch {

const char* const build_version = LOGCATCH_VERSION;

namespace {

uint64_t monotonic_ns() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

/// Writes one metric family: HELP, TYPE, then its samples.
class family_writer {
public:
  explicit family_writer(std::string& out) : out_(out) {
  }
  void header(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty())
      out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, uint64_t value) {
    sample(name, labels, std::to_string(value));
  }

private:
  std::string& out_;
};

std::string key_label(const std::string& key) {
  return "key=\"" + escape_label_value(key) + "\"";
}

} // namespace

void key_metrics::set_last_failure(const std::string& reason) {
  std::lock_guard<std::mutex> guard{mtx_};
  last_failure_ = reason;
}

std::string key_metrics::last_failure() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return last_failure_;
}

void latency_histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(seconds > 0 ? seconds * 1e9 : 0), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::array<uint64_t, latency_histogram::bounds.size() + 1> latency_histogram::cumulative() const {
  std::array<uint64_t, bounds.size() + 1> result{};
  uint64_t running = 0;
  for (std::size_t i = 0; i < result.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    result[i] = running;
  }
  return result;
}

double latency_histogram::sum() const {
  return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
}

process_sample sample_process() {
  process_sample s;
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages)
    s.resident_bytes = resident_pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++s.open_fds;
  if (s.open_fds > 0)
    --s.open_fds; // the one the listing itself held open
  return s;
}

metrics_registry::metrics_registry() : started_ns_(monotonic_ns()) {
}

std::shared_ptr<key_metrics> metrics_registry::key(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& slot = keys_[name];
  if (!slot)
    slot = std::make_shared<key_metrics>();
  slot->active = true;
  return slot;
}

std::shared_ptr<key_metrics> metrics_registry::find_key(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = keys_.find(name);
  return it == keys_.end() ? nullptr : it->second;
}

void metrics_registry::hide_key(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto it = keys_.find(name); it != keys_.end())
    it->second->active = false;
}

void metrics_registry::count_reload(bool applied) {
  (applied ? reloads_applied_ : reloads_rejected_).fetch_add(1, std::memory_order_relaxed);
}

bool metrics_registry::any_key_failing() const {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [name, k] : keys_)
    if (k->active && k->failing)
      return true;
  return false;
}

double metrics_registry::uptime_seconds() const {
  return static_cast<double>(monotonic_ns() - started_ns_) / 1e9;
}

std::string metrics_registry::render(const process_sample& process) const {
  std::vector<std::pair<std::string, std::shared_ptr<key_metrics>>> keys;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [name, k] : keys_)
      if (k->active)
        keys.emplace_back(name, k);
  }
  std::string out;
  out.reserve(1024 + keys.size() * 1536);
  family_writer w{out};
  // Per-key counters and gauges, one family at a time (the format wants a
  // family's samples together).
  struct per_key {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*get)(const key_metrics&);
  };
  static const per_key families[] = {
    {"logcatch_lines_read_total", "counter", "Lines read from the key's files.",
     [](const key_metrics& k) { return k.lines_read.load(); }},
    {"logcatch_bytes_read_total", "counter", "Bytes of the key's files consumed as lines.",
     [](const key_metrics& k) { return k.bytes_read.load(); }},
    {"logcatch_lines_delivered_total", "counter",
     "Lines the sink wrote (remote sink: the aggregator acknowledged).",
     [](const key_metrics& k) { return k.lines_delivered.load(); }},
    {"logcatch_lines_truncated_total", "counter", "Lines cut at max_line_bytes.",
     [](const key_metrics& k) { return k.lines_truncated.load(); }},
    {"logcatch_positions_forgotten_total", "counter",
     "Positions forgotten because their file was gone from the key's folders.",
     [](const key_metrics& k) { return k.positions_forgotten.load(); }},
    {"logcatch_positions_dropped_total", "counter",
     "Positions of existing files dropped beyond max_tracked_files.",
     [](const key_metrics& k) { return k.positions_dropped.load(); }},
    {"logcatch_rotations_total", "counter", "File rotations seen.",
     [](const key_metrics& k) { return k.rotations.load(); }},
    {"logcatch_truncations_total", "counter", "File truncations seen.",
     [](const key_metrics& k) { return k.truncations.load(); }},
    {"logcatch_files_open", "gauge", "Files the key's tailer has open.",
     [](const key_metrics& k) { return k.files_open.load(); }},
    {"logcatch_tailer_restarts_total", "counter", "Restarts of the key's tailer after a failure.",
     [](const key_metrics& k) { return k.restarts.load(); }},
    {"logcatch_lag_bytes", "gauge",
     "Bytes written to the key's files that the sink has not acknowledged yet.",
     [](const key_metrics& k) { return k.unread_bytes.load() + k.unacked_bytes.load(); }},
    {"logcatch_key_failing", "gauge", "1 while the key fails more often than max_restarts allows.",
     [](const key_metrics& k) { return static_cast<uint64_t>(k.failing.load()); }},
  };
  for (auto& f : families) {
    w.header(f.name, f.type, f.help);
    for (auto& [name, k] : keys)
      w.sample(f.name, key_label(name), f.get(*k));
  }
  w.header("logcatch_tailer_last_failure_info", "gauge",
           "Why the key's tailer last went down (keys that failed at least once).");
  for (auto& [name, k] : keys)
    if (auto reason = k->last_failure(); !reason.empty())
      w.sample("logcatch_tailer_last_failure_info",
               key_label(name) + ",reason=\"" + escape_label_value(reason) + "\"", uint64_t{1});

  auto& s = sink_;
  w.header("logcatch_sink_lines_written_total", "counter", "Lines the sink wrote.");
  w.sample("logcatch_sink_lines_written_total", "", s.lines_written.load());
  w.header("logcatch_sink_bytes_written_total", "counter", "Bytes the sink wrote.");
  w.sample("logcatch_sink_bytes_written_total", "", s.bytes_written.load());
  w.header("logcatch_sink_write_errors_total", "counter", "Failed writes (retried).");
  w.sample("logcatch_sink_write_errors_total", "", s.write_errors.load());
  w.header("logcatch_sink_commits_total", "counter",
           "Commits: output made durable, then the state file saved.");
  w.sample("logcatch_sink_commits_total", "", s.commits.load());
  w.header("logcatch_sink_commit_errors_total", "counter",
           "Commits that failed: the output or the state file could not be made durable.");
  w.sample("logcatch_sink_commit_errors_total", "", s.commit_errors.load());
  w.header("logcatch_sink_output_reopens_total", "counter",
           "Times the sink output was reopened by path (rotated, deleted or changed).");
  w.sample("logcatch_sink_output_reopens_total", "", s.output_reopens.load());
  w.header("logcatch_sink_commit_duration_seconds", "histogram",
           "Time from asking for a commit to its completion.");
  auto cumulative = s.commit_seconds.cumulative();
  for (std::size_t i = 0; i < latency_histogram::bounds.size(); ++i)
    w.sample("logcatch_sink_commit_duration_seconds_bucket",
             "le=\"" + number(latency_histogram::bounds[i]) + "\"", cumulative[i]);
  w.sample("logcatch_sink_commit_duration_seconds_bucket", "le=\"+Inf\"", cumulative.back());
  w.sample("logcatch_sink_commit_duration_seconds_sum", "", number(s.commit_seconds.sum()));
  w.sample("logcatch_sink_commit_duration_seconds_count", "", s.commit_seconds.count());
  if (s.remote) {
    w.header("logcatch_remote_connected", "gauge", "1 while the aggregator link is up.");
    w.sample("logcatch_remote_connected", "", static_cast<uint64_t>(s.remote_connected.load()));
    w.header("logcatch_remote_inflight_bytes", "gauge",
             "Bytes sent to the aggregator and not acknowledged yet.");
    w.sample("logcatch_remote_inflight_bytes", "", s.remote_inflight_bytes.load());
    w.header("logcatch_remote_resends_total", "counter", "Batches sent again after a reconnect.");
    w.sample("logcatch_remote_resends_total", "", s.remote_resends.load());
  }

  w.header("logcatch_reloads_total", "counter", "Config reloads by result.");
  w.sample("logcatch_reloads_total", "result=\"applied\"", reloads_applied_.load());
  w.sample("logcatch_reloads_total", "result=\"rejected\"", reloads_rejected_.load());

  w.header("logcatch_process_resident_memory_bytes", "gauge", "Resident memory.");
  w.sample("logcatch_process_resident_memory_bytes", "", process.resident_bytes);
  w.header("logcatch_process_open_fds", "gauge", "Open file descriptors.");
  w.sample("logcatch_process_open_fds", "", process.open_fds);
  w.header("logcatch_process_uptime_seconds", "gauge", "Seconds since the collector started.");
  w.sample("logcatch_process_uptime_seconds", "", number(process.uptime_seconds));
  w.header("logcatch_build_info", "gauge", "The running build.");
  w.sample("logcatch_build_info", "version=\"" + escape_label_value(build_version) + "\"", uint64_t{1});
  return out;
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

} // namespace logcatch
