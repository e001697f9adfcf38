#pragma once

// The HTTP side of metrics: cpp-httplib serving /metrics (Prometheus text
// format) and /healthz from the registry, on threads of its own, so a burst
// of scrapes never touches an actor.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "actors/metrics/metrics_registry.hpp"

namespace httplib {
class Server;
}

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
  std::shared_ptr<metrics_registry> registry_;
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  uint16_t port_ = 0;
  std::thread thread_;
};

} // namespace logcatch
