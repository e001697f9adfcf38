#include "main/top/top_view.hpp"

#include <cmath>
#include <map>
#include <set>

namespace logcatch {

namespace {

// Per-key metrics, as the collector exports them (label `key`).
constexpr const char* lines_read = "logcatch_lines_read_total";
constexpr const char* bytes_read = "logcatch_bytes_read_total";
constexpr const char* lag_bytes = "logcatch_lag_bytes";
constexpr const char* restarts = "logcatch_tailer_restarts_total";
constexpr const char* last_failure = "logcatch_tailer_last_failure_info";
constexpr const char* key_failing = "logcatch_key_failing";

/// name -> key -> value for samples with a `key` label; name -> value for
/// samples without labels.
struct sample_index {
  std::map<std::string, std::map<std::string, double>> by_key;
  std::map<std::string, double> plain;
  std::map<std::string, std::string> last_reason; // key -> reason
  std::string version;

  explicit sample_index(const std::vector<metric_sample>& samples) {
    for (const auto& s : samples) {
      if (s.name.rfind("logcatch_", 0) != 0)
        continue;
      if (s.labels.empty()) {
        plain[s.name] = s.value;
        continue;
      }
      if (s.name == "logcatch_build_info") {
        if (auto v = s.labels.find("version"); v != s.labels.end())
          version = v->second;
        continue;
      }
      auto key = s.labels.find("key");
      if (key == s.labels.end())
        continue;
      by_key[s.name][key->second] = s.value;
      if (s.name == last_failure && s.value != 0)
        if (auto reason = s.labels.find("reason"); reason != s.labels.end())
          last_reason[key->second] = reason->second;
    }
  }

  std::optional<double> of_key(const char* name, const std::string& key) const {
    auto family = by_key.find(name);
    if (family == by_key.end())
      return std::nullopt;
    auto value = family->second.find(key);
    if (value == family->second.end() || std::isnan(value->second))
      return std::nullopt;
    return value->second;
  }

  std::optional<double> of(const char* name) const {
    auto value = plain.find(name);
    if (value == plain.end() || std::isnan(value->second))
      return std::nullopt;
    return value->second;
  }
};

std::optional<double> rate(std::optional<double> before, std::optional<double> now,
                           double seconds) {
  if (!before || !now || !(seconds > 0))
    return std::nullopt;
  // A counter reset (the collector restarted) starts over from zero.
  double increase = *now >= *before ? *now - *before : *now;
  return increase / seconds;
}

} // namespace

top_view build_top_view(const std::vector<metric_sample>* previous,
                        const std::vector<metric_sample>& current, double seconds) {
  sample_index now{current};
  std::optional<sample_index> before;
  if (previous != nullptr)
    before.emplace(*previous);
  auto earlier = [&](const char* name, const std::string& key) -> std::optional<double> {
    return before ? before->of_key(name, key) : std::nullopt;
  };

  std::set<std::string> keys;
  for (const auto& [name, values] : now.by_key)
    for (const auto& [key, value] : values)
      keys.insert(key);

  top_view view;
  for (const auto& key : keys) {
    top_key_row row;
    row.key = key;
    row.lines_per_s = rate(earlier(lines_read, key), now.of_key(lines_read, key), seconds);
    row.bytes_per_s = rate(earlier(bytes_read, key), now.of_key(bytes_read, key), seconds);
    row.lag_bytes = now.of_key(lag_bytes, key);
    row.restarts = now.of_key(restarts, key).value_or(0);
    if (auto reason = now.last_reason.find(key); reason != now.last_reason.end())
      row.last_error = reason->second;
    row.failing = now.of_key(key_failing, key).value_or(0) != 0;
    view.rows.push_back(std::move(row));
  }

  auto plain_rate = [&](const char* name) -> std::optional<double> {
    return rate(before ? before->of(name) : std::nullopt, now.of(name), seconds);
  };
  view.sink_lines_per_s = plain_rate("logcatch_sink_lines_written_total");
  view.sink_bytes_per_s = plain_rate("logcatch_sink_bytes_written_total");
  view.sink_write_errors = now.of("logcatch_sink_write_errors_total");
  view.resident_bytes = now.of("logcatch_process_resident_memory_bytes");
  view.uptime_seconds = now.of("logcatch_process_uptime_seconds");
  if (auto connected = now.of("logcatch_remote_connected"))
    view.remote_connected = *connected != 0;
  view.version = now.version;
  return view;
}

bool has_logcatch_metrics(const std::vector<metric_sample>& samples) {
  for (const auto& s : samples)
    if (s.name.rfind("logcatch_", 0) == 0)
      return true;
  return false;
}

} // namespace logcatch
