#include "actors/sink/remote_sink_actor.hpp"

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/remote/hello_proof.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<remote_sink_state>*;
using phase = remote_sink_state::phase;

constexpr millis backoff_initial{100};
constexpr millis backoff_max{5000};
// A connect or hello that takes this long is treated as failed (and retried).
constexpr auto handshake_timeout = std::chrono::seconds(10);
// An aggregator whose disk is full answers a sync only when it can write
// again; after this long the question is simply asked again.
constexpr auto sync_timeout = std::chrono::minutes(5);
// Batches out and no acknowledgement for this long: the link is taken for
// dead (a silent peer that heartbeats did not catch, e.g. over TLS) and
// everything unacknowledged goes out again on a new one.
constexpr auto ack_deadline = std::chrono::seconds(30);
constexpr auto watchdog_interval = std::chrono::seconds(5);

std::string address(const remote_sink_state& st) {
  return st.cfg.host + ":" + std::to_string(st.cfg.port);
}

std::string waiting(const remote_sink_state& st) {
  return std::to_string(st.unacked.size()) + " batches (" + std::to_string(st.unacked.bytes()) +
         " bytes) not acknowledged yet";
}

void connect(self_ptr self);

void answer_drains(self_ptr self) {
  auto& st = self->state;
  if (!st.unacked.empty())
    return;
  for (auto& promise : st.drains)
    promise.deliver(caf::ok_atom::value);
  st.drains.clear();
}

/// Forgets the current connection: nothing sent on it counts as sent any
/// more, and replies still coming from it are stale. Returns its number.
uint64_t drop_connection(self_ptr self) {
  auto& st = self->state;
  if (st.aggregator)
    self->demonitor(st.aggregator);
  st.aggregator = nullptr;
  st.session = session_credential{};
  st.link = phase::down;
  st.metrics->sink().remote_connected = false;
  st.unacked.rewind();
  for (auto& sync : st.syncs)
    sync.sent_on = 0;
  return ++st.connection;
}

/// A stop does not wait for an aggregator that is away: what it has not
/// acknowledged is read again from its positions at the next start.
void warn_stopping_while_away(self_ptr self) {
  auto& st = self->state;
  if (!st.unacked.empty())
    log_warn(st.name, "stopping while the aggregator at " + address(st) + " is unreachable: " +
                        waiting(st) + "; they stay in the log files and are sent after the next start");
}

/// Back to down, and a reconnect is scheduled.
void lose_link(self_ptr self, const std::string& problem) {
  auto& st = self->state;
  auto stale = drop_connection(self);
  if (problem != st.last_problem)
    log_warn(st.name, "aggregator at " + address(st) + ": " + problem +
                        (st.unacked.empty() ? "" : "; " + waiting(st)) + "; reconnecting (backoff up to " + std::to_string(backoff_max.count()) +
                        " ms)");
  st.last_problem = problem;
  if (!st.drains.empty())
    warn_stopping_while_away(self);
  for (auto& promise : st.drains)
    promise.deliver(caf::ok_atom::value);
  st.drains.clear();
  self->delayed_send(self, st.backoff, retry_atom::value, stale);
  st.backoff = std::min(st.backoff * 2, backoff_max);
}

void ask_sync(self_ptr self, pending_sync& sync) {
  auto& st = self->state;
  auto attempt = st.connection;
  auto id = sync.id;
  sync.sent_on = attempt;
  self->request(st.aggregator, sync_timeout, sync_atom::value, st.session, sync.key)
    .then(
      [self, attempt, id](std::vector<delivered_position>& positions) {
        auto& syncs = self->state.syncs;
        auto it = std::find_if(syncs.begin(), syncs.end(),
                               [&](const pending_sync& s) { return s.id == id; });
        if (it == syncs.end() || it->sent_on != attempt)
          return; // asked again on a newer connection
        it->promise.deliver(std::move(positions));
        syncs.erase(it);
      },
      [self, attempt, id](caf::error& err) {
        auto& st = self->state;
        if (attempt != st.connection)
          return;
        if (err == caf::sec::request_timeout) {
          for (auto& sync : st.syncs)
            if (sync.id == id)
              ask_sync(self, sync);
          return;
        }
        lose_link(self, "sync refused: " + self->system().render(err));
      });
}

/// Sends, in order, every batch not yet sent on this connection, then every
/// sync not yet asked on it (so the aggregator answers it after those batches).
/// Sends the forgets whose earlier batches are all acknowledged. Only
/// prunes the aggregator's positions: a forget lost with the link is
/// harmless (the collector's sweep forgets a gone file again).
void send_forgets(self_ptr self) {
  auto& st = self->state;
  if (st.link != phase::up)
    return;
  auto ready = std::stable_partition(st.held_forgets.begin(), st.held_forgets.end(),
                                     [&](const auto& f) { return f.after <= st.acked_batches; });
  for (auto it = st.held_forgets.begin(); it != ready; ++it)
    self->send(st.aggregator, forget_atom::value, st.session, it->key, it->file);
  st.held_forgets.erase(st.held_forgets.begin(), ready);
}

void send_pending(self_ptr self) {
  auto& st = self->state;
  bool resend = false;
  if (st.unacked.sent() == 0) // the deadline runs from the oldest unacknowledged send
    st.last_progress = std::chrono::steady_clock::now();
  while (auto* next = st.unacked.next_to_send(&resend)) {
    if (resend) {
      ++st.resent_batches;
      ++st.metrics->sink().remote_resends;
    }
    // The credential of this connection: set in place (a copy only if the
    // message is still shared, e.g. queued by a connection just given up).
    auto* batch = static_cast<line_batch*>(next->batch.get_mutable(0));
    batch->session = st.session;
    self->send(st.aggregator, next->batch);
  }
  for (auto& sync : st.syncs)
    if (sync.sent_on == 0)
      ask_sync(self, sync);
  answer_drains(self);
}

void link_up(self_ptr self) {
  auto& st = self->state;
  st.link = phase::up;
  st.metrics->sink().remote_connected = true;
  st.last_progress = std::chrono::steady_clock::now();
  st.backoff = backoff_initial;
  ++st.connects;
  std::size_t resend = st.unacked.size();
  log_info(st.name, "connected to the aggregator at " + address(st) + " as node '" + st.cfg.node +
                      "'" + (resend > 0 ? "; sending the " + waiting(st) : std::string()));
  st.last_problem.clear();
  send_pending(self);
}

/// The answer to a hello: the session's credential, or why not.
template <class Request>
void await_credential(self_ptr self, uint64_t attempt, Request&& request) {
  request.then(
    [self, attempt](const session_credential& credential) {
      if (attempt != self->state.connection)
        return;
      self->state.session = credential;
      link_up(self);
    },
    [self, attempt](caf::error& err) {
      if (attempt != self->state.connection)
        return;
      auto why = self->system().render(err);
      lose_link(self, "hello refused: " + why +
                        (why.find("certificate") != std::string::npos
                           ? " (the aggregator requires this collector's TLS certificate to name "
                             "node '" + self->state.cfg.node + "': its CN, or a SAN DNS name)"
                           : " (check auth_token and node on both sides)"));
    });
}

/// Says hello; with `nonce` (the aggregator's challenge) it carries the
/// TLS certificate and a signature with its key (hello_proof).
void say_hello(self_ptr self, uint64_t attempt, const std::string& nonce) {
  auto& st = self->state;
  if (nonce.empty()) {
    await_credential(self, attempt,
                     self->request(st.aggregator, handshake_timeout, hello_atom::value, st.cfg.node,
                                   st.cfg.auth_token, st.instance));
    return;
  }
  auto proof = make_hello_proof(st.cfg.tls.certificate, st.cfg.tls.key,
                                hello_proof_text(nonce, st.cfg.node, st.instance));
  if (!proof.error.empty()) {
    lose_link(self, "cannot prove the node name to the aggregator: " + proof.error);
    return;
  }
  await_credential(self, attempt,
                   self->request(st.aggregator, handshake_timeout, hello_atom::value, st.cfg.node,
                                 st.cfg.auth_token, st.instance, nonce, std::move(proof.certificate),
                                 std::move(proof.signature)));
}

/// Over TLS, the aggregator is asked first whether it checks certificate
/// names: a nonce to sign if it does, "" if not.
void ask_challenge(self_ptr self, uint64_t attempt) {
  auto& st = self->state;
  self->request(st.aggregator, handshake_timeout, challenge_atom::value)
    .then(
      [self, attempt](const std::string& nonce) {
        if (attempt == self->state.connection)
          say_hello(self, attempt, nonce);
      },
      [self, attempt](caf::error& err) {
        if (attempt == self->state.connection)
          lose_link(self, "no hello challenge from the aggregator: " + self->system().render(err));
      });
}

void connect(self_ptr self) {
  auto& st = self->state;
  st.link = phase::connecting;
  auto attempt = ++st.connection;
  self->request(st.connector, handshake_timeout, caf::connect_atom::value, st.cfg.host, st.cfg.port)
    .then(
      [self, attempt](const caf::node_id&, caf::strong_actor_ptr& ptr,
                      const std::set<std::string>&) {
        auto& st = self->state;
        if (attempt != st.connection)
          return;
        if (!ptr) {
          lose_link(self, "no aggregator is published on that port");
          return;
        }
        st.aggregator = caf::actor_cast<caf::actor>(ptr);
        self->monitor(st.aggregator);
        st.link = phase::greeting;
        if (st.cfg.tls.enabled())
          ask_challenge(self, attempt);
        else
          say_hello(self, attempt, {});
      },
      [self, attempt](caf::error& err) {
        if (attempt == self->state.connection)
          lose_link(self, "cannot connect: " + self->system().render(err));
      });
}

} // namespace

caf::behavior remote_sink_actor(self_ptr self, sink_config cfg, caf::io::middleman_actor connector,
                                std::shared_ptr<metrics_registry> metrics, std::string instance) {
  auto& st = self->state;
  st.instance = std::move(instance);
  st.metrics = metrics ? std::move(metrics) : std::make_shared<metrics_registry>();
  st.metrics->sink().remote = true;
  st.cfg = std::move(cfg);
  st.connector = std::move(connector);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.aggregator && dm.source == st.aggregator.address())
      lose_link(self, "connection lost (" + self->system().render(dm.reason) + ")");
  });
  self->attach_functor([self] {
    auto& st = self->state;
    log_info(st.name, "stopped after " + std::to_string(st.acked_lines) +
                        " lines acknowledged by the aggregator, " +
                        std::to_string(st.resent_batches) + " batches resent, " +
                        std::to_string(st.connects) + " connections" +
                        (st.unacked.empty() ? "" : "; " + waiting(st)));
  });
  connect(self);
  self->delayed_send(self, watchdog_interval, watchdog_atom::value);
  return {
    [self](line_batch& batch) {
      auto& st = self->state;
      outgoing_batch entry;
      uint64_t bytes = batch.data.size();
      entry.lines = batch.line_count();
      entry.tailer = caf::actor_cast<caf::actor>(self->current_sender());
      entry.key = st.key_figures.get(st.metrics.get(), batch.key);
      entry.batch = caf::make_message(std::move(batch));
      st.unacked.push(std::move(entry), bytes);
      ++st.queued_batches;
      st.metrics->sink().remote_inflight_bytes = st.unacked.bytes();
      if (st.link == phase::up)
        send_pending(self);
    },
    // The aggregator acknowledges batches in the order it got them.
    [self](ack_atom, uint64_t bytes) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (!st.aggregator || sender != st.aggregator.address())
        return; // from a connection already given up
      auto acked = st.unacked.ack(bytes);
      if (!acked) {
        lose_link(self, "acknowledgement out of step (" + std::to_string(bytes) +
                          " bytes); sending everything unacknowledged again");
        return;
      }
      st.last_progress = std::chrono::steady_clock::now();
      ++st.acked_batches;
      send_forgets(self);
      if (acked->tailer)
        self->send(acked->tailer, ack_atom::value, bytes);
      st.acked_lines += acked->lines;
      auto& sm = st.metrics->sink();
      sm.remote_inflight_bytes = st.unacked.bytes();
      sm.lines_written.fetch_add(acked->lines, std::memory_order_relaxed);
      sm.bytes_written.fetch_add(bytes, std::memory_order_relaxed);
      if (acked->key)
        acked->key->lines_delivered.fetch_add(acked->lines, std::memory_order_relaxed);
      answer_drains(self);
    },
    // The aggregator ended this connection's session (a stale credential,
    // or a message it refused): hello again. A refusal naming another
    // credential is a stranger's or an old connection's, and changes nothing.
    [self](refused_atom, const session_credential& credential, const std::string& why) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (st.link != phase::up || credential != st.session || !st.aggregator ||
          sender != st.aggregator.address())
        return;
      lose_link(self, "the aggregator ended this session (" + why + ")");
    },
    [self](sync_atom, const std::string& key) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      st.syncs.push_back(pending_sync{st.next_sync_id++, key, promise, 0});
      if (st.link == phase::up)
        ask_sync(self, st.syncs.back());
      return promise;
    },
    [self](drain_atom) {
      auto& st = self->state;
      auto promise = self->make_response_promise();
      if (st.unacked.empty()) {
        promise.deliver(caf::ok_atom::value);
      } else if (st.link != phase::up) {
        warn_stopping_while_away(self);
        promise.deliver(caf::ok_atom::value);
      } else {
        st.drains.push_back(promise);
      }
      return promise;
    },
    [self](forget_atom, const std::string& key, const file_identity& file) {
      auto& st = self->state;
      st.held_forgets.push_back({st.queued_batches, key, file});
      send_forgets(self);
    },
    [](credit_wait_atom, uint64_t) {
      // Batches go on as they come; the aggregator's sink has its own bounds.
    },
    [self](sink_config_atom, const sink_config& cfg) {
      auto& st = self->state;
      if (cfg.type != sink_type::remote || !(cfg.tls == st.cfg.tls)) {
        log_error(st.name, "sink change not applied: leaving the remote sink or changing its tls "
                           "needs a restart of logcatch; still sending to the aggregator at " +
                             address(st));
        return;
      }
      bool relink = cfg.host != st.cfg.host || cfg.port != st.cfg.port ||
                    cfg.node != st.cfg.node || cfg.auth_token != st.cfg.auth_token;
      st.cfg = cfg;
      if (!relink)
        return;
      log_info(st.name, "now sending to the aggregator at " + address(st) + " as node '" +
                          st.cfg.node + "'");
      drop_connection(self);
      st.backoff = backoff_initial;
      st.last_problem.clear();
      connect(self);
    },
    [self](watchdog_atom) {
      auto& st = self->state;
      auto silent = std::chrono::steady_clock::now() - st.last_progress;
      if (st.link == phase::up && st.unacked.sent() > 0 && silent > ack_deadline)
        lose_link(self, "no acknowledgement for " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent).count()) +
                          " s");
      self->delayed_send(self, watchdog_interval, watchdog_atom::value);
    },
    [self](retry_atom, uint64_t attempt) {
      auto& st = self->state;
      if (attempt == st.connection && st.link == phase::down)
        connect(self);
    },
  };
}

} // namespace logcatch
