#pragma once

// Which of the aggregator's accepted connections to cut. CAF 0.17 keeps a
// connection that never sends a complete BASP header open for ever (its
// timeout starts with the first header, and there is none with TLS), and it
// accepts as many connections as there are fds. The aggregator therefore
// looks at its own sockets (connection_guard) and asks this class, which is
// pure logic: a connection that has not sent a handshake's worth of bytes
// by the deadline goes, and beyond the maximum those that sent none go
// first, then the newest, so collectors keep their places.

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
};

class connection_watch {
public:
  using clock = std::chrono::steady_clock;

  /// `min_handshake_bytes`: what every honest peer sends at once (a BASP
  /// header is 32 bytes; a TLS ClientHello is longer).
  connection_watch(std::chrono::milliseconds handshake_deadline, std::size_t max_connections,
                   uint64_t min_handshake_bytes = 33)
    : deadline_(handshake_deadline), max_(max_connections), min_bytes_(min_handshake_bytes) {}

  struct verdict {
    std::vector<uint64_t> silent;   ///< past the deadline without a handshake
    std::vector<uint64_t> too_many; ///< the newest beyond max_connections
  };

  /// The connections open now (every one of them, each look); returns which
  /// to cut. Connections not seen again are forgotten.
  verdict look(const std::vector<observed_connection>& open, clock::time_point now) {
    std::map<uint64_t, clock::time_point> seen;
    verdict v;
    // (no handshake yet, first seen, id): peers that spoke come first.
    std::vector<std::tuple<bool, clock::time_point, uint64_t>> kept;
    for (auto& c : open) {
      auto it = first_seen_.find(c.id);
      auto since = it == first_seen_.end() ? now : it->second;
      seen[c.id] = since;
      if (c.bytes_received < min_bytes_ && now - since >= deadline_)
        v.silent.push_back(c.id);
      else
        kept.emplace_back(c.bytes_received < min_bytes_, since, c.id);
    }
    first_seen_ = std::move(seen);
    if (kept.size() > max_) {
      // Peers that sent a handshake keep their places (collectors), then the
      // oldest; ties (first seen in the same look) by id, so that the choice
      // does not depend on the order /proc lists them in.
      std::sort(kept.begin(), kept.end());
      for (std::size_t i = max_; i < kept.size(); ++i)
        v.too_many.push_back(std::get<2>(kept[i]));
    }
    return v;
  }

private:
  std::chrono::milliseconds deadline_;
  std::size_t max_;
  uint64_t min_bytes_;
  std::map<uint64_t, clock::time_point> first_seen_;
};

} // namespace logcatch
