#include "bench/workload/postgresql_server.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <libpq-fe.h>

#include "bench/workload/loopback_port.hpp"

namespace logcatch {

namespace {

std::string whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run(const std::string& cmd, const std::string& what) {
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error(what + " failed: " + cmd);
}

} // namespace

postgresql_server::postgresql_server(const std::string& parent) : root_(parent + "/postgresql") {
  passwd* pg = ::getpwnam("postgres");
  if (pg == nullptr)
    throw std::runtime_error("no postgres user: run scripts/setup.sh (it installs postgresql)");
  // Temp folders are 0700: the server's user must pass through each of
  // ours on the way (search permission only, nothing becomes readable).
  for (auto dir = std::filesystem::absolute(parent); dir.has_relative_path(); dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & S_IXOTH) == 0)
      ::chmod(dir.c_str(), (st.st_mode & 07777) | S_IXGRP | S_IXOTH);
  }
  std::filesystem::create_directories(root_);
  if (::chown(root_.c_str(), pg->pw_uid, pg->pw_gid) != 0)
    throw std::runtime_error("cannot chown " + root_);
  password_file_ = parent + "/pg.password";
  std::ofstream(password_file_, std::ios::trunc) << password << "\n";
  ::chmod(password_file_.c_str(), 0644); // initdb reads it as postgres
  run("runuser -u postgres -- " + std::string(bin) + "/initdb -D " + root_ +
        "/data -U logcatch --auth-local=trust --auth-host=scram-sha-256 --pwfile=" +
        password_file_ + " > " + root_ + "/initdb.log 2>&1",
      "initdb");
  port_ = free_loopback_port();
  start();
}

postgresql_server::~postgresql_server() {
  resume(); // a stopped server cannot stop
  std::string cmd = pg_ctl() + " stop -m immediate > /dev/null 2>&1";
  [[maybe_unused]] int rc = std::system(cmd.c_str());
}

void postgresql_server::start() {
  run(pg_ctl() + " -w -t 60 -l " + root_ + "/server.log -o \"-p " + std::to_string(port_) +
        " -k " + root_ + " -c listen_addresses=127.0.0.1 -c fsync=off\" start > /dev/null 2>&1",
      "pg_ctl start");
}

void postgresql_server::kill_all() {
  auto pids = processes();
  for (auto pid : pids)
    ::kill(pid, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (auto pid : pids)
    while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::filesystem::remove(root_ + "/data/postmaster.pid");
}

void postgresql_server::pause() {
  paused_ = processes();
  for (auto pid : paused_)
    ::kill(pid, SIGSTOP);
}

void postgresql_server::resume() {
  for (auto pid : paused_)
    ::kill(pid, SIGCONT);
  paused_.clear();
}

std::string postgresql_server::dsn() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=logcatch";
}

std::vector<std::vector<std::string>> postgresql_server::query(const std::string& sql) const {
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
      rows.back().emplace_back(PQgetvalue(r, i, j), static_cast<std::size_t>(PQgetlength(r, i, j)));
  }
  PQclear(r);
  PQfinish(conn);
  return rows;
}

long long postgresql_server::number(const std::string& sql) const {
  try {
    auto rows = query(sql);
    return rows.empty() || rows[0].empty() ? -1 : std::stoll(rows[0][0]);
  } catch (const std::exception&) {
    return -1;
  }
}

std::string postgresql_server::pg_ctl() const {
  return "runuser -u postgres -- " + std::string(bin) + "/pg_ctl -D " + root_ + "/data";
}

std::vector<pid_t> postgresql_server::processes() const {
  std::vector<pid_t> pids;
  auto text = whole_file(root_ + "/data/postmaster.pid");
  if (text.empty())
    return pids;
  pid_t master = static_cast<pid_t>(std::stol(text));
  pids.push_back(master);
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto stat = whole_file(entry.path().string() + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest(stat.substr(close + 2)); // "pid (comm) state ppid ..."
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == master)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

} // namespace logcatch
