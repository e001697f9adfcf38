#pragma once

// A thread of the aggregator that looks at its own accepted TCP sockets
// (every 250 ms: /proc/self/fd, getsockname, TCP_INFO) and shuts down those
// connection_watch picks. shutdown() on a socket CAF owns makes CAF's next
// read see the end of the stream, and CAF then closes it as it would any
// peer that went away: no CAF internals are touched. Which sockets carry a
// live session it learns from session_endpoints (filled by the sink).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "actors/remote/connection_watch.hpp"
#include "actors/remote/session_endpoints.hpp"

namespace logcatch {

class connection_guard {
public:
  /// `reserved`: of max_connections, the places only connections carrying
  /// a session may take (see connection_watch).
  connection_guard(uint16_t port, std::chrono::milliseconds handshake_deadline,
                   std::size_t max_connections, std::size_t reserved,
                   std::shared_ptr<session_endpoints> sessions);
  ~connection_guard();
  connection_guard(const connection_guard&) = delete;
  connection_guard& operator=(const connection_guard&) = delete;

private:
  void run();

  uint16_t port_;
  connection_watch watch_;
  std::shared_ptr<session_endpoints> sessions_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t cut_silent_ = 0;
  uint64_t cut_too_many_ = 0;
  /// When each kind of cut was last logged: one kind's line does not hide
  /// the other's (excess cuts right before the deadline ones would).
  connection_watch::clock::time_point last_silent_log_{};
  connection_watch::clock::time_point last_excess_log_{};
  std::thread thread_;
};

} // namespace logcatch
