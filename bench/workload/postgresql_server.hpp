#pragma once

// A private PostgreSQL 15 for tests and the benchmark: initdb in a folder
// (as the unprivileged `postgres` user, as initdb requires), a free loopback
// port, password (scram) authentication over TCP, stopped when destroyed.
// Plus queries through libpq, and the faults: SIGKILL of every server
// process, SIGSTOP/SIGCONT of them all.

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace logcatch {

class postgresql_server {
public:
  static constexpr const char* bin = "/usr/lib/postgresql/15/bin";
  static constexpr const char* password = "s3cret-for-tests";

  /// Creates and starts the cluster in `parent`/postgresql (`parent` is
  /// made traversable for the server's user). Throws std::runtime_error.
  explicit postgresql_server(const std::string& parent);
  ~postgresql_server();
  postgresql_server(const postgresql_server&) = delete;
  postgresql_server& operator=(const postgresql_server&) = delete;

  void start();
  /// A crash: every server process SIGKILLed at once; start() brings it back.
  void kill_all();
  /// Every server process SIGSTOPped: connections stay open, nothing answers.
  void pause();
  void resume();

  uint16_t port() const { return port_; }
  const std::string& password_file() const { return password_file_; }
  /// The dsn a sink config takes (no password: that is in password_file).
  std::string dsn() const;

  /// Runs `sql`; the rows' values as text (NULL as ""). Throws on an error.
  std::vector<std::vector<std::string>> query(const std::string& sql) const;
  /// A single number (count(*) and the like); -1 when the query fails (the
  /// table is not there yet, the server is down).
  long long number(const std::string& sql) const;

private:
  std::string pg_ctl() const;
  std::vector<pid_t> processes() const;

  std::string root_;
  std::string password_file_;
  uint16_t port_ = 0;
  std::vector<pid_t> paused_;
};

} // namespace logcatch
