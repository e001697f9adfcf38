#pragma once

// Which senders (tailers) have stopped reading until their sink acknowledges
// something: a database sink writes at once when one of them has batches
// queued, instead of waiting batch.max_delay for bytes that cannot come
// (a key's credit, max_inflight_bytes, is often below batch.max_bytes).
// Plain bookkeeping, no CAF: senders are actor ids.

#include <cstddef>
#include <cstdint>
#include <map>

namespace logcatch {

class credit_waits {
public:
  /// A batch of `bytes` from `sender` arrived and joined the queue.
  void received(uint64_t sender, std::size_t bytes);
  /// A batch of `sender` left the queue for a write.
  void taken(uint64_t sender);
  /// A batch of `sender` came back to the queue (its write failed).
  void requeued(uint64_t sender);
  /// `bytes` of `sender` were acknowledged: it reads again, or says again
  /// that it waits (too little came back).
  void acknowledged(uint64_t sender, std::size_t bytes);
  /// `sender` says it waits for credit with `inflight` bytes unacknowledged.
  /// Ignored when acknowledgements went out since it said so (this sink's
  /// count is below `inflight`): it reads again already.
  void waiting(uint64_t sender, std::size_t inflight);
  /// True when a waiting sender has batches queued: nothing more comes from
  /// it until they are written.
  bool write_now() const;
  /// Senders tracked (for tests: entries go once nothing is left of them).
  std::size_t size() const { return senders_.size(); }

private:
  struct entry {
    std::size_t unacked = 0; ///< bytes received, not yet acknowledged
    std::size_t queued = 0;  ///< batches queued, not in a write
    bool waiting = false;
  };
  void tidy(std::map<uint64_t, entry>::iterator it);

  std::map<uint64_t, entry> senders_;
};

} // namespace logcatch
