#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace logcatch {

/// Items sent to a peer that acknowledges them in order, kept until
/// acknowledged so they can be sent again on a new connection. The remote
/// sink keeps its unacknowledged batches in one; no actor code here.
///
///   push -> [ sent on this connection | not sent yet ] -> ack pops the front
///   rewind (connection lost): everything counts as not sent again.
template <class Item>
class resend_queue {
public:
  struct entry {
    Item item;
    uint64_t bytes = 0;
    bool sent_before = false; ///< went out on an earlier connection (a resend)
  };

  void push(Item item, uint64_t bytes) {
    bytes_ += bytes;
    entries_.push_back(entry{std::move(item), bytes, false});
  }

  /// The next item not yet sent on this connection (marked sent), or nullptr.
  /// `resend` tells whether it went out on an earlier connection already.
  Item* next_to_send(bool* resend = nullptr) {
    if (sent_ == entries_.size())
      return nullptr;
    auto& e = entries_[sent_++];
    if (resend != nullptr)
      *resend = e.sent_before;
    e.sent_before = true;
    return &e.item;
  }

  /// The peer acknowledged `bytes`: the oldest sent item, if it is that
  /// long. Nothing (and no change) when nothing was sent or the size does not
  /// match: the peer is out of step and the connection should be rewound.
  std::optional<Item> ack(uint64_t bytes) {
    if (sent_ == 0 || entries_.front().bytes != bytes)
      return std::nullopt;
    Item item = std::move(entries_.front().item);
    bytes_ -= bytes;
    entries_.pop_front();
    --sent_;
    return item;
  }

  /// The connection is gone: what it carried unacknowledged is sent again.
  void rewind() { sent_ = 0; }

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  std::size_t sent() const { return sent_; }
  uint64_t bytes() const { return bytes_; }

private:
  std::deque<entry> entries_;
  std::size_t sent_ = 0;
  uint64_t bytes_ = 0;
};

} // namespace logcatch
