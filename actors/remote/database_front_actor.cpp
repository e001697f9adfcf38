#include "actors/remote/database_front_actor.hpp"

#include "actors/messages.hpp"
#include "actors/remote/hello_check.hpp"
#include "actors/remote/incoming_batch_check.hpp"
#include "actors/self_log.hpp"
#include "actors/sink/sink_actor.hpp" // reply_slot

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<database_front_state>*;

/// The current network request's answer slot, answered in the gateway's
/// name; marked answered here so that CAF does not answer it in ours.
reply_slot network_reply(self_ptr self) {
  reply_slot slot;
  auto* element = self->current_mailbox_element();
  slot.remote = element->sender;
  slot.mid = element->mid;
  slot.as = self->state.gateway;
  element->mid.mark_as_answered();
  return slot;
}

/// A message to a collector, in the gateway's name.
void tell(self_ptr self, const caf::strong_actor_ptr& to, caf::message msg) {
  if (to && self->state.gateway)
    to->enqueue(self->state.gateway, caf::make_message_id(), std::move(msg), self->context());
}

/// No live session for that credential: logged at most once a second (a
/// stranger decides how many it sends), and the sender is told its session
/// is over (a collector ignores a refusal naming another credential).
void refuse(self_ptr self, const session_credential& credential, const std::string& what) {
  auto& st = self->state;
  ++st.refused_messages;
  auto now = std::chrono::steady_clock::now();
  auto sender = self->current_sender();
  if (now - st.last_refusal_log >= std::chrono::seconds(1)) {
    st.last_refusal_log = now;
    log_warn(st.name, "refused " + what + " from " +
                        (sender ? "node " + to_string(sender->node()) + " (as it claims)"
                                : std::string("an anonymous sender")) +
                        ": " + (credential.empty() ? "no session credential (no hello)"
                                                   : "no live session " + credential.short_name()) +
                        "; " + std::to_string(st.refused_messages) + " refused so far");
  }
  tell(self, sender,
       caf::make_message(refused_atom::value, credential, std::string("no live session: say hello again")));
}

const session_table<caf::actor>::session* live_session(self_ptr self,
                                                       const session_credential& credential,
                                                       const std::string& what) {
  auto* session = self->state.sessions.find(credential);
  if (!session)
    refuse(self, credential, what);
  return session;
}

/// A bad message ends its session: the collector says hello again and
/// resends from the database's positions.
void end_session(self_ptr self, const session_credential& credential, const std::string& why) {
  auto& st = self->state;
  auto* session = st.sessions.find(credential);
  if (!session)
    return;
  auto peer = caf::actor_cast<caf::strong_actor_ptr>(session->peer);
  log_error(st.name, "collector '" + session->node + "': " + why + "; its session " +
                       credential.short_name() + " is closed and nothing of that message is written");
  st.sessions.close(credential);
  tell(self, peer, caf::make_message(refused_atom::value, credential, why));
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

bool bad_key(const std::string& key) {
  return key.empty() || key.size() > 4096;
}

} // namespace

caf::behavior database_front_actor(self_ptr self, database_front_options opts) {
  auto& st = self->state;
  st.database = std::move(opts.database);
  st.auth_token = std::move(opts.auth_token);
  st.node_tokens = std::move(opts.node_tokens);
  st.ack_delay = opts.ack_delay;
  // Only collectors are monitored (at their hello); the front is reachable
  // from no peer (see gateway_actor), so no stranger's down message gets here.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto peer = caf::actor_cast<caf::actor>(dm.source);
    if (!peer)
      return;
    for (auto& node : self->state.sessions.close_peer(peer))
      log_info(self->state.name, "collector '" + node + "' disconnected; its session is closed");
  });
  return {
    [self](gateway_atom, const caf::actor& gateway) {
      self->state.gateway = caf::actor_cast<caf::strong_actor_ptr>(gateway);
    },
    [self](hello_atom, const std::string& node, const std::string& token,
           const std::string& instance) -> caf::delegated<session_credential> {
      auto& st = self->state;
      auto sender = self->current_sender();
      auto reply = network_reply(self);
      if (!sender) {
        reply.deliver(caf::make_error(caf::sec::unexpected_message));
        return {};
      }
      auto peer = to_string(sender->node());
      auto refusal = check_hello(node, token, instance, st.auth_token, st.node_tokens);
      if (refusal.refused()) {
        log_warn(st.name, "refused " + (refusal.reply == "bad node name" ? std::string("a collector")
                                                                         : "collector '" + node + "'") +
                            " from " + peer + ": " + refusal.log);
        reply.deliver(caf::make_error(caf::sec::invalid_argument, refusal.reply));
        return {};
      }
      auto collector = caf::actor_cast<caf::actor>(sender);
      auto opened = st.sessions.open(node, instance, collector);
      if (opened.credential.empty()) {
        log_error(st.name, "refused collector '" + node + "' from " + peer + ": " + opened.refusal);
        reply.deliver(caf::make_error(caf::sec::invalid_argument, opened.refusal));
        return {};
      }
      self->monitor(collector);
      // Before anything of this session: the collector may come from
      // another aggregator that wrote into the same database since this
      // sink last read its positions.
      self->send(st.database, refresh_atom::value);
      log_info(st.name, "collector '" + node + "' authenticated (session " +
                          opened.credential.short_name() + ")" +
                          (opened.replaced ? "; it takes over the node's earlier session" : "") +
                          "; positions are read back from the database");
      reply.deliver(opened.credential);
      return {};
    },
    [self](line_batch& batch) {
      auto& st = self->state;
      auto* session = live_session(self, batch.session, "a batch");
      if (!session)
        return; // no acknowledgement: the collector keeps it and sends it again
      if (auto why = check_incoming_batch(batch); !why.empty()) {
        end_session(self, batch.session, "bad batch for key '" + batch.key.substr(0, 100) + "': " + why);
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
      auto reply = network_reply(self);
      auto* session = live_session(self, credential, "a sync");
      if (!session) {
        reply.deliver(caf::make_error(caf::sec::invalid_argument, "no live session: say hello again"));
        return {};
      }
      if (bad_key(key)) {
        reply.deliver(caf::make_error(caf::sec::invalid_argument, "bad key"));
        end_session(self, credential, "sync with a key of " + std::to_string(key.size()) + " bytes");
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
      auto* session = live_session(self, credential, "a forget");
      if (!session)
        return;
      if (bad_key(key)) {
        end_session(self, credential, "forget with a key of " + std::to_string(key.size()) + " bytes");
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
