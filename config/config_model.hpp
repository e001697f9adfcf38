#pragma once

// The collector's configuration as plain data. Produced by config_loader (the
// only place that knows YAML) and consumed by the actors; no CAF, no yaml-cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace logcatch {

using millis = std::chrono::milliseconds;

/// Where a tailer starts when it has no delivered position for its key.
enum class read_from { head, tail };

/// Test hooks that make a tailer fail on purpose (the seed's panic("test panic")).
struct fault_config {
  /// The tailer throws after every N lines it has handed to the sink (0 = off).
  uint64_t crash_every_lines = 0;
  /// The tailer throws when it detects that the file it opened by path was
  /// rotated, before switching to the new file (a file it resumed by identity
  /// after a restart does not trigger it, so the crash happens once per rotation).
  bool crash_on_rotation = false;
};

/// One path key: what one tailer follows.
struct log_config {
  std::string key;
  /// Absolute (relative paths resolve against the config's folder). May be a
  /// glob (*, ?, [...]): then every matching file is followed, and new ones
  /// are found while running.
  std::string path;
  /// Globs of files a glob path must not follow: matched against the full
  /// path when they contain '/', else against the file name ("*.gz").
  std::vector<std::string> exclude;
  /// Folders where rotation puts the rotated files (logrotate's `olddir`):
  /// absolute, or relative to the followed file's folder, as logrotate has it.
  std::vector<std::string> olddir;
  /// A glob path skips newly found files not modified for this long (0 = off).
  millis ignore_older{0};
  read_from start = read_from::head;
  std::size_t max_line_bytes = 1024 * 1024;
  /// Bytes a tailer may have sent but not yet seen acknowledged by the sink.
  std::size_t max_inflight_bytes = 8 * 1024 * 1024;
  /// Stat-poll interval: the fallback when inotify says nothing (or is unavailable).
  millis poll_interval{250};
  /// A file is identified by a hash of its first fingerprint_bytes bytes once
  /// it is that long (so a renamed or copied file is recognized), by (device,
  /// inode) before; 0 = by inode only.
  uint32_t fingerprint_bytes = 1024;
  /// How many files the key keeps positions for beyond the ones it has open;
  /// past it the least recently read go, with a warning (read again, whole,
  /// if they are ever followed again).
  std::size_t max_tracked_files = 100000;
  fault_config fault;
  int line = 0;   ///< 1-based line in the config file where the key is declared
  int column = 0; ///< and its 1-based column
};

enum class sink_type { stdout_sink, file, remote, postgresql, clickhouse };
enum class output_format { plain, json };

/// TLS between collectors and an aggregator (CAF's OpenSSL module). All
/// three set: mutual TLS, each side proves itself with a certificate signed
/// by the CA in `cafile`. None set: plain TCP.
struct tls_config {
  std::string certificate; ///< PEM file: this node's certificate
  std::string key;         ///< PEM file: its private key
  std::string cafile;      ///< PEM file: the CA the peer's certificate must chain to
  /// Aggregator only: a collector's hello must prove, with its certificate
  /// and key, that the certificate names its node (SAN DNS, else CN).
  bool require_node_name = false;
  bool enabled() const { return !certificate.empty(); }
  bool operator==(const tls_config& o) const {
    return certificate == o.certificate && key == o.key && cafile == o.cafile &&
           require_node_name == o.require_node_name;
  }
};

/// How a database sink groups batches into one database write: whichever
/// bound is reached first closes the write.
struct database_batch_config {
  std::size_t max_rows = 20000; // postgresql (clickhouse: its own, config_loader); bench/RESULTS.md
  std::size_t max_bytes = 8 * 1024 * 1024;
  millis max_delay{200};
  bool operator==(const database_batch_config& o) const {
    return max_rows == o.max_rows && max_bytes == o.max_bytes && max_delay == o.max_delay;
  }
};

/// sink_type::postgresql and sink_type::clickhouse: where the lines and
/// their positions go (database_destination).
struct database_sink_config {
  std::string dsn;      ///< postgresql: libpq keywords or a postgresql:// URI
  std::string url;      ///< clickhouse: http://HOST:PORT of its HTTP interface
  std::string database; ///< clickhouse: the database ("default" unless set)
  std::string user;     ///< clickhouse: the user ("default" unless set)
  std::string table = "lines";   ///< created if missing
  std::string password_file;     ///< absolute; empty: none
  std::string password;          ///< its first line, read when the config is loaded
  database_batch_config batch;
  bool operator==(const database_sink_config& o) const {
    return dsn == o.dsn && url == o.url && database == o.database && user == o.user &&
           table == o.table && password_file == o.password_file && password == o.password &&
           batch == o.batch;
  }
};

struct sink_config {
  sink_type type = sink_type::stdout_sink;
  std::string path; ///< absolute; required for sink_type::file
  output_format format = output_format::plain;
  // sink_type::remote: send to an aggregator (`logcatch aggregate`).
  std::string host;   ///< the aggregator's address
  uint16_t port = 0;
  std::string node;   ///< this collector's name there (default: the hostname)
  std::string auth_token; ///< shared secret (auth_token, or read from auth_token_file)
  /// Bytes read but not yet acknowledged by the aggregator, over all keys:
  /// when reached, tailers stop reading until acknowledgements come back.
  std::size_t max_inflight_bytes = 64 * 1024 * 1024;
  tls_config tls;
  /// Test hook: the sink sleeps this long before writing each batch (a slow sink).
  millis fault_write_delay{0};
  /// Test hook: a database sink takes every Nth committed write for one
  /// whose outcome is unknown (as if COMMIT's answer were lost); 0 = off.
  uint64_t fault_unknown_outcome_every = 0;
  /// Test hook: an aggregator with a database sink holds each
  /// acknowledgement this long after the database committed its batch (a
  /// crash between commit and acknowledgement, made likely); 0 = off.
  millis fault_ack_delay{0};
  database_sink_config database; ///< sink_type::postgresql and clickhouse
};

struct supervision_config {
  /// More restarts than this within `window` mark the key as failing (logged);
  /// restarts go on at backoff_max, because giving up would lose lines.
  unsigned max_restarts = 10;
  millis window{60000};
  millis backoff_initial{10};
  millis backoff_max{5000};
  /// A tailer that has run this long without failing starts again at backoff_initial.
  millis reset_after{10000};
};

/// How the collector's own log writes each event.
enum class self_log_format {
  text, ///< "2026-11-25T00:24:01.123Z INFO who: text"
  json  ///< {"time":"...","level":"info","who":"...","msg":"..."}
};

/// The collector's own log (seed: catsyslog.logpath / loglevel). Always to
/// stderr; also appended to `path` when set.
struct self_log_config {
  /// Absolute file (log.path, or DIR/logcatch.log for log.dir and the seed's
  /// catsyslog.logpath); empty = stderr only.
  std::string path;
  std::string level = "info"; ///< debug | info | warn | error
  self_log_format format = self_log_format::text;
  bool operator==(const self_log_config& o) const {
    return path == o.path && level == o.level && format == o.format;
  }
};

/// `metrics: {listen: HOST:PORT}`: Prometheus text at /metrics, /healthz.
struct metrics_config {
  bool enabled = false;           ///< off unless the section is there
  std::string host = "127.0.0.1"; ///< loopback unless another address is named
  uint16_t port = 9464;
  bool operator==(const metrics_config& o) const {
    return enabled == o.enabled && host == o.host && port == o.port;
  }
};

struct collector_config {
  std::string source_file; ///< absolute path of the config file ("<embedded>" for the demo)
  std::vector<log_config> logs; ///< in declaration order; keys are unique
  sink_config sink;
  supervision_config supervision;
  self_log_config log;
  metrics_config metrics;
  /// Folder of the state file (checkpoints); the loader defaults it to the
  /// config file's folder. Empty: no state file (nothing survives a restart).
  std::string state_dir;
  /// How many log files the process holds open at once (0: the file
  /// descriptor limit, raised to its hard limit, less a reserve).
  std::size_t max_open_files = 0;
};

/// `logcatch aggregate --config FILE`: where to listen, who may send, and
/// where what arrives is written.
struct aggregator_config {
  std::string source_file;
  std::string host = "127.0.0.1"; ///< loopback unless another address is named
  uint16_t port = 7140;           ///< 0: any free port (logged)
  std::string auth_token;         ///< what collectors must say in their hello
  /// node_tokens_file: a node listed there must present its own token
  std::map<std::string, std::string> node_tokens;
  sink_config sink;               ///< stdout, file, postgresql or clickhouse
  std::string state_dir;          ///< default: the sink file's folder (none for stdout or a database)
  self_log_config log;
  tls_config tls;
};

} // namespace logcatch
