#pragma once

// Addresses and node names as written in configs and flags; no sockets here.

#include <cstdint>
#include <optional>
#include <string>

namespace logcatch {

struct host_port {
  std::string host;
  uint16_t port = 0;
};

/// "HOST:PORT" (IPv6 as "[::1]:7140"); nothing when malformed or the port is
/// not 0..65535.
std::optional<host_port> parse_host_port(const std::string& text);

/// What a collector may call itself at an aggregator: 1..128 printable
/// characters without spaces or '/' (it prefixes keys there: "node/key").
bool valid_node_name(const std::string& node);

/// The machine's hostname (a collector's default node name), or "localhost".
std::string default_node_name();

} // namespace logcatch
