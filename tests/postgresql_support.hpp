#pragma once

// A private PostgreSQL 15 for tests: initdb in a temp folder (as the
// unprivileged `postgres` user, as initdb requires), a free loopback port,
// password (scram) authentication over TCP, stopped with its folder. Plus
// queries through libpq, and the faults: SIGKILL of every server process,
// SIGSTOP/SIGCONT of them all.

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <pwd.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

#include <libpq-fe.h>

#include "bench/workload/loopback_port.hpp"
#include "test_support.hpp"

namespace logcatch::test {

class postgresql_server {
public:
  static constexpr const char* bin = "/usr/lib/postgresql/15/bin";
  static constexpr const char* password = "s3cret-for-tests";

  /// Creates and starts the cluster under `parent` (a temp_dir path).
  explicit postgresql_server(const std::string& parent) : root_(parent + "/postgresql") {
    passwd* pg = ::getpwnam("postgres");
    if (pg == nullptr)
      throw std::runtime_error("no postgres user: run scripts/setup.sh (it installs postgresql)");
    // The temp folder is 0700: the server's user must pass through it.
    ::chmod(parent.c_str(), 0711);
    std::filesystem::create_directories(root_);
    if (::chown(root_.c_str(), pg->pw_uid, pg->pw_gid) != 0)
      throw std::runtime_error("cannot chown " + root_);
    password_file_ = parent + "/pg.password";
    write_file(password_file_, std::string(password) + "\n", false);
    ::chmod(password_file_.c_str(), 0644); // initdb reads it as postgres
    run("runuser -u postgres -- " + std::string(bin) + "/initdb -D " + root_ +
          "/data -U logcatch --auth-local=trust --auth-host=scram-sha-256 --pwfile=" +
          password_file_ + " > " + root_ + "/initdb.log 2>&1",
        "initdb");
    port_ = free_loopback_port();
    start();
  }

  ~postgresql_server() {
    resume(); // a stopped server cannot stop
    std::string cmd = pg_ctl() + " stop -m immediate > /dev/null 2>&1";
    [[maybe_unused]] int rc = std::system(cmd.c_str());
  }

  postgresql_server(const postgresql_server&) = delete;
  postgresql_server& operator=(const postgresql_server&) = delete;

  void start() {
    run(pg_ctl() + " -w -t 60 -l " + root_ + "/server.log -o \"-p " + std::to_string(port_) +
          " -k " + root_ + " -c listen_addresses=127.0.0.1 -c fsync=off\" start > /dev/null 2>&1",
        "pg_ctl start");
  }

  /// A crash: every server process SIGKILLed at once.
  void kill_all() {
    auto pids = processes();
    for (auto pid : pids)
      ::kill(pid, SIGKILL);
    // Gone once the postmaster's pid file lock is free; pg_ctl start then works.
    eventually([&] {
      for (auto pid : pids)
        if (::kill(pid, 0) == 0)
          return false;
      return true;
    });
    std::filesystem::remove(root_ + "/data/postmaster.pid");
  }

  /// Every server process SIGSTOPped: connections stay open, nothing answers.
  void pause() {
    paused_ = processes();
    for (auto pid : paused_)
      ::kill(pid, SIGSTOP);
  }
  void resume() {
    for (auto pid : paused_)
      ::kill(pid, SIGCONT);
    paused_.clear();
  }

  uint16_t port() const { return port_; }
  const std::string& password_file() const { return password_file_; }
  /// The dsn a sink config takes (no password: that is in password_file).
  std::string dsn() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=logcatch";
  }

  /// Runs `sql`; the rows' values as text (NULL as ""). Throws on an error.
  std::vector<std::vector<std::string>> query(const std::string& sql) const {
    std::string conninfo = dsn() + " password=" + password + " connect_timeout=10";
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string error = PQerrorMessage(conn);
      PQfinish(conn);
      throw std::runtime_error("cannot connect to the test database: " + error);
    }
    PGresult* r = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string error = PQresultErrorMessage(r);
      PQclear(r);
      PQfinish(conn);
      throw std::runtime_error(sql + ": " + error);
    }
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      rows.emplace_back();
      for (int j = 0; j < PQnfields(r); ++j)
        rows.back().emplace_back(PQgetvalue(r, i, j));
    }
    PQclear(r);
    PQfinish(conn);
    return rows;
  }

  /// A single number (count(*) and the like); -1 when the query fails (the
  /// table is not there yet, the server is down).
  long long number(const std::string& sql) const {
    try {
      auto rows = query(sql);
      return rows.empty() || rows[0].empty() ? -1 : std::stoll(rows[0][0]);
    } catch (const std::exception&) {
      return -1;
    }
  }

private:
  std::string pg_ctl() const {
    return "runuser -u postgres -- " + std::string(bin) + "/pg_ctl -D " + root_ + "/data";
  }

  static void run(const std::string& cmd, const std::string& what) {
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error(what + " failed: " + cmd);
  }

  /// The postmaster (first line of postmaster.pid) and its children.
  std::vector<pid_t> processes() const {
    std::vector<pid_t> pids;
    auto text = read_file(root_ + "/data/postmaster.pid");
    if (text.empty())
      return pids;
    pid_t master = static_cast<pid_t>(std::stol(text));
    pids.push_back(master);
    for (auto& entry : std::filesystem::directory_iterator("/proc")) {
      auto name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos)
        continue;
      auto stat = read_file(entry.path().string() + "/stat");
      auto close = stat.rfind(')');
      if (close == std::string::npos)
        continue;
      // "pid (comm) state ppid ..."
      std::istringstream rest(stat.substr(close + 2));
      std::string state;
      long ppid = 0;
      rest >> state >> ppid;
      if (ppid == master)
        pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return pids;
  }

  std::string root_;
  std::string password_file_;
  uint16_t port_ = 0;
  std::vector<pid_t> paused_;
};

} // namespace logcatch::test
