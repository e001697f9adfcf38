#pragma once

// The HTTP side of metrics: /metrics (Prometheus text format) and /healthz
// from the registry, served by one thread of its own with poll(), so a
// burst of scrapes never touches an actor. Its own loop rather than
// cpp-httplib's thread pool, whose read timeout restarts at every byte: a
// dozen slow clients held all its threads (issue 12). Here every
// connection has a deadline for its whole request (2 s) and its whole life
// (10 s), one client address holds at most 128 connections, and all of
// them at most 256; past that a connection is closed at once.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "actors/metrics/metrics_registry.hpp"

namespace logcatch {

class metrics_server {
public:
  /// Binds HOST:PORT now (port 0: any free one) and serves until destroyed.
  /// Throws std::runtime_error naming the address when it cannot bind.
  metrics_server(std::shared_ptr<metrics_registry> registry, const std::string& host,
                 uint16_t port);
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  uint16_t port() const { return port_; }
  const std::string& host() const { return host_; }

private:
  void serve();

  std::shared_ptr<metrics_registry> registry_;
  std::string host_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1}; ///< a pipe: the destructor writes, serve() returns
  std::thread thread_;
};

} // namespace logcatch
