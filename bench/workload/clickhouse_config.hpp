#pragma once

// The config of a private ClickHouse 18.16 server (the root element is
// <yandex> in this version), shared by the tests and the benchmark: loopback
// only, everything under one folder, a `default` user with the given
// password. Start it with `clickhouse-server --config-file=DIR/config.xml`.

#include <string>

namespace logcatch {

struct clickhouse_instance_config {
  std::string dir; ///< config, data, logs
  int http_port = 0;
  int tcp_port = 0;
  std::string password; ///< of the `default` user; empty: none
};

/// Writes DIR/config.xml and DIR/users.xml.
void write_clickhouse_config(const clickhouse_instance_config& c);

/// The server binary Debian's clickhouse-server package installs.
inline const char* clickhouse_server_binary() { return "/usr/sbin/clickhouse-server"; }

} // namespace logcatch
