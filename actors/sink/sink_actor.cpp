#include "actors/sink/sink_actor.hpp"

#include <cstring>
#include <optional>
#include <filesystem>
#include <system_error>
#include <thread>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "actors/sink/committer_actor.hpp"
#include "actors/remote/incoming_batch_check.hpp"
#include "actors/sink/line_formatter.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<sink_state>*;

constexpr auto retry_interval = std::chrono::seconds(1);
constexpr uint64_t held_ack_limit = 4 * 1024 * 1024;

/// Writes what is left of `w`; true when all of it is written.
bool try_write(sink_state& st, pending_write& w) {
  if (w.skip)
    return true;
  const std::string& bytes = w.text.empty() && w.first_line == 0 ? w.batch.data : w.text;
  if (st.cfg.fault_write_delay.count() > 0)
    std::this_thread::sleep_for(st.cfg.fault_write_delay);
  w.written += st.out->write(bytes.data() + w.written, bytes.size() - w.written);
  return w.written == bytes.size();
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// An acknowledgement; an aggregator sends it in its gateway's name.
void send_ack(self_ptr self, const caf::actor& to, uint64_t bytes) {
  auto& st = self->state;
  if (st.sessions)
    st.sessions->tell(self, caf::actor_cast<caf::strong_actor_ptr>(to),
                      caf::make_message(ack_atom::value, bytes));
  else
    self->send(to, ack_atom::value, bytes);
}

void release_acks(self_ptr self);
void schedule_commit(self_ptr self);
void commit(self_ptr self);

/// Drains wait for everything queued before them to be written, and for a
/// commit of it to be tried. A commit that failed is not a stop that kept
/// everything: the drain then answers with an error (the stop exits 1), since
/// what was written since the last commit is sent again at the next start.
void finish_drains(self_ptr self) {
  auto& st = self->state;
  bool settled =
    !st.state || (!st.commit_in_flight && (!st.dirty || st.last_commit_failed));
  if (st.waiting_drain.empty() || !st.backlog.empty() || st.holding_for_switch || !st.held.empty() ||
      !settled)
    return;
  if (st.state && st.last_commit_failed) {
    auto why = "the last commit failed (" + st.commit_problem + "): " +
               std::to_string(st.commit_errors) + " failed commits and " +
               std::to_string(st.commits) +
               " good ones; lines written since the last good commit are not durable and "
               "are sent again at the next start";
    log_error(st.name, "stopping with uncommitted output: " + why);
    for (auto& promise : st.waiting_drain)
      promise.deliver(caf::make_error(caf::sec::runtime_error, why));
  } else {
    for (auto& promise : st.waiting_drain)
      promise.deliver(caf::ok_atom::value);
  }
  st.waiting_drain.clear();
}

/// The syncs whose baselines the last commit held: answered now, or with
/// the other syncs once no failed write is pending.
void answer_baselines(self_ptr self) {
  auto& st = self->state;
  for (auto& [key, promise] : st.baselines_in_commit) {
    if (st.backlog.empty())
      promise.deliver(st.positions.get(key));
    else
      st.waiting_sync.emplace_back(key, std::move(promise));
  }
  st.baselines_in_commit.clear();
}

void flush_backlog(self_ptr self);

void write_batch(self_ptr self, line_batch& batch, caf::actor reply_to);
void answer_waiters(self_ptr self);

/// Writes the batches that arrived during an output switch, in order.
void write_held(self_ptr self) {
  auto& st = self->state;
  if (st.holding_for_switch || st.held.empty())
    return;
  auto held = std::move(st.held);
  st.held.clear();
  for (auto& [batch, to] : held)
    write_batch(self, batch, std::move(to));
  if (st.backlog.empty())
    answer_waiters(self);
}

/// Writes resume into the new output once a commit naming it was tried.
/// `now` false: the held batches are written from the mailbox (the caller
/// is inside a commit); later batches queue behind them meanwhile.
void release_switch_hold(self_ptr self, const std::string& error, bool now = true) {
  auto& st = self->state;
  st.holding_for_switch = false;
  st.switch_seq = 0;
  if (!error.empty())
    log_error(st.name, "writing to " + st.out->name() +
                         " although no state names it yet: a crash before the next good commit "
                         "may repeat the lines written to it");
  if (now)
    write_held(self);
  else if (!st.held.empty())
    self->send(self, retry_atom::value);
}

/// Counts and reports a commit that failed; it is retried after commit_interval.
void commit_failed(self_ptr self, const std::string& error) {
  auto& st = self->state;
  st.last_commit_failed = true;
  ++st.commit_errors;
  if (st.metrics)
    ++st.metrics->sink().commit_errors;
  if (st.commit_problem != error)
    log_error(st.name, error + "; the last committed state stays in force, retrying every " +
                         std::to_string(st.commit_interval.count()) + " ms");
  st.commit_problem = error;
  // Their batches are not durable yet: they wait for a commit that works.
  for (auto& held : st.held_acks)
    st.acks_in_commit.push_back(held);
  st.held_acks = std::move(st.acks_in_commit);
  st.acks_in_commit.clear();
  schedule_commit(self); // retried after commit_interval
}

void on_committed(self_ptr self, uint64_t seq, const std::string& error) {
  auto& st = self->state;
  st.commit_in_flight = false;
  st.last_commit_failed = !error.empty();
  if (error.empty()) {
    ++st.commits;
    if (st.metrics) {
      auto& sm = st.metrics->sink();
      ++sm.commits;
      sm.commit_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - st.commit_asked).count());
    }
    for (auto& [to, bytes] : st.acks_in_commit)
      send_ack(self, to, bytes);
    st.acks_in_commit.clear();
    answer_baselines(self);
    if (!st.commit_problem.empty())
      log_info(st.name, st.state->path() + ": committing again");
    st.commit_problem.clear();
  } else {
    commit_failed(self, error);
    // Collection goes on without a durable baseline rather than not at all
    // (the commit error is logged and counted).
    answer_baselines(self);
  }
  if (st.holding_for_switch && st.switch_seq != 0 && seq >= st.switch_seq)
    release_switch_hold(self, error);
  if (st.holding_for_switch && st.switch_seq == 0) {
    commit(self); // the output changed while this commit was in flight
  } else if (st.commit_again && error.empty()) {
    st.commit_again = false;
    commit(self);
  }
  finish_drains(self);
}

/// Makes the new output the one written to. With a state file, the old one
/// is synced and the new one named in a commit before anything is written
/// to it, so that recovery after a crash cuts the right file.
void switch_output(self_ptr self, std::shared_ptr<output_writer> next) {
  auto& st = self->state;
  if (st.state) {
    st.retired.push_back(std::move(st.out));
    st.holding_for_switch = next->is_file();
    st.switch_seq = 0; // a commit asked before does not name `next`
  }
  st.out = std::move(next);
  st.output_length = st.out->length_at_open();
  st.output_missing_seen = false;
  st.dirty = true;
  if (st.metrics)
    ++st.metrics->sink().output_reopens;
}

/// Looks at the output's path and reopens it there when the open file was
/// renamed away or deleted; true when it did. `asked`: on SIGHUP, when the
/// rotation is known to be complete; looking by itself, an empty path gets
/// one more look first, so that a rotation between its rename and its
/// `create` finds the path free.
bool reopen_if_moved(self_ptr self, bool asked) {
  auto& st = self->state;
  if (!st.out->is_file())
    return false;
  st.last_look = std::chrono::steady_clock::now();
  auto where = st.out->check_path();
  if (where == output_writer::path_state::same) {
    st.output_missing_seen = false;
    return false;
  }
  if (where == output_writer::path_state::missing && !asked && !st.output_missing_seen) {
    st.output_missing_seen = true;
    return false;
  }
  std::shared_ptr<output_writer> next;
  try {
    next = std::make_shared<output_writer>(st.cfg);
  } catch (const std::exception& e) {
    if (st.reopen_problem != e.what())
      log_error(st.name, st.out->name() + " was " + to_string(where) + " but cannot be reopened (" +
                           e.what() + "); still writing to the old file, trying again at the next commit");
    st.reopen_problem = e.what();
    return false;
  }
  st.reopen_problem.clear();
  log_info(st.name, st.out->name() + " was " + to_string(where) + (asked ? "; on SIGHUP" : "") +
                      ": reopened it by path (" + std::to_string(next->length_at_open()) +
                      " bytes there); what was written before is in the old file");
  switch_output(self, std::move(next));
  return true;
}

/// Syncs the outputs replaced since the last commit; the error, or "".
std::string sync_retired(sink_state& st) {
  while (!st.retired.empty()) {
    auto& old = st.retired.front();
    if (!old->sync())
      return old->name() + ": cannot sync the replaced sink output: " + std::strerror(old->last_error());
    st.retired.erase(st.retired.begin());
  }
  return {};
}

/// Captures the output length and every position at this instant and has
/// the committer make them durable (output first, then the state naming its
/// length): on disk the state never claims lines the output does not hold.
void commit(self_ptr self) {
  auto& st = self->state;
  if (!st.state)
    return;
  if (st.commit_in_flight) {
    st.commit_again = true;
    return;
  }
  if (!st.dirty) {
    release_acks(self); // e.g. only duplicates since the last commit
    return;
  }
  // A renamed or deleted output is seen at least at every commit.
  reopen_if_moved(self, false);
  // On this thread: an output is replaced once per rotation, and writes wait
  // for this commit anyway.
  if (auto error = sync_retired(st); !error.empty()) {
    commit_failed(self, error);
    if (st.holding_for_switch)
      release_switch_hold(self, error, false);
    finish_drains(self);
    return;
  }
  commit_request req;
  req.seq = ++st.commit_seq;
  if (st.holding_for_switch && st.switch_seq == 0)
    st.switch_seq = req.seq;
  req.out = st.out;
  req.state = st.state;
  auto& cp = req.checkpoint;
  cp.has_sink_length = st.out->is_file();
  cp.sink_length = st.output_length;
  cp.sink_path = st.out->is_file() ? st.cfg.path : std::string();
  cp.has_sink_identity = st.out->is_file();
  if (cp.has_sink_identity)
    cp.sink_file = st.out->identity(st.output_length);
  cp.files.reserve(st.positions.total());
  st.positions.for_each([&](const std::string& key, const delivered_position& pos) {
    cp.files.push_back(file_checkpoint{key, pos.file, pos.offset, pos.path, pos.updated_ms, pos.reading});
  });
  st.dirty = false;
  st.commit_in_flight = true;
  st.commit_asked = std::chrono::steady_clock::now();
  for (auto& held : st.held_acks)
    st.acks_in_commit.push_back(held);
  st.held_acks.clear();
  st.held_ack_bytes = 0;
  for (auto& waiting : st.waiting_baseline)
    st.baselines_in_commit.push_back(std::move(waiting));
  st.waiting_baseline.clear();
  auto seq = req.seq;
  self->request(st.committer, caf::infinite, std::move(req))
    .then([self](commit_atom, uint64_t done, const std::string& error) { on_committed(self, done, error); },
          [self, seq](caf::error& err) { on_committed(self, seq, self->system().render(err)); });
}

void commit(self_ptr self);

/// Acknowledges a batch to whoever sent it. An aggregator with a state file
/// holds acknowledgements until the next commit: a collector forgets what
/// was acknowledged, so it must already survive an aggregator SIGKILL.
void acknowledge(self_ptr self, const caf::actor& to, uint64_t bytes) {
  auto& st = self->state;
  if (!to)
    return;
  if (!st.aggregator || !st.state) {
    send_ack(self, to, bytes);
    return;
  }
  st.held_acks.emplace_back(to, bytes);
  st.held_ack_bytes += bytes;
  // Many bytes waiting: commit now rather than stall collectors' windows.
  if (st.held_ack_bytes >= held_ack_limit && st.backlog.empty())
    commit(self);
}

void release_acks(self_ptr self) {
  auto& st = self->state;
  for (auto& [to, bytes] : st.held_acks)
    send_ack(self, to, bytes);
  st.held_acks.clear();
  st.held_ack_bytes = 0;
}

void schedule_commit(self_ptr self) {
  auto& st = self->state;
  st.dirty = true;
  if (st.state && !st.commit_scheduled) {
    st.commit_scheduled = true;
    self->delayed_send(self, st.commit_interval, commit_atom::value);
  }
}

void finish(self_ptr self, pending_write& w) {
  auto& st = self->state;
  if (w.skip) {
    acknowledge(self, w.reply_to, w.batch.data.size());
    return;
  }
  st.positions.commit(w.batch, now_ms());
  st.output_length += w.written;
  schedule_commit(self);
  auto lines = w.batch.line_count() - w.first_line;
  st.lines_written += lines;
  st.bytes_written += w.written;
  if (st.metrics) {
    auto& sm = st.metrics->sink();
    sm.lines_written.fetch_add(lines, std::memory_order_relaxed);
    sm.bytes_written.fetch_add(w.written, std::memory_order_relaxed);
    if (auto* km = st.key_figures.get(st.metrics.get(), w.batch.key))
      km->lines_delivered.fetch_add(lines, std::memory_order_relaxed);
  }
  if (st.observer && lines > 0)
    st.observer(w.batch, w.first_line);
  acknowledge(self, w.reply_to, w.batch.data.size());
}

void answer_waiters(self_ptr self) {
  auto& st = self->state;
  if (st.holding_for_switch || !st.held.empty())
    return; // write_held answers once they are written
  for (auto& [key, promise] : st.waiting_sync)
    promise.deliver(st.positions.get(key));
  st.waiting_sync.clear();
  if (!st.waiting_drain.empty())
    commit(self);
  finish_drains(self);
}

void report_failure(self_ptr self) {
  auto& st = self->state;
  st.write_failing = true;
  ++st.write_errors;
  if (st.metrics)
    ++st.metrics->sink().write_errors;
  log_error(st.name, st.out->name() + ": write failed: " + std::strerror(st.out->last_error()) +
                       "; holding " + std::to_string(st.backlog.size()) +
                       " batches, retrying every second (nothing is acknowledged meanwhile)");
  if (!st.retry_scheduled) {
    st.retry_scheduled = true;
    self->delayed_send(self, retry_interval, retry_atom::value);
  }
}

void flush_backlog(self_ptr self) {
  auto& st = self->state;
  while (!st.backlog.empty()) {
    if (!try_write(st, st.backlog.front())) {
      report_failure(self);
      return;
    }
    finish(self, st.backlog.front());
    st.backlog.pop_front();
  }
  if (st.write_failing)
    log_info(st.name, st.out->name() + ": writing again");
  st.write_failing = false;
  answer_waiters(self);
}

/// A collector's hello, answered in the gateway's name: its credential, or
/// why it is refused.
void answer_hello(self_ptr self, const hello_request& request) {
  auto& st = self->state;
  if (!st.aggregator) {
    self->make_response_promise().deliver(caf::make_error(caf::sec::unexpected_message));
    return;
  }
  auto reply = st.sessions->network_reply(self);
  auto opened = st.sessions->hello(self, request);
  if (opened)
    reply.deliver(*opened);
  else
    reply.deliver(opened.error());
}

/// Checks a batch against the delivered positions and writes it (or queues
/// it behind a failed write); `reply_to` gets the acknowledgement.
void write_batch(self_ptr self, line_batch& batch, caf::actor reply_to) {
  auto& st = self->state;
  pending_write w;
  w.reply_to = std::move(reply_to);
  auto check = st.positions.check(batch);
  if (!check.note.empty())
    log_warn(st.name, batch.key + " " + batch.path + ": " + check.note);
  if (check.drop) {
    if (st.backlog.empty()) {
      acknowledge(self, w.reply_to, batch.data.size());
      if (!st.held_acks.empty())
        schedule_commit(self); // releases it even if nothing else comes
    } else { // acknowledgements go out in arrival order (a remote sink counts on it)
      w.skip = true;
      w.batch = std::move(batch);
      st.backlog.push_back(std::move(w));
    }
    return;
  }
  w.first_line = check.first_line;
  if (st.cfg.format != output_format::plain || w.first_line > 0)
    format_batch(batch, w.first_line, st.cfg.format, w.text);
  w.batch = std::move(batch);
  if (!st.backlog.empty()) {
    st.backlog.push_back(std::move(w)); // keep order behind the failed write
    return;
  }
  if (try_write(st, w)) {
    finish(self, w);
    return;
  }
  st.backlog.push_back(std::move(w));
  report_failure(self);
}

void on_batch(self_ptr self, line_batch& batch) {
  auto& st = self->state;
  caf::actor reply_to;
  if (st.aggregator) {
    auto* session = st.sessions->live(self, batch.session, "a batch");
    if (!session)
      return; // no acknowledgement: the collector keeps it and sends it again
    if (auto why = check_incoming_batch(batch); !why.empty()) {
      st.sessions->end(self, batch.session, "bad batch for key '" + batch.key.substr(0, 100) + "': " + why);
      return;
    }
    batch.node = session->node; // the session's name, whatever the batch claims
    reply_to = session->peer;   // acknowledged to the session, not to a claimed sender
  } else {
    reply_to = caf::actor_cast<caf::actor>(self->current_sender());
  }
  // After a quiet spell, a look at the path before writing: a rotation while
  // idle is then seen before the next line goes to the old file.
  if (st.out->is_file() && std::chrono::steady_clock::now() - st.last_look >= st.commit_interval &&
      reopen_if_moved(self, false))
    commit(self);
  if (st.holding_for_switch || !st.held.empty()) {
    // Checked against the positions when written, after the batches before it.
    st.held.emplace_back(std::move(batch), std::move(reply_to));
    return;
  }
  write_batch(self, batch, std::move(reply_to));
}

/// A sync's answer: the key's delivered positions once every batch queued
/// before it is written. Answered only when no failed write is pending, so a
/// restarted tailer never starts from a position that queued batches are
/// about to move.
void answer_sync(self_ptr self, const std::string& key, reply_slot reply) {
  auto& st = self->state;
  // A key's first sync makes its baseline (the time since which it
  // tracks its files), answered only once a commit holds it: a tailer
  // that read before would, after a SIGKILL, meet a later baseline and
  // take a file rotated in between for history.
  if (st.positions.ensure_baseline(key, now_ms()) && st.state) {
    st.waiting_baseline.emplace_back(key, std::move(reply));
    schedule_commit(self);
    if (!st.commit_in_flight)
      commit(self);
    return;
  }
  if (st.backlog.empty() && st.held.empty() && !st.holding_for_switch)
    reply.deliver(st.positions.get(key));
  else
    st.waiting_sync.emplace_back(key, std::move(reply));
}

} // namespace

sink_state::~sink_state() {
  if (out)
    log_info(name, "stopped after writing " + std::to_string(lines_written) + " lines to " +
                     out->name() + (backlog.empty() ? "" : "; " + std::to_string(backlog.size()) +
                                                            " batches could not be written") +
                     (last_commit_failed ? "; the last commit failed: " + commit_problem : ""));
}

caf::behavior sink_actor(self_ptr self, sink_options opts) {
  auto& st = self->state;
  st.cfg = std::move(opts.cfg);
  st.out = std::move(opts.out);
  st.observer = std::move(opts.observer);
  st.state = std::move(opts.state);
  st.commit_interval = opts.commit_interval;
  st.aggregator = opts.aggregator;
  st.sessions = std::move(opts.sessions);
  if (st.aggregator && !st.sessions)
    st.sessions = std::make_shared<collector_sessions>("aggregator", collector_sessions_options{});
  st.metrics = std::move(opts.metrics);
  if (st.aggregator)
    st.name = "aggregator";
  st.output_length = opts.recovery.output_length;
  if (st.state) // linked: it goes when the sink goes
    st.committer = self->spawn<caf::detached + caf::linked>(committer_actor, st.state->path());
  if (st.state && !opts.recovery.state_saved)
    schedule_commit(self); // the starting point is not durable: commit it until that works
  for (auto& f : opts.recovery.files)
    st.positions.restore(
      f.key, delivered_position{true, f.file, f.offset, f.path, f.updated_ms, f.reading});
  // Only collectors are monitored (at their hello): their sessions end with
  // their connections. The sink is reachable from no network peer (see
  // gateway_actor), so no stranger's down message gets here.
  self->set_down_handler([self](caf::down_msg& dm) {
    if (self->state.sessions)
      self->state.sessions->on_down(dm);
  });
  return {
    [self](gateway_atom, const caf::actor& gateway) {
      if (self->state.sessions)
        self->state.sessions->set_gateway(gateway);
    },
    [self](line_batch& batch) { on_batch(self, batch); },
    [self](forget_atom, const std::string& key, const file_identity& file) {
      auto& st = self->state;
      if (st.aggregator)
        return; // from a collector only with its credential (below)
      st.positions.forget(key, file);
      schedule_commit(self);
    },
    [self](forget_atom, const session_credential& credential, const std::string& key,
           const file_identity& file) {
      auto& st = self->state;
      if (!st.aggregator)
        return;
      auto* session = st.sessions->live(self, credential, "a forget");
      if (!session)
        return;
      if (key.empty() || key.size() > 4096) {
        st.sessions->end(self, credential, "forget with a key of " + std::to_string(key.size()) + " bytes");
        return;
      }
      st.positions.forget(session->node + "/" + key, file);
      schedule_commit(self);
    },
    // A collector says who it is before anything else is accepted, and gets
    // the credential that alone lets it speak for that node from now on;
    // over TLS it may first ask for a challenge to sign (collector_sessions).
    [self](challenge_atom) -> caf::delegated<std::string> {
      auto& st = self->state;
      if (!st.aggregator) {
        self->make_response_promise().deliver(caf::make_error(caf::sec::unexpected_message));
        return {};
      }
      auto reply = st.sessions->network_reply(self);
      reply.deliver(st.sessions->challenge());
      return {};
    },
    [self](hello_atom, const std::string& node, const std::string& token,
           const std::string& instance) -> caf::delegated<session_credential> {
      answer_hello(self, hello_request{node, token, instance, {}, {}, {}});
      return {};
    },
    [self](hello_atom, const std::string& node, const std::string& token, const std::string& instance,
           const std::string& nonce, const std::string& certificate,
           const std::string& signature) -> caf::delegated<session_credential> {
      answer_hello(self, hello_request{node, token, instance, nonce, certificate, signature});
      return {};
    },
    // A local root asks a local sink; an aggregator answers a collector
    // (below), for the collector's own keys only.
    [self](sync_atom, const std::string& key) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      reply_slot slot;
      slot.local = promise;
      if (st.aggregator)
        slot.deliver(caf::make_error(caf::sec::invalid_argument, "no session credential"));
      else
        answer_sync(self, key, std::move(slot));
      return promise;
    },
    [self](sync_atom, const session_credential& credential,
           const std::string& key) -> caf::delegated<std::vector<delivered_position>> {
      auto& st = self->state;
      if (!st.aggregator) {
        self->make_response_promise().deliver(caf::make_error(caf::sec::unexpected_message));
        return {};
      }
      auto reply = st.sessions->network_reply(self);
      auto* session = st.sessions->live(self, credential, "a sync");
      if (!session) {
        reply.deliver(caf::make_error(caf::sec::invalid_argument, "no live session: say hello again"));
        return {};
      }
      if (key.empty() || key.size() > 4096) {
        reply.deliver(caf::make_error(caf::sec::invalid_argument, "bad key"));
        st.sessions->end(self, credential, "sync with a key of " + std::to_string(key.size()) + " bytes");
        return {};
      }
      answer_sync(self, session->node + "/" + key, std::move(reply));
      return {};
    },
    [self](drain_atom) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      st.waiting_drain.push_back(promise);
      if (st.backlog.empty())
        commit(self); // a graceful stop leaves everything committed
      finish_drains(self);
      return promise;
    },
    // A sink change from a config reload: later batches go to the new
    // destination; if it cannot be opened, the current one stays.
    [self](sink_config_atom, const sink_config& cfg) {
      auto& st = self->state;
      if (cfg.type == sink_type::remote) {
        log_error(st.name, "sink change not applied: switching to a remote sink needs a restart "
                           "of logcatch; still writing to " + st.out->name());
        return;
      }
      try {
        auto out = std::make_shared<output_writer>(cfg);
        log_info(st.name, "now writing to " + out->name() + " (was " + st.out->name() + ")");
        st.cfg = cfg;
        switch_output(self, std::move(out)); // the old output synced, the new one committed first
        commit(self);
      } catch (const std::exception& e) {
        log_error(st.name, std::string("sink change not applied: ") + e.what() +
                             "; still writing to " + st.out->name());
      }
    },
    [self](commit_atom) {
      self->state.commit_scheduled = false;
      commit(self);
    },
    // SIGHUP (from main, ahead of queued batches): the output may have been
    // rotated, reopen it by path now. logrotate runs `postrotate` before it
    // compresses the rotated file, so lines written to it until here are
    // in the compressed file.
    [](credit_wait_atom, uint64_t) {
      // Batches are written as they come: nothing waits for more.
    },
    [self](reload_atom) {
      if (reopen_if_moved(self, true))
        commit(self);
    },
    [self](retry_atom) {
      self->state.retry_scheduled = false;
      if (!self->state.backlog.empty())
        flush_backlog(self);
      write_held(self);
    },
  };
}

} // namespace logcatch
