#include "actors/sink/sink_actor.hpp"

#include <cstring>
#include <optional>
#include <filesystem>
#include <system_error>
#include <thread>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "actors/sink/committer_actor.hpp"
#include "actors/sink/line_formatter.hpp"
#include "config/network_names.hpp"

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

void release_acks(self_ptr self);
void schedule_commit(self_ptr self);
void commit(self_ptr self);

/// Drains wait for everything queued before them to be written, and for a
/// commit of it to be tried (a state_dir that cannot be written costs
/// durability, not the stop).
void finish_drains(self_ptr self) {
  auto& st = self->state;
  bool committed =
    !st.state || (!st.commit_in_flight && (!st.dirty || st.last_commit_failed));
  if (st.waiting_drain.empty() || !st.backlog.empty() || !committed)
    return;
  for (auto& promise : st.waiting_drain)
    promise.deliver(caf::ok_atom::value);
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

void on_committed(self_ptr self, const std::string& error) {
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
      self->send(to, ack_atom::value, bytes);
    st.acks_in_commit.clear();
    answer_baselines(self);
    if (!st.commit_problem.empty())
      log_info(st.name, st.state->path() + ": committing again");
    st.commit_problem.clear();
  } else {
    ++st.commit_errors;
    if (st.commit_problem != error)
      log_error(st.name, error + "; the last committed state stays in force, retrying every " +
                           std::to_string(st.commit_interval.count()) + " ms");
    st.commit_problem = error;
    // Their batches are not durable yet: they wait for a commit that works.
    for (auto& held : st.held_acks)
      st.acks_in_commit.push_back(held);
    st.held_acks = std::move(st.acks_in_commit);
    st.acks_in_commit.clear();
    // Collection goes on without a durable baseline rather than not at all
    // (the commit error is logged and counted).
    answer_baselines(self);
    schedule_commit(self); // retried after commit_interval
  }
  if (st.commit_again && error.empty()) {
    st.commit_again = false;
    commit(self);
  }
  finish_drains(self);
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
  commit_request req;
  req.seq = ++st.commit_seq;
  req.out = st.out;
  req.state = st.state;
  auto& cp = req.checkpoint;
  cp.has_sink_length = st.cfg.type == sink_type::file;
  cp.sink_length = st.output_length;
  cp.sink_path = st.cfg.type == sink_type::file ? st.cfg.path : std::string();
  for (auto& [key, list] : st.positions.all())
    for (auto& pos : list)
      cp.files.push_back(
        file_checkpoint{key, pos.file, pos.offset, pos.path, pos.updated_ms, pos.reading});
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
  self->request(st.committer, caf::infinite, std::move(req))
    .then([self](commit_atom, uint64_t, const std::string& error) { on_committed(self, error); },
          [self](caf::error& err) { on_committed(self, self->system().render(err)); });
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
    self->send(to, ack_atom::value, bytes);
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
    self->send(to, ack_atom::value, bytes);
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
  for (auto& [key, promise] : st.waiting_sync)
    promise.deliver(st.positions.get(key));
  st.waiting_sync.clear();
  if (!st.waiting_drain.empty())
    commit(self);
  finish_drains(self);
}

void report_failure(self_ptr self) {
  auto& st = self->state;
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
  log_info(st.name, st.out->name() + ": writing again");
  answer_waiters(self);
}

/// The authenticated name of the collector that sent the current message, or
/// nothing (logged once per peer) when it did not say hello with the token.
std::optional<std::string> peer_name(self_ptr self) {
  auto& st = self->state;
  auto sender = self->current_sender();
  if (!sender)
    return std::nullopt;
  auto peer = st.peers.find(sender->node());
  if (peer != st.peers.end())
    return peer->second;
  if (st.refused.insert(sender->node()).second)
    log_warn(st.name, "refused messages from " + to_string(sender->node()) +
                        ": it did not authenticate with a hello");
  return std::nullopt;
}

/// A hello's token against the configured one (none configured: any is
/// accepted), in time independent of where they differ.
bool token_accepted(const std::string& given, const std::string& expected) {
  if (expected.empty())
    return true;
  if (given.size() != expected.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

void on_batch(self_ptr self, line_batch& batch) {
  auto& st = self->state;
  if (st.aggregator) {
    auto node = peer_name(self);
    if (!node)
      return; // no acknowledgement: the collector keeps it and sends it again
    batch.node = *node; // the authenticated name, whatever the batch claims
  }
  pending_write w;
  w.reply_to = caf::actor_cast<caf::actor>(self->current_sender());
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

} // namespace

sink_state::~sink_state() {
  if (out)
    log_info(name, "stopped after writing " + std::to_string(lines_written) + " lines to " +
                     out->name() + (backlog.empty() ? "" : "; " + std::to_string(backlog.size()) +
                                                            " batches could not be written"));
}

caf::behavior sink_actor(self_ptr self, sink_options opts) {
  auto& st = self->state;
  st.cfg = std::move(opts.cfg);
  st.out = std::move(opts.out);
  st.observer = std::move(opts.observer);
  st.state = std::move(opts.state);
  st.commit_interval = opts.commit_interval;
  st.aggregator = opts.aggregator;
  st.auth_token = opts.auth_token;
  st.metrics = std::move(opts.metrics);
  if (st.aggregator)
    st.name = "aggregator";
  st.output_length = opts.recovery.output_length;
  if (st.state) // linked: it goes when the sink goes
    st.committer = self->spawn<caf::detached + caf::linked>(committer_actor, st.state->path());
  for (auto& f : opts.recovery.files)
    st.positions.restore(
      f.key, delivered_position{true, f.file, f.offset, f.path, f.updated_ms, f.reading});
  return {
    [self](line_batch& batch) { on_batch(self, batch); },
    [self](forget_atom, const std::string& key, const file_identity& file) {
      auto& st = self->state;
      if (!st.aggregator) {
        st.positions.forget(key, file);
      } else if (auto node = peer_name(self)) {
        st.positions.forget(*node + "/" + key, file);
      } else {
        return;
      }
      schedule_commit(self);
    },
    // Both answer only when no failed write is pending, so a restarted tailer
    // never starts from a position that queued batches are about to move.
    // A collector says who it is before anything else is accepted.
    [self](hello_atom, const std::string& node, const std::string& token)
      -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      auto sender = self->current_sender();
      if (!st.aggregator || !sender)
        return caf::make_error(caf::sec::unexpected_message);
      auto peer = to_string(sender->node());
      if (!valid_node_name(node)) {
        log_warn(st.name, "refused a collector from " + peer + ": bad node name");
        return caf::make_error(caf::sec::invalid_argument, "bad node name");
      }
      if (!token_accepted(token, st.auth_token)) {
        log_warn(st.name, "refused collector '" + node + "' from " + peer +
                            ": wrong or missing auth token");
        return caf::make_error(caf::sec::invalid_argument, "wrong auth token");
      }
      st.peers[sender->node()] = node;
      st.refused.erase(sender->node());
      log_info(st.name, "collector '" + node + "' authenticated (" + peer + ")");
      return caf::ok_atom::value;
    },
    [self](sync_atom, std::string key) {
      auto& st = self->state;
      // Before the promise: making it takes the sender out of the message.
      std::optional<std::string> node;
      if (st.aggregator)
        node = peer_name(self);
      auto promise = self->make_response_promise();
      if (st.aggregator) { // a collector asks for its own positions only
        if (!node) {
          promise.deliver(caf::make_error(caf::sec::invalid_argument, "not authenticated"));
          return promise;
        }
        key = *node + "/" + key;
      }
      // A key's first sync makes its baseline (the time since which it
      // tracks its files), answered only once a commit holds it: a tailer
      // that read before would, after a SIGKILL, meet a later baseline and
      // take a file rotated in between for history.
      if (st.positions.ensure_baseline(key, now_ms()) && st.state) {
        st.waiting_baseline.emplace_back(key, promise);
        schedule_commit(self);
        if (!st.commit_in_flight)
          commit(self);
        return promise;
      }
      if (st.backlog.empty())
        promise.deliver(st.positions.get(key));
      else
        st.waiting_sync.emplace_back(key, promise);
      return promise;
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
        st.out->sync(); // all of the old output is durable before the state names the new one
        commit(self);   // what went to the old output is committed with its length
        log_info(st.name, "now writing to " + out->name() + " (was " + st.out->name() + ")");
        st.out = std::move(out);
        st.cfg = cfg;
        st.output_length = cfg.type == sink_type::file ? std::filesystem::file_size(cfg.path) : 0;
        schedule_commit(self);
      } catch (const std::exception& e) {
        log_error(st.name, std::string("sink change not applied: ") + e.what() +
                             "; still writing to " + st.out->name());
      }
    },
    [self](commit_atom) {
      self->state.commit_scheduled = false;
      commit(self);
    },
    [self](retry_atom) {
      self->state.retry_scheduled = false;
      flush_backlog(self);
    },
  };
}

} // namespace logcatch
