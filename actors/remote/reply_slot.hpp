#pragma once

// Where an answer goes: a local requester (a promise), or a collector over
// the network, answered in the gateway's name so that the answering actor's
// own address never crosses the wire.

#include <utility>

#include <caf/all.hpp>

namespace logcatch {

struct reply_slot {
  caf::response_promise local;
  caf::strong_actor_ptr remote;
  caf::message_id mid;
  caf::strong_actor_ptr as; ///< the gateway

  template <class... Ts>
  void deliver(Ts&&... xs) {
    if (remote)
      remote->enqueue(as, mid.response_id(), caf::make_message(std::forward<Ts>(xs)...), nullptr);
    else
      local.deliver(std::forward<Ts>(xs)...);
  }
};

} // namespace logcatch
