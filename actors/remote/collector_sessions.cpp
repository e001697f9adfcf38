#include "actors/remote/collector_sessions.hpp"

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/messages.hpp"
#include "actors/remote/hello_check.hpp"
#include "actors/remote/hello_proof.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

// What a hello proof may hold: more is not a certificate of ours.
constexpr std::size_t max_certificate_bytes = 64 * 1024;
constexpr std::size_t max_signature_bytes = 2048;

caf::error refusal(const std::string& why) {
  return caf::make_error(caf::sec::invalid_argument, why);
}

} // namespace

collector_sessions::collector_sessions(std::string name, collector_sessions_options opts)
  : name_(std::move(name)), opts_(std::move(opts)) {
  if (!opts_.node_name_cafile.empty())
    identity_ = std::make_unique<certificate_identity>(opts_.node_name_cafile);
}

void collector_sessions::set_gateway(const caf::actor& gateway) {
  gateway_ = caf::actor_cast<caf::strong_actor_ptr>(gateway);
}

reply_slot collector_sessions::network_reply(self_ptr self) const {
  reply_slot slot;
  auto* element = self->current_mailbox_element();
  slot.remote = element->sender;
  slot.mid = element->mid;
  slot.as = gateway_;
  element->mid.mark_as_answered();
  return slot;
}

void collector_sessions::tell(self_ptr self, const caf::strong_actor_ptr& to, caf::message msg) const {
  if (to && gateway_)
    to->enqueue(gateway_, caf::make_message_id(), std::move(msg), self->context());
}

std::string collector_sessions::challenge() {
  if (!identity_)
    return {};
  try {
    return challenges_.issue();
  } catch (const std::exception& e) { // getrandom failed: the hello that follows is refused
    log_error(name_, e.what());
    return {};
  }
}

/// "" when the hello proves its node name (or names are not checked here).
std::string collector_sessions::check_proof(const hello_request& request) {
  if (!identity_)
    return {};
  if (request.nonce.empty())
    return "its hello carries no certificate proof (this aggregator requires its certificate to "
           "name the node)";
  if (request.certificate.size() > max_certificate_bytes || request.signature.size() > max_signature_bytes ||
      request.nonce.size() > 64)
    return "its hello proof is too large";
  if (auto why = challenges_.take(request.nonce); !why.empty())
    return why;
  return identity_->check(request.certificate, request.node,
                          hello_proof_text(request.nonce, request.node, request.instance),
                          request.signature);
}

caf::expected<session_credential> collector_sessions::hello(self_ptr self, const hello_request& request) {
  auto sender = self->current_sender();
  if (!sender)
    return caf::make_error(caf::sec::unexpected_message);
  const auto& node = request.node;
  auto peer = to_string(sender->node());
  auto checked = check_hello(node, request.token, request.instance, opts_.auth_token, opts_.node_tokens);
  if (checked.refused()) {
    log_warn(name_, "refused " + (checked.reply == "bad node name" ? std::string("a collector")
                                                                   : "collector '" + node + "'") +
                      " from " + peer + ": " + checked.log);
    return refusal(checked.reply);
  }
  // After the token: a peer without it learns nothing here, and costs no
  // certificate check.
  if (auto why = check_proof(request); !why.empty()) {
    log_warn(name_, "refused collector '" + node + "' from " + peer +
                      ": its certificate does not prove the node name: " + why);
    return refusal("certificate refused: " + why);
  }
  auto collector = caf::actor_cast<caf::actor>(sender);
  auto opened = table_.open(node, request.instance, collector);
  if (opened.credential.empty()) {
    log_error(name_, "refused collector '" + node + "' from " + peer + ": " + opened.refusal);
    return refusal(opened.refusal);
  }
  self->monitor(collector); // its session ends with its connection
  note_connection(self, collector, node);
  // Not its node id: whoever reads this log and can reach the port could
  // claim it in a BASP handshake of its own (see README).
  log_info(name_, "collector '" + node + "' authenticated (session " + opened.credential.short_name() +
                    ")" + (identity_ ? "; its certificate names it" : "") +
                    (opened.replaced ? "; it takes over the node's earlier session" : ""));
  return opened.credential;
}

/// Notes which connection `collector`'s node came on (its peer address, as
/// CAF's BASP broker knows it), so that connection_guard keeps that
/// connection's place whatever strangers do. The broker is asked by node id:
/// a stranger that claimed this node id in a handshake before the collector
/// connected would be named instead (see README, threat model).
void collector_sessions::note_connection(self_ptr self, const caf::actor& collector,
                                         const std::string& node) const {
  auto endpoints = opts_.endpoints;
  if (!endpoints || !self->home_system().has_middleman())
    return;
  auto name = name_;
  auto& sys = self->home_system();
  self->request(sys.middleman().actor_handle(), std::chrono::seconds(10), caf::get_atom::value,
                collector.node())
    .then(
      [endpoints, name, node](const caf::node_id&, const std::string& host, uint16_t port) {
        if (port != 0) {
          endpoints->add(host, port);
          log_info(name, "collector '" + node + "' is on the connection from " + host + ":" +
                           std::to_string(port) + " (its place there is kept)");
        } else // already gone, or reached through another node
          log_warn(name, "collector '" + node + "': no direct connection found for its session");
      },
      [&sys, name, node](caf::error& e) {
        log_warn(name, "collector '" + node + "': cannot tell which connection carries its session: " +
                         sys.render(e));
      });
}

void collector_sessions::refuse(self_ptr self, const session_credential& credential,
                                const std::string& what) {
  ++refused_messages_;
  auto now = std::chrono::steady_clock::now();
  auto sender = self->current_sender();
  if (now - last_refusal_log_ >= std::chrono::seconds(1)) {
    last_refusal_log_ = now;
    log_warn(name_, "refused " + what + " from " +
                      (sender ? "node " + to_string(sender->node()) + " (as it claims)"
                              : std::string("an anonymous sender")) +
                      ": " + (credential.empty() ? "no session credential (no hello)"
                                                 : "no live session " + credential.short_name()) +
                      "; " + std::to_string(refused_messages_) + " refused so far");
  }
  tell(self, sender,
       caf::make_message(refused_atom::value, credential, std::string("no live session: say hello again")));
}

const collector_sessions::session* collector_sessions::live(self_ptr self,
                                                            const session_credential& credential,
                                                            const std::string& what) {
  auto* found = table_.find(credential);
  if (!found)
    refuse(self, credential, what);
  return found;
}

void collector_sessions::end(self_ptr self, const session_credential& credential, const std::string& why) {
  auto* found = table_.find(credential);
  if (!found)
    return;
  auto peer = caf::actor_cast<caf::strong_actor_ptr>(found->peer);
  log_error(name_, "collector '" + found->node + "': " + why + "; its session " + credential.short_name() +
                     " is closed and nothing of that message is written or acknowledged");
  table_.close(credential);
  tell(self, peer, caf::make_message(refused_atom::value, credential, why));
}

void collector_sessions::on_down(const caf::down_msg& dm) {
  auto peer = caf::actor_cast<caf::actor>(dm.source);
  if (!peer)
    return;
  for (auto& node : table_.close_peer(peer))
    log_info(name_, "collector '" + node + "' disconnected; its session is closed");
}

} // namespace logcatch
