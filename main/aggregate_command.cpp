#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "actors/aggregator.hpp"
#include "actors/self_log.hpp"
#include "config/config_loader.hpp"
#include "config/network_names.hpp"
#include "config/node_tokens.hpp"
#include "main/commands.hpp"
#include "main/signals.hpp"

namespace logcatch {

namespace {

/// Prints why and returns 2 (bad input).
int usage_error(const std::string& what) {
  std::cerr << "logcatch aggregate: " << what << "\n";
  return 2;
}

} // namespace

int aggregate_command(const aggregate_flags& flags) {
  aggregator_config cfg;
  cfg.source_file = "logcatch aggregate";
  if (!flags.config.empty()) {
    try {
      cfg = load_aggregator_config_file(flags.config);
    } catch (const config_error& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  // Flags override the file.
  if (!flags.listen.empty()) {
    auto address = parse_host_port(flags.listen);
    if (!address)
      return usage_error("--listen " + flags.listen + ": expected HOST:PORT, e.g. 127.0.0.1:7140");
    cfg.host = address->host;
    cfg.port = address->port;
  }
  if (!flags.format.empty()) {
    if (flags.format != "plain" && flags.format != "json")
      return usage_error("--format " + flags.format + ": expected plain or json");
    cfg.sink.format = flags.format == "json" ? output_format::json : output_format::plain;
  }
  if (!flags.sink_path.empty()) {
    cfg.sink.type = sink_type::file;
    cfg.sink.path = std::filesystem::absolute(flags.sink_path).lexically_normal().string();
    if (flags.config.empty() || flags.state_dir.empty())
      cfg.state_dir = std::filesystem::path(cfg.sink.path).parent_path().string();
  }
  if (!flags.state_dir.empty())
    cfg.state_dir = std::filesystem::absolute(flags.state_dir).lexically_normal().string();
  if (flags.auth_token_given) {
    // An empty secret would mean "no authentication": never by accident.
    if (flags.auth_token.empty())
      return usage_error("--auth-token: the token is empty (that would accept any collector); "
                         "give a secret, preferably with --auth-token-file FILE");
    cfg.auth_token = flags.auth_token;
  }
  if (!flags.auth_token_file.empty()) {
    try { // the same rules as auth_token_file in a config
      cfg.auth_token = read_token_file(flags.auth_token_file);
    } catch (const config_error& e) {
      return usage_error(std::string("--auth-token-file: ") + e.what());
    }
  }
  if (!flags.node_tokens_file.empty()) {
    try {
      cfg.node_tokens = read_node_tokens_file(flags.node_tokens_file);
    } catch (const config_error& e) {
      return usage_error(std::string("--node-tokens-file: ") + e.what());
    }
  }
  if (flags.tls_require_node_name) {
    if (!cfg.tls.enabled())
      return usage_error("--tls-require-node-name: needs tls: {certificate, key, cafile} in the "
                         "config (--config): without TLS there is no certificate to check");
    cfg.tls.require_node_name = true;
  }
  bool database = cfg.sink.type == sink_type::postgresql || cfg.sink.type == sink_type::clickhouse;
  if (database && !flags.format.empty())
    return usage_error("--format " + flags.format + ": the config's sink is a database (" +
                       std::string(cfg.sink.type == sink_type::postgresql ? "postgresql" : "clickhouse") +
                       "), whose rows have columns, not a format");
  if (!configure_self_log(cfg.log, cfg.source_file))
    return 2;
  if (database && !flags.state_dir.empty())
    log_info("main", "--state-dir is not used: a database sink keeps its positions in the database");
  if (flags.auth_token_given)
    log_warn("main", "--auth-token: the secret is visible to every user of this machine (ps, "
                     "/proc/PID/cmdline); use --auth-token-file FILE or auth_token_file in the config");

  aggregator_options opts;
  opts.host = cfg.host;
  opts.port = cfg.port;
  opts.sink = cfg.sink;
  opts.state_dir = cfg.state_dir;
  opts.auth_token = cfg.auth_token;
  opts.node_tokens = cfg.node_tokens;
  opts.tls = cfg.tls;
  opts.accept_output_without_state = flags.accept_output_without_state;
  opts.max_connections = flags.max_connections;
  opts.reserved_connections = flags.reserved_connections;
  try {
    aggregator running{opts};
    for (;;) {
      int sig = wait_for_signal(std::chrono::hours(1));
      if (sig == SIGINT || sig == SIGTERM)
        break;
    }
    log_info("main", "stopping the aggregator");
    bool complete = running.stop(); // drained and committed from here on
    log_info("main", "stopped");
    // CAF 0.17 can keep the published actor's thread waiting in the actor
    // system's destructor while a collector is still connected; everything
    // is written and committed, so leave without tearing it down.
    std::fflush(nullptr);
    std::_Exit(complete ? 0 : 1);
  } catch (const std::exception& e) {
    log_error("main", e.what());
    return 1;
  }
}

} // namespace logcatch
