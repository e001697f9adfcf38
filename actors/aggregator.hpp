#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config_model.hpp"

namespace logcatch {

struct aggregator_options {
  std::string host = "127.0.0.1"; ///< loopback unless another address is named
  uint16_t port = 0;              ///< 0: any free port (see port())
  sink_config sink;
  std::string state_dir;          ///< checkpoints, as for a collector's file sink (unused by a database sink)
  std::string auth_token;         ///< what collectors must say in their hello
  std::map<std::string, std::string> node_tokens; ///< per node, overriding auth_token
  tls_config tls;                 ///< mutual TLS when enabled
  /// Start even though the output exists and the state file does not
  /// (--accept-output-without-state): collectors then send again what the
  /// lost state said was delivered.
  bool accept_output_without_state = false;
  /// A connection that has not sent a handshake by then is cut.
  std::chrono::milliseconds handshake_deadline{5000};
  /// Connections beyond this are cut, strangers' first (silent ones first of all), never one
  /// carrying a live session while there is room for it (0: from the fd limit, leaving room
  /// for the output, the state file and CAF's own fds).
  std::size_t max_connections = 0;
  /// Of max_connections, places only connections carrying a session may take, so that a
  /// collector that reconnects gets in while strangers hold all they may (unset: an eighth
  /// of the limit, at most 64).
  std::optional<std::size_t> reserved_connections;
};

/// A running aggregator: its own actor system with CAF's network layer, and
/// a sink in aggregator mode published on host:port for collectors on other
/// nodes. What it writes is exactly-once per (collector node, key, file):
/// its positions are committed with its output length, like a collector's.
/// With a database sink (postgresql, clickhouse) the positions are rows in
/// the database, per `node/key`, committed with the lines and read back at
/// every collector's hello: no state file, and a collector can move to
/// another aggregator that writes into the same database.
class aggregator {
public:
  /// Throws std::runtime_error when the sink cannot be opened or the address
  /// cannot be listened on (the message names it and the cause), and when
  /// the output file exists with lines but its state file does not, and
  /// when a database sink's first connect fails for good (wrong password,
  /// a table of the wrong schema).
  explicit aggregator(const aggregator_options& opts);
  ~aggregator();
  aggregator(const aggregator&) = delete;
  aggregator& operator=(const aggregator&) = delete;

  uint16_t port() const;
  /// Stops listening, writes and commits what was received; false if the
  /// sink could not write everything.
  bool stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace logcatch
