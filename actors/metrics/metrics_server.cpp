#include "actors/metrics/metrics_server.hpp"

#include <httplib.h>
#include <stdexcept>
#include <chrono>

#include "actors/self_log.hpp"

namespace logcatch {

metrics_server::metrics_server(std::shared_ptr<metrics_registry> registry, const std::string& host,
                               uint16_t port)
  : registry_(std::move(registry)), server_(std::make_unique<httplib::Server>()), host_(host) {
  auto* reg = registry_.get();
  // A scraper that stalls must not hold a worker thread for long.
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->set_payload_max_length(64 * 1024);
  server_->Get("/metrics", [reg](const httplib::Request&, httplib::Response& res) {
    auto process = sample_process();
    process.uptime_seconds = reg->uptime_seconds();
    res.set_content(reg->render(process), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [reg](const httplib::Request&, httplib::Response& res) {
    if (reg->any_key_failing()) {
      res.status = 503;
      res.set_content("failing: a key restarts more often than max_restarts allows\n", "text/plain");
    } else {
      res.set_content("ok\n", "text/plain");
    }
  });
  int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0)
    throw std::runtime_error("metrics.listen " + host + ":" + std::to_string(port) +
                             ": cannot listen there (in use, or not an address of this machine)");
  port_ = static_cast<uint16_t>(bound);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the loop runs: wait for it, so the destructor
  // can never miss it and hang in join().
  for (int i = 0; i < 5000 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  log_info("metrics", "serving http://" + host_ + ":" + std::to_string(port_) + "/metrics and /healthz");
}

metrics_server::~metrics_server() {
  server_->stop();
  if (thread_.joinable())
    thread_.join();
}

} // namespace logcatch
