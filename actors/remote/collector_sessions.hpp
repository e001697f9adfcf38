#pragma once

// An aggregator's side of its collectors' sessions, the same whichever sink
// is behind it (the file sink keeps one itself, the database front keeps
// one for the database sink): hellos checked (hello_check, and with
// require_node_name the certificate proof), one live session per node,
// messages without a live credential refused, a bad message ending its
// session, a session's connection noted for connection_guard, and every
// answer sent in the published gateway's name. Not an actor: its owner
// calls it from its handlers with itself as `self`.
//
//   collector -> (challenge_atom) => nonce          only asked over TLS; ""
//                                                   when names are not checked
//   collector -> (hello_atom, node, token, instance[, nonce, certificate,
//                signature]) => session_credential

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/remote/certificate_identity.hpp"
#include "actors/remote/hello_challenges.hpp"
#include "actors/remote/reply_slot.hpp"
#include "actors/remote/session_endpoints.hpp"
#include "actors/remote/session_table.hpp"

namespace logcatch {

struct collector_sessions_options {
  std::string auth_token;                         ///< shared; "" and no node tokens: any
  std::map<std::string, std::string> node_tokens; ///< a listed node's own token instead
  /// Where each session's connection is noted (null: not noted).
  std::shared_ptr<session_endpoints> endpoints;
  /// Certificate names must equal node names, checked against this CA file
  /// (the aggregator's tls.cafile); "": not checked.
  std::string node_name_cafile;
};

/// What a hello says; the last three are empty in a hello without proof.
struct hello_request {
  std::string node;
  std::string token;
  std::string instance;
  std::string nonce;
  std::string certificate;
  std::string signature;
};

class collector_sessions {
public:
  using self_ptr = caf::event_based_actor*;
  using session = session_table<caf::actor>::session;

  /// `name` names the owner in the log. Throws std::runtime_error when the
  /// CA file of node_name_cafile cannot be read.
  collector_sessions(std::string name, collector_sessions_options opts);

  void set_gateway(const caf::actor& gateway);
  const caf::strong_actor_ptr& gateway() const { return gateway_; }

  /// The current network request's answer slot, answered in the gateway's
  /// name; marked answered here so that CAF does not answer it in ours.
  reply_slot network_reply(self_ptr self) const;

  /// A message to a collector, in the gateway's name.
  void tell(self_ptr self, const caf::strong_actor_ptr& to, caf::message msg) const;

  /// A challenge for a hello proof: a fresh nonce, or "" when certificate
  /// names are not checked here (a plain hello is enough).
  std::string challenge();

  /// A hello from the current sender: refused (an error naming the cause,
  /// logged with the peer) or a new session, whose collector is monitored
  /// and whose connection is noted for connection_guard.
  caf::expected<session_credential> hello(self_ptr self, const hello_request& request);

  /// The live session `credential` names, or nullptr: then the message
  /// (`what`) is refused, logged at most once a second, and the sender told
  /// its session is over (a collector ignores a refusal naming another
  /// credential, so telling a forged sender costs nothing).
  const session* live(self_ptr self, const session_credential& credential, const std::string& what);

  /// Ends a session that sent a bad message: its credential is dead and the
  /// collector is told why (it says hello again and resends from the positions).
  void end(self_ptr self, const session_credential& credential, const std::string& why);

  /// A monitored collector's connection went: its sessions close.
  void on_down(const caf::down_msg& dm);

  std::size_t size() const { return table_.size(); }

private:
  void refuse(self_ptr self, const session_credential& credential, const std::string& what);
  void note_connection(self_ptr self, const caf::actor& collector, const std::string& node) const;
  std::string check_proof(const hello_request& request);

  std::string name_;
  collector_sessions_options opts_;
  std::unique_ptr<certificate_identity> identity_; ///< null: names not checked
  hello_challenges challenges_;
  caf::strong_actor_ptr gateway_;
  session_table<caf::actor> table_;
  uint64_t refused_messages_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_;
};

} // namespace logcatch
