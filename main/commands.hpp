#pragma once

#include <optional>
#include <string>

namespace logcatch {

struct self_log_config;

/// Applies a config's `log` settings to logcatch's own log; prints why and
/// returns false if they cannot be applied.
bool configure_self_log(const self_log_config& log, const std::string& source_file);

// Each returns the process exit code: 0 success, 1 runtime failure,
// 2 bad input (config, arguments).

/// `logcatch run --config FILE`: collect until SIGINT/SIGTERM.
int run_command(const std::string& config_path);

/// `logcatch check --config FILE`: validate and summarize a config.
int check_command(const std::string& config_path);

/// `logcatch aggregate` flags.
/// Empty means "not given": the config file's value (or the default) holds.
struct aggregate_flags {
  std::string config;    ///< aggregator config file (listen, auth_token, sink, ...)
  std::string listen;    ///< default 127.0.0.1:7140
  std::string sink_path; ///< default stdout
  std::string format;    ///< default plain
  std::string state_dir; ///< default: the sink file's folder (none for stdout)
  std::string auth_token;
  bool auth_token_given = false; ///< --auth-token was on the command line (even empty)
  std::string auth_token_file;
  bool accept_output_without_state = false;
  std::size_t max_connections = 0; ///< 0: from the fd limit
  /// Of max_connections, places only collectors with a session may take
  /// (unset: an eighth of the limit, at most 64).
  std::optional<std::size_t> reserved_connections;
  std::string node_tokens_file;    ///< `node: token` lines
  /// --tls-require-node-name: as `tls: {require_node_name: true}` (needs tls in the config).
  bool tls_require_node_name = false;
};

/// `logcatch aggregate`: receive lines from collectors on other nodes.
int aggregate_command(const aggregate_flags& flags);

/// `logcatch demo`: the seed scenario, live, with an exactly-once summary.
int demo_command(int seconds, bool keep_files);

/// `logcatch top` flags.
struct top_flags {
  std::string metrics;         ///< HOST:PORT of a collector's /metrics endpoint
  std::string interval = "1s"; ///< between scrapes (a duration: 500ms, 2s)
  bool once = false;           ///< one plain snapshot even on a terminal
};

/// `logcatch top`: a live per-key table of a collector's metrics.
int top_command(const top_flags& flags);

} // namespace logcatch
