#include "actors/root/root_actor.hpp"

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "actors/tailer/tailer_actor.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<root_state>*;

// A tailer reads in blocks of up to 256 KiB: less credit would stall it.
constexpr std::size_t min_tailer_credit = 256 * 1024;

void start_tailer(self_ptr self, key_entry& entry, std::vector<resume_position> known,
                  bool first_start) {
  auto& st = self->state;
  ++entry.incarnation;
  entry.started = restart_policy::clock::now();
  auto cfg = entry.cfg;
  if (st.shared_window > 0) // the keys share the remote sink's window
    cfg.max_inflight_bytes =
      std::min(cfg.max_inflight_bytes,
               std::max(min_tailer_credit, st.shared_window / std::max<std::size_t>(1, st.keys.size())));
  entry.tailer = self->spawn<caf::detached>(tailer_actor, cfg, st.sink,
                                            caf::actor_cast<caf::actor>(self), entry.incarnation,
                                            std::move(known), first_start, st.sink_files,
                                            entry.metrics);
  if (entry.failing) // healthy again once it runs a whole window without failing
    self->delayed_send(self, st.supervision.window, health_atom::value, entry.cfg.key,
                       entry.incarnation);
  self->monitor(entry.tailer);
  st.key_of.emplace(entry.tailer.address(), entry.cfg.key);
}

std::vector<key_stats> collect_stats(self_ptr self) {
  std::vector<key_stats> result;
  for (auto& [key, entry] : self->state.keys)
    result.push_back(key_stats{key, entry.restarts, entry.rotations, entry.truncations,
                               entry.failing, entry.last_failure});
  return result;
}

/// Starts the key's tailer where the sink has its lines up to. `first_start`:
/// read_from applies where the sink knows no position.
void start_from_delivered(self_ptr self, const std::string& key, bool first_start) {
  auto& st = self->state;
  auto it = st.keys.find(key);
  if (st.stopping || it == st.keys.end() || it->second.tailer || it->second.starting)
    return;
  it->second.starting = true;
  // The sink answers after writing every batch queued before this request,
  // in particular all a dead tailer sent: the new one starts exactly where
  // delivered lines end, so nothing is lost and nothing repeated.
  self->request(st.sink, caf::infinite, sync_atom::value, key)
    .then([self, key, first_start](const std::vector<delivered_position>& positions) {
      auto& st = self->state;
      auto it = st.keys.find(key);
      if (it == st.keys.end())
        return;
      it->second.starting = false;
      if (st.stopping || it->second.tailer)
        return;
      std::vector<resume_position> known;
      for (auto& pos : positions)
        known.push_back(resume_position{pos.file, pos.offset, pos.path, pos.reading});
      start_tailer(self, it->second, std::move(known), first_start);
    });
}

// How long a stop waits for a sink that cannot write (full disk...). What it
// could not write is not committed, so the next start reads it again.
constexpr auto drain_timeout = std::chrono::seconds(10);

void finish_stop(self_ptr self) {
  // Every tailer is gone, so every batch they sent is already in the sink's
  // mailbox: once the sink answers, all of them are written.
  self->request(self->state.sink, drain_timeout, drain_atom::value)
    .then(
      [self](caf::ok_atom) {
        auto stats = collect_stats(self);
        for (auto& promise : self->state.stop_promises)
          promise.deliver(stats);
        self->quit();
      },
      [self](caf::error& err) {
        log_error(self->state.name, "the sink could not write everything before the stop (" +
                                      self->system().render(err) +
                                      "); what it did not commit is read again at the next start");
        for (auto& promise : self->state.stop_promises)
          promise.deliver(err);
        self->quit(err);
      });
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto found = st.key_of.find(dm.source);
  if (found == st.key_of.end())
    return;
  auto key = found->second;
  st.key_of.erase(found);
  if (st.stopping) {
    if (st.key_of.empty())
      finish_stop(self);
    return;
  }
  auto entry_it = st.keys.find(key);
  if (entry_it == st.keys.end())
    return;
  auto& entry = entry_it->second;
  entry.tailer = nullptr;
  // What it sent and was not acknowledged is read again by its successor.
  entry.metrics->unacked_bytes = 0;
  if (entry.removing && !entry.pending_cfg) {
    st.keys.erase(entry_it);
    st.metrics->hide_key(key);
    log_info(st.name, "key " + key + " removed; the sink keeps its position for a re-add");
    return;
  }
  if (entry.pending_cfg) { // an update or a re-add: not a failure
    entry.cfg = std::move(*entry.pending_cfg);
    entry.pending_cfg.reset();
    entry.removing = false;
    start_from_delivered(self, key, true);
    return;
  }
  entry.last_failure = dm.reason ? self->system().render(dm.reason) : "exited without an error";
  auto delay = entry.policy.on_failure(restart_policy::clock::now(), entry.started);
  if (entry.policy.failing() && !entry.failing)
    log_error(st.name, "key " + key + " is failing: " +
                         std::to_string(entry.policy.failures_in_window()) +
                         " failures within the window (max_restarts " +
                         std::to_string(st.supervision.max_restarts) + "); last: " +
                         entry.last_failure + "; still retrying every " +
                         std::to_string(delay.count()) + " ms");
  entry.failing = entry.policy.failing();
  entry.metrics->set_last_failure(entry.last_failure);
  entry.metrics->failing = entry.failing;
  log_warn(st.name, "tailer[" + key + "] went down (" + entry.last_failure + "); restarting in " +
                      std::to_string(delay.count()) + " ms");
  self->delayed_send(self, delay, restart_atom::value, key, entry.incarnation);
}

void on_restart(self_ptr self, const std::string& key, uint64_t incarnation) {
  auto& st = self->state;
  auto it = st.keys.find(key);
  if (it == st.keys.end() || it->second.incarnation != incarnation)
    return; // removed, or started again meanwhile
  ++it->second.restarts;
  ++it->second.metrics->restarts;
  start_from_delivered(self, key, false);
}

void on_update(self_ptr self, const log_config& cfg);

void on_add(self_ptr self, const log_config& cfg) {
  auto& st = self->state;
  auto it = st.keys.find(cfg.key);
  if (it == st.keys.end()) {
    auto& entry = st.keys.emplace(cfg.key, key_entry{cfg, st.supervision}).first->second;
    entry.metrics = st.metrics->key(cfg.key);
    start_from_delivered(self, cfg.key, true);
  } else if (it->second.removing) {
    it->second.pending_cfg = cfg; // started again once the old tailer is down
  } else {
    on_update(self, cfg);
  }
}

void on_update(self_ptr self, const log_config& cfg) {
  auto& st = self->state;
  auto it = st.keys.find(cfg.key);
  if (it == st.keys.end())
    return on_add(self, cfg);
  auto& entry = it->second;
  if (entry.tailer) {
    // Stopped, not killed: what it sent is written before the new one starts.
    entry.pending_cfg = cfg;
    self->send_exit(entry.tailer, caf::exit_reason::user_shutdown);
  } else {
    entry.cfg = cfg; // a pending (re)start picks it up
  }
}

void on_remove(self_ptr self, const std::string& key) {
  auto& st = self->state;
  auto it = st.keys.find(key);
  if (it == st.keys.end())
    return;
  if (it->second.tailer) {
    it->second.removing = true;
    it->second.pending_cfg.reset();
    self->send_exit(it->second.tailer, caf::exit_reason::user_shutdown);
  } else {
    st.keys.erase(it);
    st.metrics->hide_key(key);
  }
}

} // namespace

caf::behavior root_actor(self_ptr self, collector_config cfg, caf::actor sink,
                         std::shared_ptr<metrics_registry> metrics) {
  auto& st = self->state;
  st.metrics = std::move(metrics);
  st.supervision = cfg.supervision;
  st.sink = std::move(sink);
  if (cfg.sink.type == sink_type::file)
    st.sink_files.push_back(cfg.sink.path);
  if (cfg.sink.type == sink_type::remote)
    st.shared_window = cfg.sink.max_inflight_bytes;
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  for (auto& log : cfg.logs)
    on_add(self, log);
  log_info(st.name, "collecting " + std::to_string(st.keys.size()) + " keys");
  return {
    [self](restart_atom, const std::string& key, uint64_t incarnation) {
      on_restart(self, key, incarnation);
    },
    [self](key_add_atom, const log_config& cfg) { on_add(self, cfg); },
    [self](key_update_atom, const log_config& cfg) { on_update(self, cfg); },
    [self](key_remove_atom, const std::string& key) { on_remove(self, key); },
    [self](sink_config_atom, const sink_config& cfg) {
      if (cfg.type == sink_type::file)
        self->state.sink_files.push_back(cfg.path); // old outputs stay excluded too
      if (cfg.type == sink_type::remote && self->state.shared_window > 0)
        self->state.shared_window = cfg.max_inflight_bytes; // for tailers started from now on
      self->send(self->state.sink, sink_config_atom::value, cfg);
    },
    [self](supervision_atom, const supervision_config& cfg) {
      auto& st = self->state;
      st.supervision = cfg;
      for (auto& [key, entry] : st.keys)
        entry.policy = restart_policy{cfg};
    },
    [self](const file_events& ev) {
      auto it = self->state.keys.find(ev.key);
      if (it == self->state.keys.end())
        return;
      it->second.rotations += ev.rotations;
      it->second.truncations += ev.truncations;
      it->second.metrics->rotations += ev.rotations;
      it->second.metrics->truncations += ev.truncations;
    },
    [self](health_atom, const std::string& key, uint64_t incarnation) {
      auto it = self->state.keys.find(key);
      if (it == self->state.keys.end() || it->second.incarnation != incarnation ||
          !it->second.tailer || !it->second.failing)
        return; // gone, or failed again meanwhile
      it->second.failing = false;
      it->second.metrics->failing = false;
      log_info(self->state.name, "key " + key + " is healthy again: its tailer ran " +
                                   std::to_string(self->state.supervision.window.count()) +
                                   " ms without failing");
    },
    [self](stats_atom) { return collect_stats(self); },
    [self](stop_atom) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      st.stop_promises.push_back(promise);
      if (!st.stopping) {
        st.stopping = true;
        log_info(st.name, "stopping: tailers stop reading, the sink writes what they read");
        for (auto& [key, entry] : st.keys)
          if (entry.tailer)
            self->send_exit(entry.tailer, caf::exit_reason::user_shutdown);
        if (st.key_of.empty())
          finish_stop(self);
      }
      return promise;
    },
  };
}

} // namespace logcatch
