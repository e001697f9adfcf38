#pragma once

// Which of the aggregator's accepted connections to cut. CAF 0.17 keeps a
// connection that never sends a complete BASP header open for ever (its
// timeout starts with the first header, and there is none with TLS), and it
// accepts as many connections as there are fds. The aggregator therefore
// looks at its own sockets (connection_guard) and asks this class, which is
// pure logic: a connection that has not sent a handshake's worth of bytes
// by the deadline goes, and beyond the maximum the connections of known
// collectors (those carrying a live session) keep their places while
// strangers' go. Strangers may moreover hold at most max - reserved
// connections: the reserve is for collectors, so that one that restarts or
// reconnects always finds an fd and a place while strangers hold the rest.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace logcatch {

struct observed_connection {
  uint64_t id = 0;             ///< the socket's inode: stable while it lives
  uint64_t bytes_received = 0; ///< from TCP_INFO
  bool authenticated = false;  ///< carries a live session (see session_endpoints)
};

class connection_watch {
public:
  using clock = std::chrono::steady_clock;

  /// `reserved`: of `max_connections`, how many only authenticated
  /// connections may use (less than max_connections).
  /// `min_handshake_bytes`: what every honest peer sends at once (a BASP
  /// header is 32 bytes; a TLS ClientHello is longer).
  connection_watch(std::chrono::milliseconds handshake_deadline, std::size_t max_connections,
                   std::size_t reserved = 0, uint64_t min_handshake_bytes = 33)
    : deadline_(handshake_deadline),
      max_(max_connections),
      reserved_(std::min(reserved, max_connections > 0 ? max_connections - 1 : 0)),
      min_bytes_(min_handshake_bytes) {}

  struct verdict {
    std::vector<uint64_t> silent;   ///< past the deadline without a handshake
    std::vector<uint64_t> too_many; ///< beyond max_connections, or strangers beyond max - reserved
  };

  /// The connections open now (every one of them, each look); returns which
  /// to cut. Connections not seen again are forgotten.
  verdict look(const std::vector<observed_connection>& open, clock::time_point now) {
    std::map<uint64_t, clock::time_point> seen;
    verdict v;
    using entry = std::tuple<clock::time_point, uint64_t>; // (first seen, id)
    std::vector<entry> known, spoke, quiet;
    for (auto& c : open) {
      auto it = first_seen_.find(c.id);
      auto since = it == first_seen_.end() ? now : it->second;
      seen[c.id] = since;
      bool handshake = c.bytes_received >= min_bytes_;
      if (c.authenticated)
        known.emplace_back(since, c.id);
      else if (!handshake && now - since >= deadline_)
        v.silent.push_back(c.id);
      else
        (handshake ? spoke : quiet).emplace_back(since, c.id);
    }
    first_seen_ = std::move(seen);
    // Ties (first seen in the same look) by id, so that the choice does not
    // depend on the order /proc lists them in.
    // Known collectors: the oldest keep their places (more sessions than the
    // limit only if the limit is smaller than the number of collectors).
    std::sort(known.begin(), known.end());
    // Strangers that spoke: the newest keep theirs. A collector says hello
    // right after its handshake, so a connection that has held its place
    // without a session is the likelier stranger, and a collector that
    // reconnects (its new connection has no session yet) must not lose to
    // strangers that came before it.
    std::sort(spoke.begin(), spoke.end(), [](const entry& a, const entry& b) {
      return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b)
                                              : std::get<1>(a) < std::get<1>(b);
    });
    // Silent ones go last of all: the oldest keep their places until their
    // deadline (every honest peer speaks at once).
    std::sort(quiet.begin(), quiet.end());
    std::size_t kept = 0;
    for (auto& e : known)
      if (kept < max_)
        ++kept;
      else
        v.too_many.push_back(std::get<1>(e));
    std::size_t strangers_room = max_ - reserved_;
    std::size_t strangers = 0;
    for (auto* group : {&spoke, &quiet})
      for (auto& e : *group)
        if (kept < max_ && strangers < strangers_room) {
          ++kept;
          ++strangers;
        } else {
          v.too_many.push_back(std::get<1>(e));
        }
    return v;
  }

private:
  std::chrono::milliseconds deadline_;
  std::size_t max_;
  std::size_t reserved_;
  uint64_t min_bytes_;
  std::map<uint64_t, clock::time_point> first_seen_;
};

} // namespace logcatch
