#pragma once

// A private ClickHouse server for tests: a generated config in a temp folder,
// free loopback ports, started as a child process and waited for until it
// answers `SELECT 1`; stopped with SIGTERM, or SIGKILLed and started again
// on the same data folder for the fault tests. The config itself is
// bench/workload/clickhouse_config (the benchmark starts the same server).

#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>
#include <memory>
#include <stdexcept>
#include <string>

#include <httplib.h>

#include "bench/workload/clickhouse_config.hpp"
#include "bench/workload/loopback_port.hpp"
#include "process_support.hpp"
#include "test_support.hpp"

namespace logcatch::test {

class clickhouse_server {
public:
  /// Writes the config into `dir` (the data folder lives there too) and
  /// starts the server. A non-empty `password` is the `default` user's.
  explicit clickhouse_server(const std::string& dir, std::string password = "")
    : dir_(dir), password_(std::move(password)), http_port_(free_loopback_port()),
      tcp_port_(free_loopback_port()) {
    write_clickhouse_config({dir_, http_port_, tcp_port_, password_});
    start();
  }
  ~clickhouse_server() { stop(); }
  clickhouse_server(const clickhouse_server&) = delete;
  clickhouse_server& operator=(const clickhouse_server&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  int http_port() const { return http_port_; }
  const std::string& password() const { return password_; }

  /// Starts the server (again, on the same data folder) and waits until it answers.
  void start() {
    server_ = std::make_unique<child_process>(
      std::vector<std::string>{clickhouse_server_binary(), "--config-file=" + dir_ + "/config.xml"},
      dir_);
    int exit_code = -1;
    bool up = eventually(
      [&] {
        exit_code = server_->wait(std::chrono::milliseconds(0));
        return exit_code >= 0 || answers();
      },
      std::chrono::seconds(60));
    if (!up || exit_code >= 0)
      throw std::runtime_error(
        "ClickHouse did not answer SELECT 1 within 60 s" +
        (exit_code >= 0 ? " (it exited with " + std::to_string(exit_code) + ")" : std::string()) +
        "; its log: " + read_file(dir_ + "/server.err.log") + server_->err());
  }
  /// SIGTERM, and waits for the exit.
  void stop() {
    if (!server_)
      return;
    server_->signal(SIGCONT);
    server_->signal(SIGTERM);
    server_->wait(std::chrono::seconds(60));
    server_.reset(); // SIGKILLs it if it is still there
  }
  /// SIGKILL, and waits for the exit (a crash: the data folder stays).
  void kill() {
    server_->signal(SIGKILL);
    server_->wait(std::chrono::seconds(30));
    server_.reset();
  }
  void pause() { server_->signal(SIGSTOP); }
  void resume() { server_->signal(SIGCONT); }
  long rss_kib() const { return server_ ? server_->rss_kib() : 0; }
  /// The server's CPU time so far (user + system), for measurements.
  double cpu_seconds() const {
    if (!server_)
      return 0;
    std::ifstream stat("/proc/" + std::to_string(server_->pid()) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    if (close == std::string::npos)
      return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) { // field 3 is the state
      if (i == 14)
        utime = std::stoull(field);
      if (i == 15) {
        stime = std::stoull(field);
        break;
      }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  /// Runs `sql`; its answer, without the trailing newline. Throws on an error.
  std::string query(const std::string& sql) const {
    auto body = query_raw(sql);
    if (!body.empty() && body.back() == '\n')
      body.pop_back();
    return body;
  }
  /// Runs `sql`; its answer as it is (for FORMAT RowBinary). Throws on an error.
  std::string query_raw(const std::string& sql) const {
    auto cli = client();
    auto res = cli.Post("/", sql, "text/plain");
    if (!res)
      throw std::runtime_error("ClickHouse query failed: " + httplib::to_string(res.error()) +
                               ": " + sql);
    if (res->status != 200)
      throw std::runtime_error("ClickHouse query failed: " + res->body + ": " + sql);
    return res->body;
  }
  uint64_t count(const std::string& sql) const { return std::stoull(query(sql)); }

private:
  httplib::Client client() const {
    httplib::Client cli("127.0.0.1", http_port_);
    cli.set_connection_timeout(std::chrono::seconds(2));
    cli.set_read_timeout(std::chrono::seconds(60));
    cli.set_basic_auth("default", password_.c_str());
    return cli;
  }
  bool answers() const {
    auto cli = client();
    cli.set_read_timeout(std::chrono::seconds(2));
    auto res = cli.Post("/", "SELECT 1", "text/plain");
    return res && res->status == 200 && res->body == "1\n";
  }
  std::string dir_;
  std::string password_;
  int http_port_;
  int tcp_port_;
  std::unique_ptr<child_process> server_;
};

} // namespace logcatch::test
