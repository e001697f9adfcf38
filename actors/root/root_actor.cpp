#include "actors/root/root_actor.hpp"

#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "actors/tailer/tailer_actor.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<root_state>*;

void start_tailer(self_ptr self, key_entry& entry, std::optional<resume_position> resume,
                  bool first_start) {
  auto& st = self->state;
  ++entry.incarnation;
  entry.started = restart_policy::clock::now();
  entry.tailer = self->spawn<caf::detached>(tailer_actor, entry.cfg, st.sink,
                                            caf::actor_cast<caf::actor>(self), entry.incarnation,
                                            std::move(resume), first_start);
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

void finish_stop(self_ptr self) {
  // Every tailer is gone, so every batch they sent is already in the sink's
  // mailbox: once the sink answers, all of them are written.
  self->request(self->state.sink, caf::infinite, drain_atom::value)
    .then(
      [self](caf::ok_atom) {
        auto stats = collect_stats(self);
        for (auto& promise : self->state.stop_promises)
          promise.deliver(stats);
        self->quit();
      },
      [self](caf::error& err) {
        log_error(self->state.name, "sink did not drain: " + self->system().render(err));
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
  log_warn(st.name, "tailer[" + key + "] went down (" + entry.last_failure + "); restarting in " +
                      std::to_string(delay.count()) + " ms");
  self->delayed_send(self, delay, restart_atom::value, key, entry.incarnation);
}

void on_restart(self_ptr self, const std::string& key, uint64_t incarnation) {
  auto& st = self->state;
  auto it = st.keys.find(key);
  if (st.stopping || it == st.keys.end() || it->second.incarnation != incarnation ||
      it->second.tailer)
    return;
  // The sink answers after writing every batch the dead tailer sent, so the
  // new tailer starts exactly where delivered lines end: no loss, no repeat.
  self->request(st.sink, caf::infinite, sync_atom::value, key)
    .then([self, key, incarnation](const delivered_position& pos) {
      auto& st = self->state;
      auto it = st.keys.find(key);
      if (st.stopping || it == st.keys.end() || it->second.incarnation != incarnation)
        return;
      std::optional<resume_position> resume;
      if (pos.known)
        resume = resume_position{pos.file, pos.offset, pos.path};
      ++it->second.restarts;
      start_tailer(self, it->second, std::move(resume), false);
    });
}

} // namespace

caf::behavior root_actor(self_ptr self, collector_config cfg, caf::actor sink) {
  auto& st = self->state;
  st.supervision = cfg.supervision;
  st.sink = std::move(sink);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  for (auto& log : cfg.logs) {
    auto [it, inserted] = st.keys.emplace(log.key, key_entry{log, cfg.supervision});
    if (inserted)
      start_tailer(self, it->second, std::nullopt, true);
  }
  log_info(st.name, "collecting " + std::to_string(st.keys.size()) + " keys");
  return {
    [self](restart_atom, const std::string& key, uint64_t incarnation) {
      on_restart(self, key, incarnation);
    },
    [self](const file_events& ev) {
      auto it = self->state.keys.find(ev.key);
      if (it == self->state.keys.end())
        return;
      it->second.rotations += ev.rotations;
      it->second.truncations += ev.truncations;
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
