#include "config/config_diff.hpp"

#include <map>

namespace logcatch {

namespace {

bool same_sink(const sink_config& a, const sink_config& b) {
  return a.type == b.type && a.path == b.path && a.format == b.format &&
         a.fault_write_delay == b.fault_write_delay &&
         a.fault_unknown_outcome_every == b.fault_unknown_outcome_every &&
         a.fault_ack_delay == b.fault_ack_delay && a.host == b.host && a.port == b.port &&
         a.node == b.node && a.auth_token == b.auth_token &&
         a.max_inflight_bytes == b.max_inflight_bytes && a.tls == b.tls && a.database == b.database;
}

bool same_supervision(const supervision_config& a, const supervision_config& b) {
  return a.max_restarts == b.max_restarts && a.window == b.window &&
         a.backoff_initial == b.backoff_initial && a.backoff_max == b.backoff_max &&
         a.reset_after == b.reset_after;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (auto& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

} // namespace

std::string changed_settings(const log_config& a, const log_config& b) {
  std::vector<std::string> changed;
  if (a.path != b.path)
    changed.push_back("path");
  if (a.exclude != b.exclude)
    changed.push_back("exclude");
  if (a.olddir != b.olddir)
    changed.push_back("olddir");
  if (a.ignore_older != b.ignore_older)
    changed.push_back("ignore_older");
  if (a.start != b.start)
    changed.push_back("read_from");
  if (a.max_line_bytes != b.max_line_bytes)
    changed.push_back("max_line_bytes");
  if (a.max_inflight_bytes != b.max_inflight_bytes)
    changed.push_back("max_inflight_bytes");
  if (a.poll_interval != b.poll_interval)
    changed.push_back("poll_interval");
  if (a.fingerprint_bytes != b.fingerprint_bytes)
    changed.push_back("fingerprint_bytes");
  if (a.max_tracked_files != b.max_tracked_files)
    changed.push_back("max_tracked_files");
  if (a.fault.crash_every_lines != b.fault.crash_every_lines ||
      a.fault.crash_on_rotation != b.fault.crash_on_rotation)
    changed.push_back("fault");
  return join(changed, ", ");
}

bool same_settings(const log_config& a, const log_config& b) {
  return a.key == b.key && changed_settings(a, b).empty();
}

config_diff diff_configs(const collector_config& current, const collector_config& next) {
  config_diff diff;
  std::map<std::string, const log_config*> before;
  for (auto& log : current.logs)
    before.emplace(log.key, &log);
  for (auto& log : next.logs) {
    auto it = before.find(log.key);
    if (it == before.end())
      diff.added.push_back(log);
    else if (!same_settings(*it->second, log))
      diff.updated.push_back(log);
    if (it != before.end())
      before.erase(it);
  }
  // Removed keys in the order the current config lists them.
  for (auto& log : current.logs)
    if (before.count(log.key) > 0)
      diff.removed.push_back(log.key);
  diff.sink_changed = !same_sink(current.sink, next.sink);
  diff.supervision_changed = !same_supervision(current.supervision, next.supervision);
  diff.log_changed = !(current.log == next.log);
  diff.state_dir_changed = current.state_dir != next.state_dir;
  diff.metrics_changed = !(current.metrics == next.metrics);
  return diff;
}

std::string describe(const config_diff& diff, const collector_config& current) {
  if (diff.empty())
    return "no changes";
  std::vector<std::string> parts;
  std::vector<std::string> names;
  for (auto& log : diff.added)
    names.push_back(log.key);
  if (!names.empty())
    parts.push_back("added " + join(names, ", "));
  names.clear();
  for (auto& log : diff.updated) {
    std::string what;
    for (auto& old : current.logs)
      if (old.key == log.key)
        what = changed_settings(old, log);
    names.push_back(log.key + " (" + what + ")");
  }
  if (!names.empty())
    parts.push_back("updated " + join(names, ", "));
  if (!diff.removed.empty())
    parts.push_back("removed " + join(diff.removed, ", "));
  if (diff.sink_changed)
    parts.push_back("sink changed");
  if (diff.supervision_changed)
    parts.push_back("supervision changed");
  if (diff.log_changed)
    parts.push_back("own log changed");
  if (diff.state_dir_changed)
    parts.push_back("state_dir changed (applies at the next start)");
  if (diff.metrics_changed)
    parts.push_back("metrics changed (applies at the next start)");
  return join(parts, "; ");
}

} // namespace logcatch
