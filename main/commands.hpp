#pragma once

#include <string>

namespace logcatch {

struct collector_config;

/// Applies the config's `log` settings to the collector's own log; prints
/// why and returns false if they cannot be applied.
bool configure_self_log(const collector_config& cfg);

// Each returns the process exit code: 0 success, 1 runtime failure,
// 2 bad input (config, arguments).

/// `logcatch run --config FILE`: collect until SIGINT/SIGTERM.
int run_command(const std::string& config_path);

/// `logcatch check --config FILE`: validate and summarize a config.
int check_command(const std::string& config_path);

/// `logcatch aggregate` flags.
struct aggregate_flags {
  std::string listen = "127.0.0.1:7140";
  std::string sink_path; ///< empty: stdout
  std::string format = "plain";
  std::string state_dir; ///< empty: the sink file's folder (none for stdout)
  std::string auth_token;
  std::string auth_token_file;
};

/// `logcatch aggregate`: receive lines from collectors on other nodes.
int aggregate_command(const aggregate_flags& flags);

/// `logcatch demo`: the seed scenario, live, with an exactly-once summary.
int demo_command(int seconds, bool keep_files);

} // namespace logcatch
