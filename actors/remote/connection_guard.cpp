#include "actors/remote/connection_guard.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <linux/tcp.h> // its tcp_info has tcpi_bytes_received (glibc's does not)
#include <set>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/self_log.hpp"

namespace logcatch {

namespace {

struct socket_on_port {
  int fd;
  observed_connection conn;
  session_endpoints::endpoint peer;
};

/// The peer's address as CAF's remote_addr spells it (inet_ntop).
session_endpoints::endpoint peer_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  char text[INET6_ADDRSTRLEN] = {};
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return {};
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return {text, ntohs(in->sin_port)};
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
  return {session_endpoints::normalized(text), ntohs(in6->sin6_port)};
}

/// This process's accepted TCP connections on `port` (not the listener).
std::vector<socket_on_port> accepted_sockets(uint16_t port) {
  std::vector<socket_on_port> result;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir)
    return result;
  while (auto* entry = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir))
      continue;
    struct stat st{};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode))
      continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      continue;
    uint16_t local_port = 0;
    if (addr.ss_family == AF_INET)
      local_port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    else if (addr.ss_family == AF_INET6)
      local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    else
      continue;
    int listening = 0;
    socklen_t optlen = sizeof listening;
    if (local_port != port ||
        ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 ||
        listening)
      continue;
    tcp_info info{};
    optlen = sizeof info;
    if (::getsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_INFO, &info, &optlen) != 0)
      continue;
    result.push_back({static_cast<int>(fd),
                      observed_connection{static_cast<uint64_t>(st.st_ino), info.tcpi_bytes_received},
                      peer_of(static_cast<int>(fd))});
  }
  ::closedir(dir);
  return result;
}

/// Shuts `fd` down if it still is socket `inode` (the fd may have been
/// closed and reused since the look).
bool cut(int fd, uint64_t inode) {
  struct stat st{};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_ino) != inode)
    return false;
  return ::shutdown(fd, SHUT_RDWR) == 0;
}

} // namespace

connection_guard::connection_guard(uint16_t port, std::chrono::milliseconds handshake_deadline,
                                   std::size_t max_connections, std::size_t reserved,
                                   std::shared_ptr<session_endpoints> sessions)
  : port_(port),
    watch_(handshake_deadline, max_connections, reserved),
    sessions_(std::move(sessions)),
    thread_([this] { run(); }) {
}

connection_guard::~connection_guard() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (cut_silent_ + cut_too_many_ > 0)
    log_info("aggregator", "cut " + std::to_string(cut_silent_) +
                             " connections without a handshake and " +
                             std::to_string(cut_too_many_) + " beyond the connection limit");
}

void connection_guard::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) {
    auto listed_at = sessions_->generation();
    auto sockets = accepted_sockets(port_);
    std::vector<observed_connection> open;
    std::set<session_endpoints::endpoint> peers;
    for (auto& s : sockets) {
      s.conn.authenticated = sessions_->contains(s.peer.first, s.peer.second);
      open.push_back(s.conn);
      peers.insert(s.peer);
    }
    sessions_->retain(peers, listed_at);
    auto verdict = watch_.look(open, connection_watch::clock::now());
    auto cut_all = [&](const std::vector<uint64_t>& ids, uint64_t& counter,
                       connection_watch::clock::time_point& last_log, const char* why) {
      uint64_t n = 0;
      for (auto id : ids)
        for (auto& s : sockets)
          if (s.conn.id == id && cut(s.fd, id))
            ++n;
      // At most a line of each kind every 5 s, whatever a stranger does.
      auto now = connection_watch::clock::now();
      if (n > 0 && now - last_log >= std::chrono::seconds(5)) {
        last_log = now;
        log_warn("aggregator", "cut " + std::to_string(n) + " connections " + why);
      }
      counter += n;
    };
    cut_all(verdict.silent, cut_silent_, last_silent_log_, "that sent no handshake in time");
    cut_all(verdict.too_many, cut_too_many_, last_excess_log_,
            "beyond the connection limit (never a collector's with a live session)");
  }
}

} // namespace logcatch
