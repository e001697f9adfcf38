#pragma once

// One HTTP GET of a collector's /metrics for `logcatch top`.

#include <memory>
#include <string>
#include <vector>

#include "config/network_names.hpp"
#include "main/top/metrics_text.hpp"

namespace httplib {
class Client;
}

namespace logcatch {

/// The samples of one scrape, or why there are none.
struct scrape_result {
  std::vector<metric_sample> samples;
  std::string error; ///< "http://HOST:PORT/metrics: cause"; empty on success
  bool ok() const { return error.empty(); }
};

/// Scrapes http://HOST:PORT/metrics, one connection per scrape.
class metrics_scraper {
public:
  explicit metrics_scraper(const host_port& address);
  ~metrics_scraper();
  metrics_scraper(const metrics_scraper&) = delete;
  metrics_scraper& operator=(const metrics_scraper&) = delete;

  /// Fails on no connection, an HTTP status other than 200, or a body that
  /// holds no logcatch metrics (e.g. another service on that port).
  scrape_result scrape();

  const std::string& url() const { return url_; }

private:
  std::string url_;
  std::unique_ptr<httplib::Client> client_;
};

} // namespace logcatch
