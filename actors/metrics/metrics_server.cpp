#include "actors/metrics/metrics_server.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <netdb.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "actors/metrics/http_request_head.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr auto request_deadline = std::chrono::seconds(2);
constexpr auto connection_deadline = std::chrono::seconds(10);
// Slots, so that one client cannot take all of the collector's fds; many
// enough that 100 concurrent scrapers from one address are all served.
constexpr std::size_t max_per_client = 128;
constexpr std::size_t max_connections = 256;

struct http_connection {
  int fd = -1;
  std::string client; ///< its address, for the per-client count
  clock_type::time_point accepted;
  std::string in;
  std::string out; ///< the response, once the request is complete
  std::size_t sent = 0;
};

std::string address_of(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a)->sin_addr, text, sizeof text);
  else if (a.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr, text, sizeof text);
  return text;
}

/// Binds and listens on host:port (0: any free port); the socket or -1.
int listen_on(const std::string& host, uint16_t port, uint16_t& bound) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
    return -1;
  int fd = -1;
  for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
      continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0)
    return -1;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  bound = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return fd;
}

std::string answer(const metrics_registry& reg, const http_request_head& head) {
  using state = http_request_head::state;
  if (head.status == state::too_large)
    return http_response(431, "text/plain", "request head too large\n");
  if (head.status == state::bad)
    return http_response(400, "text/plain", "bad request\n");
  bool head_only = head.method == "HEAD";
  if (head.method != "GET" && !head_only)
    return http_response(405, "text/plain", "only GET\n");
  if (head.target == "/metrics") {
    auto process = sample_process();
    process.uptime_seconds = reg.uptime_seconds();
    return http_response(200, "text/plain; version=0.0.4; charset=utf-8", reg.render(process),
                         head_only);
  }
  if (head.target == "/healthz") {
    if (reg.any_key_failing())
      return http_response(503, "text/plain",
                           "failing: a key restarts more often than max_restarts allows\n",
                           head_only);
    return http_response(200, "text/plain", "ok\n", head_only);
  }
  return http_response(404, "text/plain", "not found\n", head_only);
}

} // namespace

metrics_server::metrics_server(std::shared_ptr<metrics_registry> registry, const std::string& host,
                               uint16_t port)
  : registry_(std::move(registry)), host_(host) {
  listen_fd_ = listen_on(host, port, port_);
  if (listen_fd_ < 0)
    throw std::runtime_error("metrics.listen " + host + ":" + std::to_string(port) +
                             ": cannot listen there (in use, or not an address of this machine)");
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("metrics: pipe: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { serve(); });
  log_info("metrics", "serving http://" + host_ + ":" + std::to_string(port_) + "/metrics and /healthz");
}

metrics_server::~metrics_server() {
  char byte = 0;
  (void)!::write(wake_[1], &byte, 1);
  if (thread_.joinable())
    thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void metrics_server::serve() {
  std::vector<http_connection> conns;
  std::map<std::string, std::size_t> per_client;
  auto close_at = [&](std::size_t i) {
    ::close(conns[i].fd);
    if (--per_client[conns[i].client] == 0)
      per_client.erase(conns[i].client);
    conns[i] = std::move(conns.back());
    conns.pop_back();
  };
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& c : conns)
      fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
    ::poll(fds.data(), fds.size(), 250); // deadlines are checked at least this often
    if (fds[0].revents != 0)
      break;
    auto now = clock_type::now();
    // Deadlines and progress, from the back: close_at moves the last one here.
    for (std::size_t i = conns.size(); i-- > 0;) {
      auto& c = conns[i];
      short ev = fds[i + 2].revents;
      bool done = false;
      if (c.out.empty() && (ev & (POLLIN | POLLHUP | POLLERR))) {
        char buffer[4096];
        auto n = ::recv(c.fd, buffer, sizeof buffer, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
          close_at(i);
          continue;
        }
        if (n > 0)
          c.in.append(buffer, static_cast<std::size_t>(n));
        auto head = parse_http_request_head(c.in);
        if (head.status != http_request_head::state::incomplete)
          c.out = answer(*registry_, head);
      }
      if (!c.out.empty() && (ev & POLLOUT)) {
        auto n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
          done = true;
        else if (n > 0)
          c.sent += static_cast<std::size_t>(n);
        done = done || c.sent == c.out.size();
      }
      // A whole request in 2 s, a whole exchange in 10 s: a slow client
      // holds its slot no longer, however it trickles.
      if (done || (c.out.empty() && now - c.accepted > request_deadline) ||
          now - c.accepted > connection_deadline)
        close_at(i);
    }
    if (fds[1].revents & POLLIN) {
      for (;;) {
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
          break;
        auto client = address_of(peer);
        if (conns.size() >= max_connections || per_client[client] >= max_per_client) {
          ::close(fd); // no slot: this client (or everyone) has enough open
          if (per_client[client] == 0)
            per_client.erase(client);
          continue;
        }
        ++per_client[client];
        conns.push_back(http_connection{fd, client, clock_type::now(), {}, {}, 0});
      }
    }
  }
  for (auto& c : conns)
    ::close(c.fd);
}

} // namespace logcatch
