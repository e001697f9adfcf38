#pragma once

// Who may speak for which node at an aggregator: one live session per node
// name, each known by its credential. No actor code: the sink keeps one and
// tells it about hellos, lost connections and refused messages.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/remote/session_credential.hpp"

namespace logcatch {

/// `Peer` is what the owner needs to reach and recognise the collector (the
/// sink uses caf::actor; the unit tests an int).
template <class Peer>
class session_table {
public:
  struct session {
    std::string node;     ///< the node name it speaks for
    std::string instance; ///< the collector's persistent instance id
    Peer peer;
  };

  struct opened {
    /// Empty when refused (see `refusal`).
    session_credential credential;
    std::string refusal;
    /// A session of the same collector that this one replaced (its
    /// credential is dead from now on), e.g. after a restart or reconnect.
    std::optional<session> replaced;
  };

  /// A hello with the right token from `instance` for `node`. The node's
  /// live session, if any, is taken over when it has the same instance (a
  /// restarted or reconnected collector) and otherwise kept: the newcomer is
  /// refused, since two collectors writing as one node would share (and
  /// overwrite) each other's positions.
  opened open(const std::string& node, const std::string& instance, Peer peer) {
    opened result;
    auto holder = by_node_.find(node);
    if (holder != by_node_.end()) {
      auto& current = sessions_.at(holder->second);
      if (current.instance != instance) {
        result.refusal = "node name '" + node + "' is held by another live collector (instance " +
                         current.instance + "); give each collector its own node name";
        return result;
      }
      result.replaced = current;
      sessions_.erase(holder->second);
      by_node_.erase(holder);
    }
    session_credential credential;
    do
      credential = session_credential::random();
    while (sessions_.count(credential) != 0);
    sessions_.emplace(credential, session{node, instance, std::move(peer)});
    by_node_[node] = credential;
    result.credential = credential;
    return result;
  }

  /// The live session `credential` names, or nullptr (never issued, or closed).
  const session* find(const session_credential& credential) const {
    if (credential.empty())
      return nullptr;
    auto it = sessions_.find(credential);
    return it == sessions_.end() ? nullptr : &it->second;
  }

  /// Ends a session (a bad message, or its connection went); false if it was not live.
  bool close(const session_credential& credential) {
    auto it = sessions_.find(credential);
    if (it == sessions_.end())
      return false;
    by_node_.erase(it->second.node);
    sessions_.erase(it);
    return true;
  }

  /// Ends every session whose peer is `peer` (its connection is gone);
  /// returns their node names.
  std::vector<std::string> close_peer(const Peer& peer) {
    std::vector<std::string> closed;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.peer == peer) {
        closed.push_back(it->second.node);
        by_node_.erase(it->second.node);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    return closed;
  }

  std::size_t size() const { return sessions_.size(); }

private:
  std::map<session_credential, session> sessions_;
  std::map<std::string, session_credential> by_node_;
};

} // namespace logcatch
