#include "main/top/metrics_scraper.hpp"

#include <httplib.h>

#include "main/top/top_view.hpp"

namespace logcatch {

namespace {

constexpr int connect_timeout_s = 2;
constexpr int read_timeout_s = 5;

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect (nothing listening there, or the host is unreachable)";
    case httplib::Error::ConnectionTimeout:
      return "cannot connect: timed out after " + std::to_string(connect_timeout_s) + "s";
    case httplib::Error::Read:
      return "no complete HTTP response (the connection closed, or nothing came within " +
             std::to_string(read_timeout_s) + "s)";
    case httplib::Error::Write:
      return "cannot send the request (the connection closed)";
    default:
      return "request failed (" + httplib::to_string(error) + ")";
  }
}

} // namespace

metrics_scraper::metrics_scraper(const host_port& address) {
  bool v6 = address.host.find(':') != std::string::npos;
  auto host = v6 ? "[" + address.host + "]" : address.host;
  url_ = "http://" + host + ":" + std::to_string(address.port) + "/metrics";
  client_ = std::make_unique<httplib::Client>(address.host, address.port);
  client_->set_connection_timeout(connect_timeout_s, 0);
  client_->set_read_timeout(read_timeout_s, 0);
  client_->set_write_timeout(read_timeout_s, 0);
}

metrics_scraper::~metrics_scraper() = default;

scrape_result metrics_scraper::scrape() {
  scrape_result result;
  auto response = client_->Get("/metrics");
  if (!response) {
    result.error = url_ + ": " + describe(response.error());
    return result;
  }
  if (response->status != 200) {
    result.error = url_ + ": HTTP status " + std::to_string(response->status) + ", expected 200";
    return result;
  }
  auto page = parse_metrics_text(response->body);
  if (!has_logcatch_metrics(page.samples)) {
    result.error = url_ + ": the response holds no logcatch metrics";
    if (!page.errors.empty())
      result.error += " (not Prometheus text: line " + std::to_string(page.errors.front().line) +
                      ": " + page.errors.front().cause + ")";
    else if (page.samples.empty())
      result.error += " (no samples at all)";
    return result;
  }
  // A few malformed lines among logcatch's own are tolerated: a newer
  // collector may write what this parser does not know yet.
  result.samples = std::move(page.samples);
  return result;
}

} // namespace logcatch
