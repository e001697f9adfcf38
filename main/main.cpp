// logcatch: an actor-model log collector. The entry point parses the command
// line itself (CAF's parser stops at the first positional argument and
// CAF_MAIN ignores exit codes) and blocks the stop signals before any thread
// exists, so they are only ever seen by sigwait in the command.

#include <CLI/CLI.hpp>
#include <iostream>

#include "main/commands.hpp"
#include "main/signals.hpp"

int main(int argc, char** argv) {
  logcatch::block_signals();

  CLI::App app{"logcatch: follows log files and delivers every line exactly once", "logcatch"};
  app.set_version_flag("--version", std::string("logcatch ") + LOGCATCH_VERSION);
  app.require_subcommand(1);

  std::string run_config;
  auto* run = app.add_subcommand("run", "Collect the logs named in a config until SIGINT/SIGTERM");
  run->add_option("--config,-c", run_config, "YAML config file")->required();

  std::string check_config;
  auto* check = app.add_subcommand("check", "Validate a config: exit 0 with a summary, or 2 with FILE:LINE:COL: cause");
  check->add_option("--config,-c", check_config, "YAML config file")->required();

  logcatch::aggregate_flags agg;
  auto* aggregate = app.add_subcommand(
    "aggregate", "Receive lines from collectors on other nodes (CAF network layer) and write them once");
  aggregate->add_option("--config", agg.config, "Aggregator config file (listen, auth_token, sink, state_dir, log, tls); flags override it");
  aggregate->add_option("--listen", agg.listen, "HOST:PORT to listen on (default 127.0.0.1:7140; port 0 = any)");
  aggregate->add_option("--sink-path", agg.sink_path, "Write to this file (default: stdout)");
  aggregate->add_option("--format", agg.format, "plain or json (json lines carry the collector's node)");
  aggregate->add_option("--state-dir", agg.state_dir, "Checkpoints (default: the sink file's folder)");
  auto* token = aggregate->add_option("--auth-token", agg.auth_token, "Shared secret collectors must present");
  aggregate->add_option("--auth-token-file", agg.auth_token_file, "Read the shared secret from this file")
    ->excludes(token);
  aggregate->add_flag("--accept-output-without-state", agg.accept_output_without_state,
                      "Start although the sink file has lines and the state file is missing "
                      "(collectors then resend what they still have: duplicates)");
  aggregate->add_option("--node-tokens-file", agg.node_tokens_file,
                        "A file of 'node: token' lines: a listed node must present its own token");
  aggregate->add_flag("--tls-require-node-name", agg.tls_require_node_name,
                      "With tls in the config: a collector must prove, with its certificate and key, "
                      "that its certificate names its node (SAN DNS names, else CN); as tls.require_node_name");
  aggregate->add_option("--max-connections", agg.max_connections,
                        "Cut connections beyond this many: strangers' (silent ones first), never a collector's with a live session (default: the fd limit less 64)");
  aggregate->add_option("--reserved-connections", agg.reserved_connections,
                        "Of --max-connections, places only collectors with a session may take, so one that reconnects gets in while strangers hold the rest (default: an eighth, at most 64)");

  int demo_seconds = 15;
  bool demo_keep = false;
  auto* demo = app.add_subcommand(
    "demo", "Write, rotate and crash three logs live, stream them to stdout, then print lost/duplicated counts");
  demo->add_option("--seconds", demo_seconds, "How long the writers run")
    ->check(CLI::Range(1, 86400));
  demo->add_flag("--keep", demo_keep, "Keep the temporary folder with the demo's logs");

  logcatch::top_flags top_flags;
  auto* top = app.add_subcommand(
    "top", "Show a collector's per-key rates, lag, restarts and errors from its /metrics, refreshing");
  top->add_option("--metrics", top_flags.metrics, "HOST:PORT of the collector's metrics endpoint")->required();
  top->add_option("--interval", top_flags.interval, "Time between scrapes, e.g. 500ms or 2s (default 1s)");
  top->add_flag("--once", top_flags.once, "Print one plain snapshot and exit, even on a terminal");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*run)
    return logcatch::run_command(run_config);
  if (*check)
    return logcatch::check_command(check_config);
  if (*demo)
    return logcatch::demo_command(demo_seconds, demo_keep);
  if (*aggregate) {
    agg.auth_token_given = token->count() > 0; // given empty is an error, not "no token"
    return logcatch::aggregate_command(agg);
  }
  if (*top)
    return logcatch::top_command(top_flags);
  return 2;
}
