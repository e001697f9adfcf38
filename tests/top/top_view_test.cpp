#include "main/top/top_view.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;

namespace {

std::vector<metric_sample> page(const std::string& text) {
  auto parsed = parse_metrics_text(text);
  REQUIRE(parsed.errors.empty());
  return parsed.samples;
}

std::string collector_page(int alpha_lines, int beta_lines, int sink_lines) {
  auto n = [](int v) { return std::to_string(v); };
  return "logcatch_lines_read_total{key=\"alpha\"} " + n(alpha_lines) + "\n"
         "logcatch_lines_read_total{key=\"beta\"} " + n(beta_lines) + "\n"
         "logcatch_bytes_read_total{key=\"alpha\"} " + n(alpha_lines * 100) + "\n"
         "logcatch_bytes_read_total{key=\"beta\"} " + n(beta_lines * 10) + "\n"
         "logcatch_lag_bytes{key=\"alpha\"} 4096\n"
         "logcatch_lag_bytes{key=\"beta\"} 0\n"
         "logcatch_tailer_restarts_total{key=\"alpha\"} 0\n"
         "logcatch_tailer_restarts_total{key=\"beta\"} 2\n"
         "logcatch_tailer_last_failure_info{key=\"beta\",reason=\"permission denied\"} 1\n"
         "logcatch_key_failing{key=\"alpha\"} 0\n"
         "logcatch_key_failing{key=\"beta\"} 1\n"
         "logcatch_sink_lines_written_total " + n(sink_lines) + "\n"
         "logcatch_sink_bytes_written_total " + n(sink_lines * 50) + "\n"
         "logcatch_sink_write_errors_total 1\n"
         "logcatch_sink_commit_duration_seconds_bucket{le=\"+Inf\"} 3\n"
         "logcatch_reloads_total{result=\"applied\"} 1\n"
         "logcatch_process_resident_memory_bytes 1048576\n"
         "logcatch_process_uptime_seconds 61\n"
         "logcatch_build_info{version=\"0.1.0\"} 1\n";
}

} // namespace

TEST_CASE("build_top_view makes one row per key, sorted, with rates over the seconds between scrapes",
          "[top][top_view]") {
  auto before = page(collector_page(1000, 10, 900));
  auto now = page(collector_page(3000, 15, 2900));
  auto view = build_top_view(&before, now, 2.0);
  REQUIRE(view.rows.size() == 2);
  const auto& alpha = view.rows[0];
  const auto& beta = view.rows[1];
  CHECK(alpha.key == "alpha");
  CHECK(beta.key == "beta");
  CHECK(alpha.lines_per_s == Approx(1000));
  CHECK(alpha.bytes_per_s == Approx(100000));
  CHECK(beta.lines_per_s == Approx(2.5));
  CHECK(beta.bytes_per_s == Approx(25));
  CHECK(alpha.lag_bytes == Approx(4096));
  CHECK(alpha.restarts == 0);
  CHECK(beta.restarts == 2);
  CHECK(alpha.last_error.empty());
  CHECK_FALSE(alpha.failing);
  CHECK(beta.last_error == "permission denied");
  CHECK(beta.failing);
  CHECK(view.sink_lines_per_s == Approx(1000));
  CHECK(view.sink_bytes_per_s == Approx(50000));
  CHECK(view.sink_write_errors == Approx(1));
  CHECK(view.resident_bytes == Approx(1048576));
  CHECK(view.uptime_seconds == Approx(61));
  CHECK(view.version == "0.1.0");
  CHECK_FALSE(view.remote_connected);
}

TEST_CASE("build_top_view has no rates on the first scrape or for a key the previous one lacked",
          "[top][top_view]") {
  auto now = page(collector_page(3000, 15, 2900));
  auto first = build_top_view(nullptr, now, 0);
  REQUIRE(first.rows.size() == 2);
  CHECK_FALSE(first.rows[0].lines_per_s);
  CHECK_FALSE(first.rows[0].bytes_per_s);
  CHECK(first.rows[0].lag_bytes == Approx(4096)); // gauges need one scrape only
  CHECK_FALSE(first.sink_lines_per_s);

  auto before = page("logcatch_lines_read_total{key=\"alpha\"} 10\n");
  auto view = build_top_view(&before, now, 1.0);
  REQUIRE(view.rows.size() == 2);
  CHECK(view.rows[0].lines_per_s == Approx(2990));
  CHECK_FALSE(view.rows[0].bytes_per_s);
  CHECK_FALSE(view.rows[1].lines_per_s);
}

TEST_CASE("build_top_view counts a counter that went down (collector restarted) from zero",
          "[top][top_view]") {
  auto before = page(collector_page(5000, 15, 5000));
  auto now = page(collector_page(400, 15, 300));
  auto view = build_top_view(&before, now, 2.0);
  CHECK(view.rows[0].lines_per_s == Approx(200));
  CHECK(view.rows[1].lines_per_s == Approx(0));
  CHECK(view.sink_lines_per_s == Approx(150));
}

TEST_CASE("build_top_view drops keys that are gone, ignores foreign metrics and reads remote state",
          "[top][top_view]") {
  auto before = page(collector_page(1, 1, 1));
  auto now = page("logcatch_lines_read_total{key=\"gamma\"} 5\n"
                  "other_service_requests_total{key=\"alpha\"} 9\n"
                  "logcatch_lag_bytes{key=\"gamma\"} NaN\n"
                  "logcatch_remote_connected 0\n");
  auto view = build_top_view(&before, now, 1.0);
  REQUIRE(view.rows.size() == 1);
  CHECK(view.rows[0].key == "gamma");
  CHECK_FALSE(view.rows[0].lines_per_s);
  CHECK_FALSE(view.rows[0].lag_bytes); // NaN is "unknown"
  REQUIRE(view.remote_connected);
  CHECK_FALSE(*view.remote_connected);
  CHECK(has_logcatch_metrics(now));
  CHECK_FALSE(has_logcatch_metrics(page("up 1\nhttp_requests_total 3\n")));
}

TEST_CASE("build_top_view gives no rate when no time passed", "[top][top_view]") {
  auto samples = page(collector_page(1, 1, 1));
  auto view = build_top_view(&samples, samples, 0.0);
  CHECK_FALSE(view.rows[0].lines_per_s);
}
