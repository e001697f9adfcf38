#include "actors/sink/credit_waits.hpp"

#include <algorithm>

namespace logcatch {

void credit_waits::tidy(std::map<uint64_t, entry>::iterator it) {
  if (it->second.unacked == 0 && it->second.queued == 0 && !it->second.waiting)
    senders_.erase(it);
}

void credit_waits::received(uint64_t sender, std::size_t bytes) {
  auto& e = senders_[sender];
  e.unacked += bytes;
  ++e.queued;
}

void credit_waits::taken(uint64_t sender) {
  auto it = senders_.find(sender);
  if (it == senders_.end())
    return;
  if (it->second.queued > 0)
    --it->second.queued;
  tidy(it);
}

void credit_waits::requeued(uint64_t sender) {
  ++senders_[sender].queued;
}

void credit_waits::acknowledged(uint64_t sender, std::size_t bytes) {
  auto it = senders_.find(sender);
  if (it == senders_.end())
    return;
  it->second.unacked -= std::min(bytes, it->second.unacked);
  it->second.waiting = false;
  tidy(it);
}

void credit_waits::waiting(uint64_t sender, std::size_t inflight) {
  auto it = senders_.find(sender);
  // Everything the sender sent before saying so has arrived (one sender's
  // messages keep their order): fewer bytes here means acks are on the way.
  if (it == senders_.end() || it->second.unacked < inflight)
    return;
  it->second.waiting = true;
}

bool credit_waits::write_now() const {
  for (auto& [sender, e] : senders_)
    if (e.waiting && e.queued > 0)
      return true;
  return false;
}

} // namespace logcatch
