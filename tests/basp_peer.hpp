#pragma once

// A peer that speaks CAF 0.17's BASP directly over a TCP socket, built with
// CAF's own serializer: it sends the handshake and messages an attacker
// would, with any node id and any sender it likes, which a real CAF node
// never does (its node id is its own and its messages come from its actors).
//
//   server -> us   header{server_handshake} + (node_id, app ids, published actor id, interface)
//   us -> server   header{client_handshake} + (node_id we claim)
//   us -> server   header{direct_message, message id, source actor, dest actor}
//                  + (forwarding stack, message)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/basp/header.hpp>

namespace logcatch::test {

class basp_peer {
public:
  /// Connects to 127.0.0.1:port and reads the server's handshake.
  basp_peer(caf::actor_system& sys, uint16_t port) : sys_(sys) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      throw std::runtime_error("basp_peer: cannot connect");
    auto hdr = read_header();
    auto payload = read_exactly(hdr.payload_len);
    caf::binary_deserializer source{sys_, payload};
    std::vector<std::string> app_ids;
    std::set<std::string> iface;
    if (auto err = source(server_node, app_ids, published, iface))
      throw std::runtime_error("basp_peer: bad server handshake");
  }
  ~basp_peer() { ::close(fd_); }
  basp_peer(const basp_peer&) = delete;
  basp_peer& operator=(const basp_peer&) = delete;

  /// Says we are `claimed` (any node id: BASP takes the peer's word).
  void handshake(const caf::node_id& claimed) {
    std::vector<char> payload;
    caf::binary_serializer sink{sys_, payload};
    sink(const_cast<caf::node_id&>(claimed));
    send(caf::io::basp::header{caf::io::basp::message_type::client_handshake, 0,
                               static_cast<uint32_t>(payload.size()), 0, 0, 0},
         payload);
  }

  /// Sends `msg` to actor `dest` as if actor `source_actor` of the node we
  /// claimed sent it; `mid` 0: asynchronous.
  void send_message(caf::actor_id source_actor, caf::actor_id dest, const caf::message& msg,
                    uint64_t mid = 0) {
    std::vector<char> payload;
    caf::binary_serializer sink{sys_, payload};
    std::vector<caf::strong_actor_ptr> stages;
    sink(stages, const_cast<caf::message&>(msg));
    send(caf::io::basp::header{caf::io::basp::message_type::direct_message, 0,
                               static_cast<uint32_t>(payload.size()), mid, source_actor, dest},
         payload);
  }

  /// Sends raw bytes (e.g. a header announcing a payload that never comes).
  void send_raw(const std::vector<char>& bytes) {
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
      throw std::runtime_error("basp_peer: send failed");
  }

  /// A header of `type` announcing `payload_len` bytes, serialized as BASP does.
  std::vector<char> header_bytes(caf::io::basp::message_type type, uint32_t payload_len) {
    std::vector<char> out;
    caf::binary_serializer sink{sys_, out};
    caf::io::basp::header hdr{type, 0, payload_len, 0, 0, 0};
    sink(hdr);
    return out;
  }

  /// A BASP heartbeat: what keeps an idle peer's connection past CAF's
  /// connection timeout. False if the connection is gone.
  bool heartbeat() {
    auto bytes = header_bytes(caf::io::basp::message_type::heartbeat, 0);
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  /// True if the server has closed the connection by now (what it sent
  /// meanwhile is read and dropped; never waits).
  bool closed_now() {
    char buffer[4096];
    for (;;) {
      auto n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0)
        continue;
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }

  /// True once the server closed the connection (within `wait`).
  bool closed_by_server(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0)
        return true;
    }
    return false;
  }

  caf::node_id server_node;
  caf::actor_id published = 0;

private:
  void send(caf::io::basp::header hdr, const std::vector<char>& payload) {
    std::vector<char> bytes;
    caf::binary_serializer sink{sys_, bytes};
    sink(hdr);
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    send_raw(bytes);
  }

  caf::io::basp::header read_header() {
    auto bytes = read_exactly(caf::io::basp::header_size);
    caf::binary_deserializer source{sys_, bytes};
    caf::io::basp::header hdr;
    if (auto err = source(hdr))
      throw std::runtime_error("basp_peer: bad header");
    return hdr;
  }

  std::vector<char> read_exactly(std::size_t n) {
    std::vector<char> out(n);
    std::size_t got = 0;
    while (got < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 30000) <= 0)
        throw std::runtime_error("basp_peer: timed out reading");
      auto r = ::recv(fd_, out.data() + got, n - got, 0);
      if (r <= 0)
        throw std::runtime_error("basp_peer: connection closed");
      got += static_cast<std::size_t>(r);
    }
    return out;
  }

  caf::actor_system& sys_;
  int fd_ = -1;
};

} // namespace logcatch::test
