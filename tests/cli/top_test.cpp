// `logcatch top` against a fake /metrics endpoint served from this process:
// one plain snapshot through a pipe, live frames on a pseudo-terminal (a
// pty of our own: the child's controlling terminal, so q, Ctrl-C and the
// terminal mode can be checked), and the errors.

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <functional>
#include <httplib.h>
#include <mutex>
#include <poll.h>
#include <pty.h>
#include <sstream>
#include <sys/ioctl.h>
#include <termios.h>

#include "bench/workload/loopback_port.hpp"
#include "process_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

/// Serves `body(seconds since start)` at http://127.0.0.1:PORT/metrics.
class fake_metrics_server {
public:
  using body_function = std::function<std::string(double)>;

  /// On any free port, or on `port` when given.
  explicit fake_metrics_server(body_function body, int status = 200, int port = 0)
    : body_(std::move(body)), status_(status) {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      response.status = status_;
      response.set_content(body_(t), "text/plain; version=0.0.4");
    });
    if (port == 0)
      port_ = server_.bind_to_any_port("127.0.0.1");
    else
      port_ = server_.bind_to_port("127.0.0.1", port) ? port : -1;
    if (port_ <= 0)
      throw std::runtime_error("fake_metrics_server: cannot bind");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~fake_metrics_server() {
    // stop() before the listen loop runs would be lost; wait for it first.
    eventually([&] { return server_.is_running(); }, std::chrono::seconds(10));
    server_.stop();
    thread_.join();
  }
  fake_metrics_server(const fake_metrics_server&) = delete;
  fake_metrics_server& operator=(const fake_metrics_server&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

private:
  body_function body_;
  int status_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

// alpha: 2000 lines/s of 100 bytes; beta: 200 lines/s of 10 bytes, failing.
constexpr double alpha_lines_per_s = 2000;
constexpr double alpha_bytes_per_s = 200000;
constexpr double beta_lines_per_s = 200;
constexpr double beta_bytes_per_s = 2000;

std::string collector_metrics(double t) {
  auto n = [](double v) { return std::to_string(static_cast<long long>(v)); };
  return "# HELP logcatch_lines_read_total Lines read per key.\n"
         "# TYPE logcatch_lines_read_total counter\n"
         "logcatch_lines_read_total{key=\"alpha\"} " + n(alpha_lines_per_s * t) + "\n"
         "logcatch_lines_read_total{key=\"beta\"} " + n(beta_lines_per_s * t) + "\n"
         "# TYPE logcatch_bytes_read_total counter\n"
         "logcatch_bytes_read_total{key=\"alpha\"} " + n(alpha_bytes_per_s * t) + "\n"
         "logcatch_bytes_read_total{key=\"beta\"} " + n(beta_bytes_per_s * t) + "\n"
         "logcatch_lines_delivered_total{key=\"alpha\"} " + n(alpha_lines_per_s * t) + "\n"
         "logcatch_lines_delivered_total{key=\"beta\"} " + n(beta_lines_per_s * t) + "\n"
         "logcatch_files_open{key=\"alpha\"} 1\n"
         "logcatch_files_open{key=\"beta\"} 0\n"
         "logcatch_tailer_restarts_total{key=\"alpha\"} 0\n"
         "logcatch_tailer_restarts_total{key=\"beta\"} 3\n"
         "logcatch_lag_bytes{key=\"alpha\"} 1048576\n"
         "logcatch_lag_bytes{key=\"beta\"} 0\n"
         "logcatch_tailer_last_failure_info{key=\"beta\",reason=\"open \\\"b.log\\\": permission denied\"} 1\n"
         "logcatch_key_failing{key=\"alpha\"} 0\n"
         "logcatch_key_failing{key=\"beta\"} 1\n"
         "logcatch_sink_lines_written_total " + n((alpha_lines_per_s + beta_lines_per_s) * t) + "\n"
         "logcatch_sink_bytes_written_total " + n((alpha_bytes_per_s + beta_bytes_per_s) * t) + "\n"
         "logcatch_sink_write_errors_total 0\n"
         "logcatch_sink_commit_duration_seconds_bucket{le=\"0.001\"} 5\n"
         "logcatch_sink_commit_duration_seconds_bucket{le=\"+Inf\"} 7\n"
         "logcatch_sink_commit_duration_seconds_sum 0.02\n"
         "logcatch_sink_commit_duration_seconds_count 7\n"
         "logcatch_reloads_total{result=\"applied\"} 0\n"
         "logcatch_reloads_total{result=\"rejected\"} 0\n"
         "logcatch_process_resident_memory_bytes 25165824\n"
         "logcatch_process_open_fds 12\n"
         "logcatch_process_uptime_seconds " + n(t) + "\n"
         "logcatch_build_info{version=\"0.1.0\"} 1\n";
}

/// The lines of `lines` that are the row of `key` ("key" then a blank).
std::vector<std::string> rows_of(const std::vector<std::string>& lines, const std::string& key) {
  std::vector<std::string> rows;
  for (const auto& line : lines)
    if (line.rfind(key + " ", 0) == 0)
      rows.push_back(line);
  return rows;
}

/// "2.0k/s" -> 2000, "195.3 KiB/s" -> 199987 (the number and its unit word).
double human_value(const std::string& number, const std::string& unit) {
  double v = std::stod(number);
  auto has = [&](const char* s) { return number.find(s) != std::string::npos || unit.find(s) != std::string::npos; };
  if (has("KiB"))
    return v * 1024;
  if (has("MiB"))
    return v * 1024 * 1024;
  if (has("k/s"))
    return v * 1000;
  if (has("M/s"))
    return v * 1e6;
  return v;
}

struct parsed_row {
  double lines_per_s = -1;
  double bytes_per_s = -1;
  std::string restarts;
  std::string rest;
};

/// KEY LINES/S BYTES/S(2 words) LAG(2 words) RESTARTS LAST-ERROR...
parsed_row parse_row(const std::string& row) {
  std::istringstream in(row);
  std::string key, lines, bytes, bytes_unit, lag, lag_unit;
  parsed_row r;
  in >> key >> lines >> bytes >> bytes_unit >> lag >> lag_unit >> r.restarts;
  std::getline(in, r.rest);
  if (lines != "-")
    r.lines_per_s = human_value(lines, "");
  if (bytes != "-")
    r.bytes_per_s = human_value(bytes, bytes_unit);
  return r;
}

/// `logcatch ARGS` on a pseudo-terminal of COLSxROWS that is its controlling
/// terminal; everything it writes is collected.
class pty_child {
public:
  pty_child(const std::vector<std::string>& args, unsigned short cols = 120, unsigned short rows = 30) {
    winsize size{rows, cols, 0, 0};
    if (::openpty(&master_, &slave_, nullptr, nullptr, &size) != 0)
      throw std::runtime_error("openpty failed");
    ::tcgetattr(slave_, &original_);
    std::vector<std::string> argv{LOGCATCH_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::setsid();
      ::ioctl(slave_, TIOCSCTTY, 0);
      ::dup2(slave_, 0);
      ::dup2(slave_, 1);
      ::dup2(slave_, 2);
      ::close(master_);
      ::close(slave_);
      std::vector<char*> raw;
      for (auto& a : argv)
        raw.push_back(const_cast<char*>(a.c_str()));
      raw.push_back(nullptr);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    // The slave stays open here too: reads never fail with EIO when the
    // child exits, and its mode can be read after the exit.
    reader_ = std::thread([this] {
      while (!stop_) {
        pollfd fd{master_, POLLIN, 0};
        if (::poll(&fd, 1, 50) <= 0)
          continue;
        char buffer[4096];
        auto n = ::read(master_, buffer, sizeof buffer);
        if (n <= 0)
          continue;
        std::lock_guard<std::mutex> lock(mutex_);
        output_.append(buffer, static_cast<std::size_t>(n));
      }
    });
  }
  ~pty_child() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    stop_ = true;
    reader_.join();
    ::close(master_);
    ::close(slave_);
  }
  pty_child(const pty_child&) = delete;
  pty_child& operator=(const pty_child&) = delete;

  std::string output() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return output_;
  }
  void type(const std::string& keys) { CHECK(::write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size())); }
  void signal(int sig) { ::kill(pid_, sig); }

  /// The terminal's local modes now, and before the child started.
  tcflag_t local_modes() const {
    termios now{};
    ::tcgetattr(slave_, &now);
    return now.c_lflag;
  }
  tcflag_t original_local_modes() const { return original_.c_lflag; }

  /// The exit code, 128+N for a signal, -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    return wait_for_exit(pid_, exited_, code_, timeout);
  }

private:
  int master_ = -1;
  int slave_ = -1;
  termios original_{};
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  mutable std::mutex mutex_;
  std::string output_;
};

const std::string home = "\x1b[H";
const std::string leave_screen = "\x1b[?25h\x1b[?1049l";

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

/// The last complete frame (between the last two homes), as plain lines.
std::vector<std::string> last_frame(const std::string& output) {
  auto last = output.rfind(home);
  if (last == std::string::npos || last == 0)
    return {};
  auto before = output.rfind(home, last - 1);
  if (before == std::string::npos)
    return {};
  std::string frame = output.substr(before + home.size(), last - before - home.size());
  for (const std::string code : {"\x1b[K", "\x1b[J", "\r"})
    for (auto at = frame.find(code); at != std::string::npos; at = frame.find(code))
      frame.erase(at, code.size());
  return lines_of(frame);
}

/// At least two complete frames seen, the last with one row per key and rates.
bool shows_live_rows(const pty_child& child) {
  auto output = child.output();
  if (count_of(output, home) < 3)
    return false;
  auto frame = last_frame(output);
  auto alpha = rows_of(frame, "alpha");
  auto beta = rows_of(frame, "beta");
  return alpha.size() == 1 && beta.size() == 1 && parse_row(alpha[0]).lines_per_s > 0;
}

bool in_raw_mode(tcflag_t modes) {
  return (modes & (ICANON | ECHO)) == 0 && (modes & ISIG) != 0;
}

} // namespace

TEST_CASE("top through a pipe prints one plain snapshot with one row per key and real rates") {
  temp_dir dir;
  fake_metrics_server server{collector_metrics};
  auto r = run_logcatch({"top", "--metrics", server.address(), "--interval", "500ms"}, dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find('\x1b') == std::string::npos);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 5); // title, header, alpha, beta, footer
  CHECK(contains(lines[0], "http://" + server.address() + "/metrics"));
  CHECK(lines[1].rfind("KEY", 0) == 0);
  auto alpha_rows = rows_of(lines, "alpha");
  auto beta_rows = rows_of(lines, "beta");
  REQUIRE(alpha_rows.size() == 1);
  REQUIRE(beta_rows.size() == 1);
  // Two scrapes about 500 ms apart: the rates are the server's within
  // rounding and scheduling noise.
  auto alpha = parse_row(alpha_rows[0]);
  auto beta = parse_row(beta_rows[0]);
  CHECK(alpha.lines_per_s == Approx(alpha_lines_per_s).epsilon(0.25));
  CHECK(alpha.bytes_per_s == Approx(alpha_bytes_per_s).epsilon(0.25));
  CHECK(beta.lines_per_s == Approx(beta_lines_per_s).epsilon(0.25));
  CHECK(beta.bytes_per_s == Approx(beta_bytes_per_s).epsilon(0.25));
  CHECK(contains(alpha_rows[0], "1.0 MiB")); // lag
  CHECK(alpha.restarts == "0");
  CHECK(beta.restarts == "3");
  CHECK(contains(beta.rest, "open \"b.log\": permission denied"));
  CHECK(contains(lines[4], "sink "));
  CHECK(contains(lines[4], "rss 24.0 MiB"));
}

TEST_CASE("top --once on a terminal prints one plain snapshot without escape codes") {
  fake_metrics_server server{collector_metrics};
  pty_child child{{"top", "--metrics", server.address(), "--interval", "200ms", "--once"}};
  REQUIRE(child.wait() == 0);
  REQUIRE(eventually([&] { return contains(child.output(), "sink "); }, std::chrono::seconds(10)));
  auto output = child.output();
  INFO(output);
  CHECK(output.find('\x1b') == std::string::npos);
  auto lines = lines_of(output);
  CHECK(rows_of(lines, "alpha").size() == 1);
  CHECK(rows_of(lines, "beta").size() == 1);
  CHECK(child.local_modes() == child.original_local_modes());
}

TEST_CASE("top on a terminal redraws one row per key and restores the terminal on q, Ctrl-C or SIGTERM") {
  fake_metrics_server server{collector_metrics};
  pty_child child{{"top", "--metrics", server.address(), "--interval", "200ms"}};
  REQUIRE(eventually([&] { return shows_live_rows(child); }));
  CHECK(contains(child.output(), "\x1b[?1049h")); // the alternate screen
  CHECK(in_raw_mode(child.local_modes()));        // keys without Enter, no echo
  {
    INFO(child.output());
    auto frame = last_frame(child.output());
    CHECK(contains(frame.front(), "logcatch top"));
    auto beta = rows_of(frame, "beta");
    REQUIRE(beta.size() == 1);
    CHECK(contains(beta[0], "permission denied"));
  }

  SECTION("q") { child.type("q"); }
  SECTION("Ctrl-C") { child.type("\x03"); }
  SECTION("SIGTERM") { child.signal(SIGTERM); }

  CHECK(child.wait() == 0);
  CHECK(eventually([&] { return contains(child.output(), leave_screen); }, std::chrono::seconds(10)));
  auto output = child.output();
  CHECK(output.substr(output.size() - leave_screen.size()) == leave_screen);
  CHECK(child.local_modes() == child.original_local_modes());
}

TEST_CASE("top on a terminal shows a scrape error in the view and recovers when the endpoint appears") {
  auto port = free_loopback_port();
  auto address = "127.0.0.1:" + std::to_string(port);
  pty_child child{{"top", "--metrics", address, "--interval", "200ms"}};
  REQUIRE(eventually([&] {
    auto output = child.output();
    return count_of(output, home) >= 2 && contains(output, "cannot connect");
  }));
  CHECK(contains(child.output(), "http://" + address + "/metrics"));
  fake_metrics_server server{collector_metrics, 200, port};
  auto seen = child.output().size();
  REQUIRE(eventually([&] { return shows_live_rows(child) && child.output().size() > seen; }));
  auto frame = last_frame(child.output());
  for (const auto& line : frame)
    CHECK_FALSE(contains(line, "cannot connect"));
  child.type("q");
  CHECK(child.wait() == 0);
  CHECK(child.local_modes() == child.original_local_modes());
}

TEST_CASE("top exits 1 naming the address and the cause when the endpoint is unreachable or not metrics") {
  temp_dir dir;
  SECTION("nothing listening") {
    auto address = "127.0.0.1:" + std::to_string(free_loopback_port());
    auto r = run_logcatch({"top", "--metrics", address, "--interval", "100ms"}, dir);
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "http://" + address + "/metrics"));
    CHECK(contains(r.err, "cannot connect"));
  }
  SECTION("an HTTP error") {
    fake_metrics_server server{collector_metrics, 503};
    auto r = run_logcatch({"top", "--metrics", server.address(), "--interval", "100ms"}, dir);
    CHECK(r.code == 1);
    CHECK(contains(r.err, server.address()));
    CHECK(contains(r.err, "HTTP status 503"));
  }
  SECTION("a page that is not logcatch metrics") {
    fake_metrics_server server{[](double) { return std::string("<html><body>hello</body></html>\n"); }};
    auto r = run_logcatch({"top", "--metrics", server.address(), "--interval", "100ms"}, dir);
    CHECK(r.code == 1);
    CHECK(contains(r.err, server.address()));
    CHECK(contains(r.err, "no logcatch metrics"));
  }
}

TEST_CASE("top rejects a bad address or interval and a missing --metrics with exit 2") {
  temp_dir dir;
  auto no_port = run_logcatch({"top", "--metrics", "localhost"}, dir);
  CHECK(no_port.code == 2);
  CHECK(contains(no_port.err, "--metrics"));
  auto bad_interval = run_logcatch({"top", "--metrics", "127.0.0.1:9100", "--interval", "fast"}, dir);
  CHECK(bad_interval.code == 2);
  CHECK(contains(bad_interval.err, "--interval"));
  auto missing = run_logcatch({"top"}, dir);
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "--metrics"));
  auto help = run_logcatch({"top", "--help"}, dir);
  CHECK(help.code == 0);
  CHECK(contains(help.out, "--interval"));
}
