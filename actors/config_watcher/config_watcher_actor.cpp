#include "actors/config_watcher/config_watcher_actor.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "actors/tailer/open_file_budget.hpp"
#include "config/config_diff.hpp"
#include "config/config_loader.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<config_watcher_state>*;

constexpr millis content_check_every{1000};

std::optional<std::string> read_content(const std::string& path, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void apply(self_ptr self, collector_config next) {
  auto& st = self->state;
  bool was_remote = st.current.sink.type == sink_type::remote;
  bool now_remote = next.sink.type == sink_type::remote;
  auto is_database = [](const sink_config& s) {
    return s.type == sink_type::postgresql || s.type == sink_type::clickhouse;
  };
  // A database sink is another actor too, and its positions live elsewhere.
  bool database_change = (is_database(st.current.sink) || is_database(next.sink)) &&
                         !(st.current.sink.type == next.sink.type &&
                           st.current.sink.database == next.sink.database);
  if (was_remote != now_remote || (now_remote && !(next.sink.tls == st.current.sink.tls))) {
    // Local and remote sinks are different actors (and a different network
    // setup): the rest of the reload applies, the sink stays as it runs.
    log_error(st.name, next.source_file + ": sink change not applied: switching between a "
                       "remote sink and a local one, or changing tls, needs a restart of logcatch");
    next.sink = st.current.sink;
  } else if (database_change) {
    log_error(st.name, next.source_file + ": sink change not applied: switching to, from or "
                       "between database sinks needs a restart of logcatch");
    next.sink = st.current.sink;
  }
  auto diff = diff_configs(st.current, next);
  for (auto& log : diff.added)
    self->send(st.root, key_add_atom::value, log);
  for (auto& log : diff.updated)
    self->send(st.root, key_update_atom::value, log);
  for (auto& key : diff.removed)
    self->send(st.root, key_remove_atom::value, key);
  if (diff.sink_changed)
    self->send(st.root, sink_config_atom::value, next.sink);
  if (diff.supervision_changed)
    self->send(st.root, supervision_atom::value, next.supervision);
  if (next.max_open_files != st.current.max_open_files) {
    auto budget = open_file_budget::configure_process(next.max_open_files);
    log_info(st.name, "now up to " + std::to_string(budget) + " log files open at once");
  }
  if (diff.log_changed) {
    try {
      self_log::configure(next.log);
    } catch (const std::exception& e) {
      log_error(st.name, std::string("own log not changed: ") + e.what());
      next.log = st.current.log; // still running as before: a later reload tries again
    }
  }
  ++st.applied;
  st.metrics->count_reload(true);
  log_info(st.name, "reload applied: " + describe(diff, st.current));
  st.current = next;
}

void reload(self_ptr self, bool forced) {
  auto& st = self->state;
  std::string problem;
  auto content = read_content(st.path, problem);
  if (!content) {
    if (!st.missing_reported)
      log_warn(st.name, st.path + ": cannot read the config (" + problem +
                          "); keeping the running config until it is back");
    st.missing_reported = true;
    return;
  }
  st.missing_reported = false;
  if (!forced && *content == st.seen_content)
    return;
  st.seen_content = *content;
  try {
    // The content just read is what gets parsed, so what is applied is what
    // was compared; relative paths resolve as they did at start.
    auto folder = std::filesystem::path(st.current.source_file).parent_path().string();
    auto next = load_config_text(*content, st.path, folder);
    next.source_file = st.current.source_file;
    apply(self, next);
  } catch (const config_error& e) {
    ++st.rejected;
    st.metrics->count_reload(false);
    log_error(st.name, std::string("reload rejected: ") + e.what() + "; keeping the running config");
  }
}

void watch(self_ptr self) {
  auto& st = self->state;
  using clock = config_watcher_state::clock;
  auto until = st.debounce.pending() ? st.debounce.due_at() : st.next_content_check;
  auto left = std::chrono::ceil<millis>(until - clock::now());
  if (st.watch->wait(std::max(left, millis{0})))
    st.debounce.on_event(clock::now());
  auto now = clock::now();
  if (st.debounce.due(now)) {
    st.debounce.reset();
    st.next_content_check = now + content_check_every;
    reload(self, false);
  } else if (!st.debounce.pending() && now >= st.next_content_check) {
    // The stat-poll fallback (no inotify), and a net under the events: an
    // edit no event told about (a bind mount, a remote filesystem) still
    // applies within a second. Not while a burst is being debounced: the
    // file may be half written.
    st.next_content_check = now + content_check_every;
    reload(self, false);
  }
  self->send(self, watch_atom::value);
}

} // namespace

caf::behavior config_watcher_actor(self_ptr self, std::string path, collector_config current,
                                   caf::actor root, std::shared_ptr<metrics_registry> metrics) {
  auto& st = self->state;
  st.metrics = metrics ? std::move(metrics) : std::make_shared<metrics_registry>();
  st.path = std::move(path);
  st.root = std::move(root);
  st.current = std::move(current);
  // The watch starts now, so what the file holds now is the baseline; if it
  // is no longer what the running config was parsed from (edited while
  // logcatch started), the first look below applies it.
  st.watch = std::make_unique<config_file_watch>(st.path);
  st.next_content_check = config_watcher_state::clock::now() + content_check_every;
  std::string problem;
  if (auto content = read_content(st.path, problem)) {
    try {
      auto folder = std::filesystem::path(st.current.source_file).parent_path().string();
      auto now = load_config_text(*content, st.path, folder);
      now.source_file = st.current.source_file;
      if (diff_configs(st.current, now).empty())
        st.seen_content = *content;
    } catch (const config_error&) {
      // Left unseen: the first look reports it as a rejected reload.
    }
  }
  self->send(self, watch_atom::value);
  return {
    [self](watch_atom) { watch(self); },
    [self](reload_atom) {
      log_info(self->state.name, "reload requested (SIGHUP)");
      reload(self, true);
    },
  };
}

} // namespace logcatch
