// /metrics and /healthz of a real `logcatch run`, scraped over HTTP.

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <httplib.h>
#include <map>
#include <regex>
#include <thread>
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/loopback_port.hpp"
#include "process_support.hpp"
#include "verify_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

/// name{labels} -> value, from one scrape (comments skipped).
using samples = std::map<std::string, double>;

samples parse_samples(const std::string& body) {
  samples result;
  std::size_t at = 0;
  while (at < body.size()) {
    auto end = body.find('\n', at);
    if (end == std::string::npos)
      end = body.size();
    auto line = body.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    if (space != std::string::npos)
      result[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return result;
}

/// A collector with metrics on a free port (port 0, read back from its log).
struct metrics_fixture {
  temp_dir dir;
  std::string config = dir / "config.yaml";
  std::string out = dir / "out.log";
  std::unique_ptr<child_process> child;
  int port = 0;

  void start(const std::string& logs_section, const std::string& extra = "") {
    write_file(config,
               logs_section + "sink: {type: file, path: out.log}\nmetrics: {listen: 127.0.0.1:0}\n" +
                 extra,
               false);
    child = std::make_unique<child_process>(
      std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", config}, dir.path());
    std::smatch m;
    REQUIRE(eventually([&] {
      auto err = child->err();
      static const std::regex served{"serving http://127\\.0\\.0\\.1:([0-9]+)/metrics"};
      if (!std::regex_search(err, m, served))
        return false;
      port = std::stoi(m[1]);
      return contains(err, "collecting");
    }));
  }

  httplib::Result get(const std::string& path) const {
    httplib::Client client{"127.0.0.1", port};
    client.set_connection_timeout(10, 0);
    client.set_read_timeout(30, 0);
    return client.Get(path.c_str());
  }

  samples scrape() const {
    auto res = get("/metrics");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return parse_samples(res->body);
  }

  double value(const std::string& series) const {
    auto s = scrape();
    auto it = s.find(series);
    return it == s.end() ? -1 : it->second;
  }

  void stop() {
    child->signal(SIGTERM);
    CHECK(child->wait() == 0);
  }
};

} // namespace

TEST_CASE("metrics: a known workload shows exactly its counts, and lag returns to 0") {
  metrics_fixture f;
  auto log = f.dir / "app.log";
  write_file(log, numbered_lines("app", 0, 1000));
  f.start("logs:\n  app: {path: app.log, max_line_bytes: 100, fault: {crash_on_rotation: true}}\n",
          "supervision: {backoff: {initial: 10ms}}\n");
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"app\"}") == 1000; }));
  // One rotation (the tailer crashes once on it), then one over-long line.
  REQUIRE(std::rename(log.c_str(), (log + ".1").c_str()) == 0);
  write_file(log, numbered_lines("app", 1000, 1500));
  write_file(log, "app 1500 " + std::string(300, 'x') + "\n");
  write_file(log, numbered_lines("app", 1501, 2000));
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"app\"}") == 2000; }));
  REQUIRE(eventually([&] { return f.value("logcatch_lag_bytes{key=\"app\"}") == 0; }));
  // The sink commits 200 ms after a write: wait for it rather than race it.
  REQUIRE(eventually([&] { return f.value("logcatch_sink_commits_total") >= 1; }));

  auto s = f.scrape();
  CHECK(s["logcatch_lines_delivered_total{key=\"app\"}"] == 2000);
  CHECK(s["logcatch_lines_read_total{key=\"app\"}"] >= 2000); // a crash may read some again
  CHECK(s["logcatch_lines_truncated_total{key=\"app\"}"] == 1);
  CHECK(s["logcatch_tailer_restarts_total{key=\"app\"}"] == 1);
  CHECK(s["logcatch_rotations_total{key=\"app\"}"] == 1);
  CHECK(s["logcatch_truncations_total{key=\"app\"}"] == 0);
  // app.log and the rotated app.log.1, which the key keeps following (a
  // writer may still append to it).
  CHECK(s["logcatch_files_open{key=\"app\"}"] == 2);
  CHECK(s["logcatch_key_failing{key=\"app\"}"] == 0);
  CHECK(s["logcatch_sink_lines_written_total"] == 2000);
  CHECK(s["logcatch_sink_write_errors_total"] == 0);
  CHECK(s["logcatch_sink_commits_total"] >= 1);
  CHECK(s["logcatch_sink_commit_duration_seconds_count"] == s["logcatch_sink_commits_total"]);
  CHECK(s["logcatch_sink_commit_duration_seconds_bucket{le=\"+Inf\"}"] ==
        s["logcatch_sink_commit_duration_seconds_count"]);
  CHECK(s["logcatch_process_resident_memory_bytes"] > 1e6);
  CHECK(s["logcatch_process_open_fds"] >= 3);
  CHECK(s["logcatch_process_uptime_seconds"] > 0);
  CHECK(s["logcatch_build_info{version=\"" LOGCATCH_VERSION "\"}"] == 1);
  // The crash's reason, as an info metric.
  auto body = f.get("/metrics")->body;
  CHECK(contains(body, "logcatch_tailer_last_failure_info{key=\"app\",reason=\""));
  CHECK(contains(body, "crash_on_rotation"));
  CHECK(contains(body, "# TYPE logcatch_lines_read_total counter"));
  CHECK(contains(body, "# TYPE logcatch_sink_commit_duration_seconds histogram"));

  // Lag is what was written and not yet acknowledged: it shows, then goes.
  write_file(log, numbered_lines("app", 2000, 2100));
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"app\"}") == 2100; }));
  REQUIRE(eventually([&] { return f.value("logcatch_lag_bytes{key=\"app\"}") == 0; }));
  f.stop();
  delivery_verifier v;
  v.on_text(read_file(f.out));
  CHECK(v.unique("app") == 2100);
}

TEST_CASE("metrics: reloads are counted by result, and a removed key leaves the scrape") {
  metrics_fixture f;
  write_file(f.dir / "a.log", numbered_lines("a", 0, 10));
  write_file(f.dir / "b.log", numbered_lines("b", 0, 10));
  f.start("logs:\n  a: a.log\n  b: b.log\n");
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"b\"}") == 10; }));
  CHECK(f.value("logcatch_reloads_total{result=\"applied\"}") == 0);
  CHECK(f.value("logcatch_reloads_total{result=\"rejected\"}") == 0);

  write_file(f.config, "logs: [this is: not valid\n", false);
  REQUIRE(eventually([&] { return f.value("logcatch_reloads_total{result=\"rejected\"}") == 1; }));
  CHECK(f.value("logcatch_reloads_total{result=\"applied\"}") == 0);
  CHECK(f.value("logcatch_lines_delivered_total{key=\"a\"}") == 10); // still running

  write_file(f.config, "logs:\n  a: a.log\nsink: {type: file, path: out.log}\nmetrics: {listen: 127.0.0.1:0}\n",
             false);
  REQUIRE(eventually([&] { return f.value("logcatch_reloads_total{result=\"applied\"}") == 1; }));
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"b\"}") == -1; }));
  CHECK(f.value("logcatch_reloads_total{result=\"rejected\"}") == 1);
  f.stop();
}

TEST_CASE("metrics: healthz says 503 while a key fails past max_restarts, and ok again after") {
  metrics_fixture f;
  write_file(f.dir / "good.log", numbered_lines("good", 0, 10));
  write_file(f.dir / "bad.log", "");
  f.start("logs:\n  good: good.log\n  bad: {path: bad.log, fault: {crash_every_lines: 1}}\n",
          "supervision: {max_restarts: 2, window: 1s, backoff: {initial: 10ms, max: 50ms}}\n");
  CHECK(f.get("/healthz")->status == 200);
  // Every line written crashes the tailer that reads it: a few a second.
  std::atomic<bool> writing{true};
  std::atomic<uint64_t> written{0};
  std::thread writer([&] {
    for (uint64_t i = 0; writing; ++i) {
      write_file(f.dir / "bad.log", numbered_lines("bad", i, i + 1));
      written = i + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  bool unhealthy = eventually([&] {
    auto res = f.get("/healthz");
    return res && res->status == 503;
  });
  auto failing = f.value("logcatch_key_failing{key=\"bad\"}");
  writing = false;
  writer.join();
  REQUIRE(unhealthy);
  CHECK(failing == 1);
  CHECK(f.value("logcatch_key_failing{key=\"good\"}") == 0);
  // Once the crashing stops, a quiet window heals it.
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"bad\"}") == written; }));
  REQUIRE(eventually([&] {
    auto res = f.get("/healthz");
    return res && res->status == 200 && res->body == "ok\n";
  }));
  CHECK(f.value("logcatch_key_failing{key=\"bad\"}") == 0);
  CHECK(f.value("logcatch_tailer_restarts_total{key=\"bad\"}") >= 3);
  f.stop();
}

TEST_CASE("metrics: 100 concurrent scrapes while tailing at full speed, and malformed requests") {
  metrics_fixture f;
  constexpr uint64_t lines = 300'000;
  f.start("logs:\n  big: big.log\n");
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex problem_mtx;
  std::string problem; // the last failed scrape's cause
  std::atomic<int> scrapers_served{0};
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 100; ++i)
    scrapers.emplace_back([&] {
      bool served = false;
      while (!done || !served) {
        auto res = f.get("/metrics");
        bool good = res && res->status == 200;
        (good ? ok : failed)++;
        if (good && !served) {
          served = true;
          ++scrapers_served;
        }
        if (!res || res->status != 200) {
          std::lock_guard<std::mutex> guard{problem_mtx};
          problem = res ? "status " + std::to_string(res->status) : httplib::to_string(res.error());
        }
      }
    });
  write_file(f.dir / "big.log", numbered_lines("big", 0, lines));
  bool delivered = eventually(
    [&] { return f.value("logcatch_lines_delivered_total{key=\"big\"}") == lines; },
    std::chrono::seconds(120));
  done = true;
  for (auto& t : scrapers)
    t.join();
  REQUIRE(delivered);
  INFO("last failed scrape: " << problem << " (" << failed << " of " << ok + failed << ")");
  CHECK(scrapers_served == 100);
  // cpp-httplib 0.11 (Debian's, compiled) listens with a backlog of 5: with
  // 100 clients starving its accept thread on 2 cores, the kernel may reset
  // a connection now and then. Collection must not notice; scrapes mostly work.
  CHECK(failed * 20 < ok + failed);

  // Garbage on the port: an HTTP error or a closed connection, never a crash.
  for (auto* junk : {"GARBAGE\r\n\r\n", "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
                     "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "GET /nope HTTP/1.1\r\n\r\n"}) {
    // httplib sends well-formed requests only: write the bytes by hand.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(f.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    auto n = ::write(fd, junk, std::strlen(junk));
    CHECK(n > 0);
    ::shutdown(fd, SHUT_WR);
    char reply[256] = {};
    auto got = ::read(fd, reply, sizeof reply - 1);
    ::close(fd);
    if (got > 0)
      CHECK(std::string(reply).rfind("HTTP/1.1 4", 0) == 0);
  }
  CHECK(f.get("/nope")->status == 404);
  CHECK(f.get("/metrics")->status == 200);
  f.stop();
  delivery_verifier v;
  v.on_text(read_file(f.out));
  CHECK(v.unique("big") == lines);
}

TEST_CASE("metrics: a port already in use is a clear error at start, exit 1") {
  // A listening socket holds the port.
  int blocker = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(blocker, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(blocker, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(blocker, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int port = ntohs(addr.sin_port);
  temp_dir dir;
  write_file(dir / "a.log", "x\n");
  write_file(dir / "config.yaml",
             "logs: {a: a.log}\nsink: {type: file, path: out.log}\nmetrics: {listen: 127.0.0.1:" +
               std::to_string(port) + "}\n");
  auto r = run_logcatch({"run", "--config", dir / "config.yaml"}, dir);
  ::close(blocker);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "metrics.listen 127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("metrics: a remote sink shows its link, and lines count as delivered once acknowledged") {
  temp_dir agg_dir;
  auto port = free_loopback_port();
  auto start_aggregator = [&] {
    auto child = std::make_unique<child_process>(
      std::vector<std::string>{LOGCATCH_BINARY, "aggregate", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--sink-path",
                               agg_dir / "out.log"},
      agg_dir.path());
    REQUIRE(eventually([&] { return contains(child->err(), "listening on"); }));
    return child;
  };
  auto aggregator = start_aggregator();
  metrics_fixture f;
  write_file(f.dir / "r.log", numbered_lines("r", 0, 500));
  write_file(f.config,
             "logs: {r: r.log}\nsink: {type: remote, address: 127.0.0.1:" + std::to_string(port) +
               ", node: n1}\nmetrics: {listen: 127.0.0.1:0}\n",
             false);
  f.child = std::make_unique<child_process>(
    std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", f.config}, f.dir.path());
  REQUIRE(eventually([&] {
    std::smatch m;
    auto err = f.child->err();
    static const std::regex served{"serving http://127\\.0\\.0\\.1:([0-9]+)/metrics"};
    if (!std::regex_search(err, m, served))
      return false;
    f.port = std::stoi(m[1]);
    return true;
  }));
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"r\"}") == 500; }));
  CHECK(f.value("logcatch_remote_connected") == 1);
  CHECK(f.value("logcatch_remote_inflight_bytes") == 0);
  CHECK(f.value("logcatch_sink_lines_written_total") == 500);

  aggregator->signal(SIGKILL);
  aggregator->wait();
  REQUIRE(eventually([&] { return f.value("logcatch_remote_connected") == 0; }));
  write_file(f.dir / "r.log", numbered_lines("r", 500, 600));
  aggregator = start_aggregator();
  REQUIRE(eventually([&] { return f.value("logcatch_lines_delivered_total{key=\"r\"}") == 600; }));
  CHECK(f.value("logcatch_remote_connected") == 1);
  CHECK(f.value("logcatch_remote_resends_total") != -1); // present (-1: missing)
  f.stop();
  aggregator->signal(SIGTERM);
  CHECK(aggregator->wait() == 0);
  delivery_verifier v;
  v.on_text(read_file(agg_dir / "out.log"));
  require_clean(v, {{"r", 600}});
}

namespace {

/// A connection to 127.0.0.1:port from `source` (any 127.x.y.z: a client
/// address of its own on loopback).
int connect_from(const char* source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

TEST_CASE("metrics: slow clients trickling their requests do not stop /metrics answering others") {
  metrics_fixture f;
  write_file(f.dir / "a.log", numbered_lines("a", 0, 100));
  f.start("logs: {a: a.log}\n");
  // 40 slowloris clients from one address.
  std::vector<int> slow;
  for (int i = 0; i < 40; ++i) {
    int fd = connect_from("127.0.0.2", f.port);
    REQUIRE(fd >= 0);
    ::send(fd, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling) {
      for (int fd : slow)
        ::send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // Meanwhile every scrape from another address is answered, promptly.
  for (int i = 0; i < 20; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto res = f.get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The slow ones are cut at the whole-request deadline (2 s), however they trickle.
  CHECK(eventually([&] {
    for (int fd : slow) {
      char buffer[256];
      auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return false;
    }
    return true;
  }, std::chrono::seconds(10)));
  trickling = false;
  trickle.join();
  for (int fd : slow)
    ::close(fd);
  f.stop();
}
