#pragma once

// Where each acknowledgement goes, when batches of many collectors pass
// through one sink that acknowledges them to whoever handed them on. The
// database sink acknowledges in the order batches arrived (one queue, one
// write at a time, a failed write retried whole and in order), so the
// front remembers, in that order, whose each batch was. No actor code: the
// front keeps one; the unit tests use an int for the peer.

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace logcatch {

template <class Peer>
class ack_route {
public:
  /// A batch of `bytes` from `peer` went on to the sink.
  void push(Peer peer, uint64_t bytes) { waiting_.emplace_back(std::move(peer), bytes); }

  /// The sink acknowledged `bytes`: whose batch it was, or nothing when it
  /// is not the oldest one's size (out of step: a bug, never guessed at).
  std::optional<Peer> pop(uint64_t bytes) {
    if (waiting_.empty() || waiting_.front().second != bytes)
      return std::nullopt;
    auto peer = std::move(waiting_.front().first);
    waiting_.pop_front();
    return peer;
  }

  std::size_t size() const { return waiting_.size(); }

private:
  std::deque<std::pair<Peer, uint64_t>> waiting_;
};

} // namespace logcatch
