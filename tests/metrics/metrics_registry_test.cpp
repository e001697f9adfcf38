// The registry's text format, without HTTP or actors.

#include <catch2/catch.hpp>
#include <thread>

#include "actors/metrics/metrics_registry.hpp"
#include "config/config_loader.hpp"

using namespace logcatch;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

} // namespace

TEST_CASE("metrics registry: per-key figures render with their key label and types") {
  metrics_registry reg;
  auto app = reg.key("app");
  app->lines_read = 12;
  app->bytes_read = 345;
  app->lines_delivered = 10;
  app->unread_bytes = 5;
  app->unacked_bytes = 7;
  app->rotations = 2;
  auto text = reg.render(process_sample{1024, 9, 1.5});
  CHECK(has_line(text, "# TYPE logcatch_lines_read_total counter"));
  CHECK(has_line(text, "logcatch_lines_read_total{key=\"app\"} 12"));
  CHECK(has_line(text, "logcatch_bytes_read_total{key=\"app\"} 345"));
  CHECK(has_line(text, "logcatch_lines_delivered_total{key=\"app\"} 10"));
  CHECK(has_line(text, "logcatch_rotations_total{key=\"app\"} 2"));
  CHECK(has_line(text, "# TYPE logcatch_lag_bytes gauge"));
  CHECK(has_line(text, "logcatch_lag_bytes{key=\"app\"} 12"));
  CHECK(has_line(text, "logcatch_process_resident_memory_bytes 1024"));
  CHECK(has_line(text, "logcatch_process_open_fds 9"));
  CHECK(has_line(text, "logcatch_process_uptime_seconds 1.5"));
  CHECK(has_line(text, "logcatch_reloads_total{result=\"applied\"} 0"));
  CHECK(text.find("logcatch_tailer_last_failure_info{") == std::string::npos); // never failed
  CHECK(text.find("logcatch_remote_connected") == std::string::npos);          // not remote
}

TEST_CASE("metrics registry: label values are escaped and hidden keys leave the scrape") {
  metrics_registry reg;
  auto odd = reg.key("we\"ird\\key");
  odd->set_last_failure("line one\nsaid \"no\"");
  auto text = reg.render({});
  CHECK(has_line(text, "logcatch_lines_read_total{key=\"we\\\"ird\\\\key\"} 0"));
  CHECK(has_line(text, "logcatch_tailer_last_failure_info{key=\"we\\\"ird\\\\key\",reason=\"line one\\nsaid \\\"no\\\"\"} 1"));
  reg.hide_key("we\"ird\\key");
  CHECK(reg.render({}).find("we\\\"ird") == std::string::npos);
  // Shown again, its counters go on (holders kept writing to the same figures).
  odd->lines_read = 3;
  CHECK(reg.key("we\"ird\\key") == odd);
  CHECK(has_line(reg.render({}), "logcatch_lines_read_total{key=\"we\\\"ird\\\\key\"} 3"));
}

TEST_CASE("metrics registry: the commit histogram is cumulative and counts every observation") {
  metrics_registry reg;
  auto& h = reg.sink().commit_seconds;
  h.observe(0.0001); // first bucket
  h.observe(0.003);  // le 0.005
  h.observe(0.003);
  h.observe(30);     // +Inf only
  auto c = h.cumulative();
  CHECK(c[0] == 1);
  CHECK(c[3] == 3); // le 0.005
  CHECK(c[latency_histogram::bounds.size() - 1] == 3);
  CHECK(c.back() == 4);
  CHECK(h.count() == 4);
  CHECK(h.sum() == Approx(30.0061).margin(1e-6));
  auto text = reg.render({});
  CHECK(has_line(text, "logcatch_sink_commit_duration_seconds_bucket{le=\"0.005\"} 3"));
  CHECK(has_line(text, "logcatch_sink_commit_duration_seconds_bucket{le=\"+Inf\"} 4"));
  CHECK(has_line(text, "logcatch_sink_commit_duration_seconds_count 4"));
}

TEST_CASE("metrics registry: remote figures appear for a remote sink, failing keys for healthz") {
  metrics_registry reg;
  reg.sink().remote = true;
  reg.sink().remote_connected = true;
  reg.sink().remote_inflight_bytes = 4096;
  reg.count_reload(true);
  reg.count_reload(false);
  reg.count_reload(false);
  auto text = reg.render({});
  CHECK(has_line(text, "logcatch_remote_connected 1"));
  CHECK(has_line(text, "logcatch_remote_inflight_bytes 4096"));
  CHECK(has_line(text, "logcatch_reloads_total{result=\"applied\"} 1"));
  CHECK(has_line(text, "logcatch_reloads_total{result=\"rejected\"} 2"));
  auto k = reg.key("k");
  CHECK_FALSE(reg.any_key_failing());
  k->failing = true;
  CHECK(reg.any_key_failing());
  reg.hide_key("k");
  CHECK_FALSE(reg.any_key_failing()); // a removed key no longer makes the collector unhealthy
}

TEST_CASE("metrics registry: counting from many threads while rendering loses nothing") {
  metrics_registry reg;
  auto k = reg.key("k");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i)
        k->lines_read.fetch_add(1, std::memory_order_relaxed);
    });
  for (int i = 0; i < 50; ++i)
    CHECK(reg.render({}).find("logcatch_lines_read_total{key=\"k\"}") != std::string::npos);
  for (auto& t : threads)
    t.join();
  CHECK(has_line(reg.render({}), "logcatch_lines_read_total{key=\"k\"} 400000"));
}

TEST_CASE("config: metrics.listen takes HOST:PORT, a bare port on loopback, and rejects the rest") {
  auto load = [](const std::string& metrics) {
    return load_config_text("logs: {a: /tmp/a.log}\n" + metrics, "t.yaml", "/tmp");
  };
  CHECK_FALSE(load("").metrics.enabled);
  auto c = load("metrics: {listen: 0.0.0.0:9100}\n").metrics;
  CHECK(c.enabled);
  CHECK(c.host == "0.0.0.0");
  CHECK(c.port == 9100);
  c = load("metrics: {listen: 9464}\n").metrics;
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 9464);
  c = load("metrics: {listen: ':9500'}\n").metrics;
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 9500);
  c = load("metrics: {}\n").metrics;
  CHECK(c.enabled);
  CHECK(c.port == 9464);
  for (auto* bad : {"metrics: {listen: nonsense}\n", "metrics: {listen: 1.2.3.4:99999}\n",
                    "metrics: {listen: [a, b]}\n", "metrics: {port: 9}\n", "metrics: 9464\n"}) {
    INFO(bad);
    CHECK_THROWS_AS(load(bad), config_error);
  }
  try {
    load("metrics:\n  listen: nonsense\n");
    FAIL("accepted");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()).find("t.yaml:3") != std::string::npos);
    CHECK(std::string(e.what()).find("HOST:PORT") != std::string::npos);
  }
}
