#include "actors/remote/database_front_actor.hpp"

#include "actors/messages.hpp"
#include "actors/remote/incoming_batch_check.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<database_front_state>*;

/// A message to a collector, in the gateway's name.
void tell(self_ptr self, const caf::strong_actor_ptr& to, caf::message msg) {
  self->state.sessions->tell(self, to, std::move(msg));
}

/// Test hook ack_delay: the acknowledgements whose time has come, in order.
void release_held_acks(self_ptr self) {
  auto& held = self->state.held_acks;
  auto now = std::chrono::steady_clock::now();
  while (!held.empty() && std::get<0>(held.front()) <= now) {
    tell(self, caf::actor_cast<caf::strong_actor_ptr>(std::get<1>(held.front())),
         caf::make_message(ack_atom::value, std::get<2>(held.front())));
    held.pop_front();
  }
}

/// A collector's hello, answered in the gateway's name. Before the
/// credential goes out, the database sink is told to read every position
/// back: the collector may come from another aggregator that wrote into the
/// same database since this sink last read them.
void answer_hello(self_ptr self, const hello_request& request) {
  auto& st = self->state;
  auto reply = st.sessions->network_reply(self);
  auto opened = st.sessions->hello(self, request);
  if (!opened) {
    reply.deliver(opened.error());
    return;
  }
  self->send(st.database, refresh_atom::value);
  log_info(st.name, "collector '" + request.node + "': positions are read back from the database");
  reply.deliver(*opened);
}

bool bad_key(const std::string& key) {
  return key.empty() || key.size() > 4096;
}

} // namespace

caf::behavior database_front_actor(self_ptr self, database_front_options opts) {
  auto& st = self->state;
  st.database = std::move(opts.database);
  st.sessions = std::move(opts.sessions);
  if (!st.sessions)
    st.sessions = std::make_shared<collector_sessions>(st.name, collector_sessions_options{});
  st.ack_delay = opts.ack_delay;
  // Only collectors are monitored (at their hello); the front is reachable
  // from no peer (see gateway_actor), so no stranger's down message gets here.
  self->set_down_handler([self](caf::down_msg& dm) { self->state.sessions->on_down(dm); });
  return {
    [self](gateway_atom, const caf::actor& gateway) {
      self->state.sessions->set_gateway(gateway);
    },
    [self](challenge_atom) -> caf::delegated<std::string> {
      auto& sessions = *self->state.sessions;
      sessions.network_reply(self).deliver(sessions.challenge());
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
    [self](line_batch& batch) {
      auto& st = self->state;
      auto* session = st.sessions->live(self, batch.session, "a batch");
      if (!session)
        return; // no acknowledgement: the collector keeps it and sends it again
      if (auto why = check_incoming_batch(batch); !why.empty()) {
        st.sessions->end(self, batch.session, "bad batch for key '" + batch.key.substr(0, 100) + "': " + why);
        return;
      }
      batch.node = session->node; // the session's name, whatever the batch claims
      st.acks.push(session->peer, batch.data.size());
      self->send(st.database, std::move(batch));
    },
    // From the database sink only: the gateway forwards no acknowledgement.
    [self](ack_atom, uint64_t bytes) {
      auto& st = self->state;
      if (self->current_sender() != caf::actor_cast<caf::strong_actor_ptr>(st.database))
        return;
      auto peer = st.acks.pop(bytes);
      if (!peer) {
        log_error(st.name, "an acknowledgement of " + std::to_string(bytes) +
                             " bytes from the database sink matches no batch; dropped (the "
                             "collector resends what it misses)");
        return;
      }
      if (st.ack_delay.count() > 0) {
        st.held_acks.emplace_back(std::chrono::steady_clock::now() + st.ack_delay, *peer, bytes);
        self->delayed_send(self, st.ack_delay, flush_atom::value);
        return;
      }
      tell(self, caf::actor_cast<caf::strong_actor_ptr>(*peer),
           caf::make_message(ack_atom::value, bytes));
    },
    [self](flush_atom) { release_held_acks(self); },
    [self](sync_atom, const session_credential& credential,
           const std::string& key) -> caf::delegated<std::vector<delivered_position>> {
      auto& st = self->state;
      auto reply = st.sessions->network_reply(self);
      auto* session = st.sessions->live(self, credential, "a sync");
      if (!session) {
        reply.deliver(caf::make_error(caf::sec::invalid_argument, "no live session: say hello again"));
        return {};
      }
      if (bad_key(key)) {
        reply.deliver(caf::make_error(caf::sec::invalid_argument, "bad key"));
        st.sessions->end(self, credential, "sync with a key of " + std::to_string(key.size()) + " bytes");
        return {};
      }
      // Answered once everything before it is committed, from the positions
      // the database sink read back at this session's hello.
      self->request(st.database, caf::infinite, sync_atom::value, session->node + "/" + key)
        .then([reply](std::vector<delivered_position>& positions) mutable { reply.deliver(std::move(positions)); },
              [reply](caf::error& err) mutable { reply.deliver(std::move(err)); });
      return {};
    },
    [self](forget_atom, const session_credential& credential, const std::string& key,
           const file_identity& file) {
      auto& st = self->state;
      auto* session = st.sessions->live(self, credential, "a forget");
      if (!session)
        return;
      if (bad_key(key)) {
        st.sessions->end(self, credential, "forget with a key of " + std::to_string(key.size()) + " bytes");
        return;
      }
      self->send(st.database, forget_atom::value, session->node + "/" + key, file);
    },
    // The aggregator stops: everything passed on so far is in the database.
    [self](drain_atom) {
      auto promise = self->make_response_promise();
      self->request(self->state.database, caf::infinite, drain_atom::value)
        .then([promise](caf::ok_atom) mutable { promise.deliver(caf::ok_atom::value); },
              [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
      return promise;
    },
  };
}

} // namespace logcatch
