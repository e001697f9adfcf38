#pragma once

// The actor an aggregator publishes. In CAF 0.17 a published actor receives
// whatever any peer that completes a BASP handshake sends it, system messages
// included, and an event-based actor cannot refuse exit_reason::kill. So the
// sink is not published: this gateway is. It is not a scheduled actor at all
// (no mailbox, no behaviour): its enqueue, run on the network thread, passes
// the logcatch message types a collector sends on to the sink with their sender and
// message id untouched, and drops everything else (exit, down, error, stream
// and any other message) with a log line naming the claimed sender.
//
// The sink answers and acknowledges in the gateway's name (see sink_actor),
// so its own address never crosses the wire: no peer can name it as a
// destination.

#include <atomic>
#include <chrono>
#include <cstdint>

#include <caf/all.hpp>

namespace logcatch {

class gateway_actor : public caf::monitorable_actor {
public:
  /// Makes a gateway forwarding to `sink` (not registered as running: it
  /// ends with close()).
  static caf::actor make(caf::actor_system& sys, caf::actor sink);

  explicit gateway_actor(caf::actor_config& cfg);

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override;
  const char* name() const override { return "gateway"; }

  /// Stops forwarding (the aggregator stops) and tells whoever monitors it.
  static void close(const caf::actor& gateway, const caf::error& reason);

  /// Messages dropped so far (for tests and the stop summary).
  uint64_t dropped() const { return dropped_; }

private:
  caf::actor sink_;
  std::atomic<bool> open_{true};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int64_t> last_log_ms_{0};
};

} // namespace logcatch
