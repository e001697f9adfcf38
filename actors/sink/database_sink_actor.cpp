#include "actors/sink/database_sink_actor.hpp"

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/sink/database_io_actor.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<database_sink_state>*;
using clock_type = std::chrono::steady_clock;

constexpr std::chrono::milliseconds backoff_initial{100};
constexpr std::chrono::milliseconds backoff_max{5000};

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t unix_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

bool has_baseline(const delivery_positions& positions, const std::string& key) {
  for (auto& pos : positions.recorded(key))
    if (pos.file.device == 0 && pos.file.inode == 0)
      return true;
  return false;
}

void try_write(self_ptr self);
void connect(self_ptr self);

/// Syncs and drains whose ops are all in the database now.
void answer_waiters(self_ptr self) {
  auto& st = self->state;
  if (!st.connected || st.refresh_wanted) // a refresh: answered from what it reads
    return;
  auto& syncs = st.waiting_sync;
  for (auto it = syncs.begin(); it != syncs.end();) {
    auto& [seq, key, promise] = *it;
    if (seq > st.done_seq) {
      ++it;
      continue;
    }
    promise.deliver(st.positions.get(key));
    it = syncs.erase(it);
  }
  auto& drains = st.waiting_drain;
  for (auto it = drains.begin(); it != drains.end();) {
    if (it->first > st.done_seq) {
      ++it;
      continue;
    }
    it->second.deliver(caf::ok_atom::value);
    it = drains.erase(it);
  }
}

void enqueue(self_ptr self, database_op op) {
  auto& st = self->state;
  op.seq = st.next_seq++;
  op.arrived = clock_type::now();
  if (op.batch) {
    st.queued_rows += op.batch->line_count();
    st.queued_bytes += op.batch->data.size();
    if (op.reply_to)
      st.credit.received(op.reply_to.id(), op.batch->data.size());
  }
  st.queue.push_back(std::move(op));
  try_write(self);
}

/// A sync once the positions are loaded: a key's first sync makes its
/// baseline, which is written (like any op) before the sync is answered.
/// The baseline is the time the sync came (`asked_ms`), as with the file
/// sink, not the time the database answered: a rotated copy modified more
/// than 2 s before a key's baseline is history and not read, so one taken
/// after a slow or late connection made history of the copies rotated
/// meanwhile (a ClickHouse prepare took 0.4-0.6 s; a database down at start
/// took as long as it was down). `parked`: the sync waited for the
/// connection, and so did any drain waiting now (a stop): the drain waits
/// for this baseline too, or the next start would take a later one.
void accept_sync(self_ptr self, const std::string& key, caf::response_promise promise,
                 int64_t asked_ms, bool parked) {
  auto& st = self->state;
  if (!has_baseline(st.positions, key) && st.baseline_queued.insert(key).second) {
    database_op op;
    op.what = database_op::kind::baseline;
    op.key = key;
    op.at_ms = asked_ms;
    if (parked)
      for (auto& drain : st.waiting_drain)
        drain.first = std::max(drain.first, st.next_seq); // the op's seq (enqueue)
    enqueue(self, std::move(op));
  }
  st.waiting_sync.emplace_back(st.next_seq - 1, key, std::move(promise));
  answer_waiters(self);
  try_write(self); // a waiting sync does not wait for max_delay
}

/// Reports a problem once (until it changes or clears) and reconnects after backoff.
void failed(self_ptr self, const destination_result& result, const char* doing) {
  auto& st = self->state;
  st.connected = false;
  st.connecting = true;
  ++st.write_errors;
  if (st.metrics)
    ++st.metrics->sink().write_errors;
  st.backoff = st.backoff.count() == 0 ? backoff_initial : std::min(st.backoff * 2, backoff_max);
  std::string problem = std::string(doing) + ": " + result.error;
  if (problem != st.last_problem) {
    log_error(st.name, st.where + ": " + problem +
                         (result.outcome == write_outcome::unknown
                            ? " (the write may have been committed: positions are read back "
                              "before anything is written again)"
                            : "") +
                         "; " + std::to_string(st.queue.size()) +
                         " batches wait, nothing is acknowledged meanwhile; reconnecting with "
                         "backoff up to " + std::to_string(backoff_max.count() / 1000) + " s");
    st.last_problem = problem;
  }
  self->delayed_send(self, st.backoff, retry_atom::value);
}

void on_connected(self_ptr self, database_reply& reply) {
  auto& st = self->state;
  st.connecting = false;
  if (!reply.result.ok()) {
    failed(self, reply.result, "cannot connect");
    return;
  }
  st.positions = delivery_positions{};
  for (auto& [key, list] : reply.positions)
    for (auto& pos : list)
      st.positions.restore(key, pos);
  st.connected = true;
  st.backoff = std::chrono::milliseconds{0};
  if (!st.last_problem.empty())
    log_info(st.name, st.where + ": connected again; positions read back");
  st.last_problem.clear();
  // Baselines queued before are made again when their op is written.
  auto parked = std::move(st.syncs_before_connect);
  st.syncs_before_connect.clear();
  for (auto& sync : parked)
    accept_sync(self, sync.key, std::move(sync.promise), sync.asked_ms, true);
  answer_waiters(self);
  try_write(self);
}

void connect(self_ptr self) {
  auto& st = self->state;
  st.connecting = true;
  self->request(st.io, caf::infinite, connect_atom::value)
    .then([self](database_reply& reply) { on_connected(self, reply); },
          [self](caf::error& err) {
            database_reply reply;
            reply.result = destination_result::failed(write_outcome::not_written,
                                                      self->system().render(err));
            on_connected(self, reply);
          });
}

void on_written(self_ptr self, database_reply& reply) {
  auto& st = self->state;
  auto every = st.cfg.fault_unknown_outcome_every;
  if (every > 0 && reply.result.ok() && (st.writes + st.write_errors + 1) % every == 0)
    reply.result = destination_result::failed(
      write_outcome::unknown, "test hook unknown_outcome_every: the answer to COMMIT is taken as lost");
  if (reply.result.outcome == write_outcome::unknown)
    ++st.unknown_outcomes;
  if (!reply.result.ok()) {
    // Back to the front of the queue, whole: checked again after the reload.
    for (auto it = st.flying.rbegin(); it != st.flying.rend(); ++it) {
      if (it->batch) {
        st.queued_rows += it->batch->line_count();
        st.queued_bytes += it->batch->data.size();
        if (it->reply_to)
          st.credit.requeued(it->reply_to.id());
      }
      it->first_line = 0;
      it->skip = false;
      st.queue.push_front(std::move(*it));
    }
    st.flying.clear();
    failed(self, reply.result, "write failed");
    return;
  }
  ++st.writes;
  for (auto& op : st.flying) {
    st.done_seq = op.seq;
    if (op.what == database_op::kind::baseline)
      st.baseline_queued.erase(op.key);
    if (!op.batch)
      continue;
    if (!op.skip) {
      auto lines = op.batch->line_count() - op.first_line;
      st.lines_written += lines;
      if (st.metrics) {
        auto& sm = st.metrics->sink();
        sm.lines_written.fetch_add(lines, std::memory_order_relaxed);
        sm.bytes_written.fetch_add(op.batch->data.size(), std::memory_order_relaxed);
        if (auto* km = st.key_figures.get(st.metrics.get(), op.batch->key))
          km->lines_delivered.fetch_add(lines, std::memory_order_relaxed);
      }
      if (st.observer && lines > 0)
        st.observer(*op.batch, op.first_line);
    }
    if (op.reply_to) { // credit: these bytes are in the database
      st.credit.acknowledged(op.reply_to.id(), op.batch->data.size());
      self->send(op.reply_to, ack_atom::value, static_cast<uint64_t>(op.batch->data.size()));
    }
  }
  st.flying.clear();
  answer_waiters(self);
  try_write(self);
}

/// Sends the queue's front as one write when it is due: batch.max_rows or
/// max_bytes reached, max_delay passed, a sync or drain waiting, or a tailer
/// out of credit with batches queued (nothing more comes until a write).
void try_write(self_ptr self) {
  auto& st = self->state;
  if (st.refresh_wanted && st.connected && st.flying.empty()) {
    // Everything before the refresh is committed: the database's positions
    // are now the whole truth, and everything queued is checked against them.
    st.refresh_wanted = false;
    st.connected = false;
    connect(self);
    return;
  }
  if (!st.connected || !st.flying.empty() || st.queue.empty())
    return;
  const auto& limits = st.cfg.database.batch;
  auto now = clock_type::now();
  bool due = st.queued_rows >= limits.max_rows || st.queued_bytes >= limits.max_bytes ||
             !st.waiting_sync.empty() || !st.waiting_drain.empty() ||
             now - st.queue.front().arrived >= limits.max_delay || st.credit.write_now();
  if (!due) {
    if (!st.flush_scheduled) {
      st.flush_scheduled = true;
      self->delayed_send(self, limits.max_delay - (now - st.queue.front().arrived), flush_atom::value);
    }
    return;
  }
  auto job = std::make_shared<database_job>();
  job->write.collected_us = unix_us();
  std::set<std::string> touched;
  std::size_t rows = 0;
  std::size_t bytes = 0;
  // At least one op; then up to the bounds (a single batch may exceed them).
  while (!st.queue.empty() &&
         (st.flying.empty() || (rows < limits.max_rows && bytes < limits.max_bytes &&
                                (!st.queue.front().batch ||
                                 rows + st.queue.front().batch->line_count() <= limits.max_rows)))) {
    auto op = std::move(st.queue.front());
    st.queue.pop_front();
    switch (op.what) {
      case database_op::kind::batch: {
        st.queued_rows -= op.batch->line_count();
        st.queued_bytes -= op.batch->data.size();
        if (op.reply_to)
          st.credit.taken(op.reply_to.id());
        auto check = st.positions.check(*op.batch);
        if (!check.note.empty())
          log_warn(st.name, op.batch->key + " " + op.batch->path + ": " + check.note);
        op.skip = check.drop;
        op.first_line = check.first_line;
        if (!op.skip) {
          st.positions.commit(*op.batch, unix_ms());
          touched.insert(op.batch->position_key());
          job->keep.push_back(op.batch);
          job->write.batches.push_back(destination_batch{op.batch.get(), op.first_line});
          rows += op.batch->line_count() - op.first_line;
          bytes += op.batch->data.size();
        }
        break;
      }
      case database_op::kind::forget:
        st.positions.forget(op.key, op.file);
        touched.insert(op.key);
        break;
      case database_op::kind::baseline:
        if (st.positions.ensure_baseline(op.key, op.at_ms))
          touched.insert(op.key);
        break;
    }
    st.flying.push_back(std::move(op));
  }
  for (auto& key : touched)
    job->write.positions[key] = st.positions.recorded(key);
  if (job->write.batches.empty() && job->write.positions.empty()) {
    database_reply nothing; // only duplicates: acknowledged without a database call
    on_written(self, nothing);
    return;
  }
  self->request(st.io, caf::infinite, database_job_ref{std::move(job)})
    .then([self](database_reply& reply) { on_written(self, reply); },
          [self](caf::error& err) {
            database_reply reply;
            reply.result =
              destination_result::failed(write_outcome::unknown, self->system().render(err));
            on_written(self, reply);
          });
}

} // namespace

database_sink_state::~database_sink_state() {
  log_info(name, "stopped after writing " + std::to_string(lines_written) + " lines in " +
                   std::to_string(writes) + " writes to " + where +
                   (unknown_outcomes == 0 ? "" : " (" + std::to_string(unknown_outcomes) +
                                                    " writes of unknown outcome)") +
                   (queue.empty() && flying.empty()
                      ? ""
                      : "; " + std::to_string(queue.size() + flying.size()) +
                          " batches were not written (read again at the next start)"));
}

caf::behavior database_sink_actor(self_ptr self, database_sink_options opts) {
  auto& st = self->state;
  st.cfg = std::move(opts.cfg);
  st.observer = std::move(opts.observer);
  st.metrics = std::move(opts.metrics);
  st.where = opts.destination->name();
  // Linked: it goes when the sink goes. Detached: its calls block.
  st.io = self->spawn<caf::detached + caf::linked>(database_io_actor, std::move(opts.destination),
                                                   opts.prepared);
  connect(self);
  return {
    [self](line_batch& batch) {
      database_op op;
      op.batch = std::make_shared<const line_batch>(std::move(batch));
      op.reply_to = caf::actor_cast<caf::actor>(self->current_sender());
      enqueue(self, std::move(op));
    },
    [self](forget_atom, const std::string& key, const file_identity& file) {
      database_op op;
      op.what = database_op::kind::forget;
      op.key = key;
      op.file = file;
      enqueue(self, std::move(op));
    },
    // Answered once every op before it is in the database, with the
    // positions read from the database (plus what this sink wrote since).
    [self](sync_atom, const std::string& key) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      if (!st.connected)
        st.syncs_before_connect.push_back({key, promise, unix_ms()});
      else
        accept_sync(self, key, promise, unix_ms(), false);
      return promise;
    },
    [self](drain_atom) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      st.waiting_drain.emplace_back(st.next_seq - 1, promise);
      answer_waiters(self);
      try_write(self);
      return promise;
    },
    [self](credit_wait_atom, uint64_t inflight) {
      auto& st = self->state;
      if (auto sender = self->current_sender())
        st.credit.waiting(sender->id(), static_cast<std::size_t>(inflight));
      try_write(self);
    },
    [self](flush_atom) {
      self->state.flush_scheduled = false;
      try_write(self);
    },
    [self](retry_atom) { connect(self); },
    // From an aggregator's front at a collector's hello (see the header).
    [self](refresh_atom) {
      self->state.refresh_wanted = true;
      try_write(self);
    },
    [self](sink_config_atom, const sink_config& cfg) {
      auto& st = self->state;
      if (cfg.type == st.cfg.type && cfg.database == st.cfg.database)
        return;
      log_error(st.name, "sink change not applied: changing a database sink needs a restart of "
                         "logcatch; still writing to " + st.where);
    },
    [](reload_atom) {
      // SIGHUP: nothing to reopen, the database holds the lines.
    },
  };
}

} // namespace logcatch
