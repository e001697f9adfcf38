#include <csignal>
#include <iostream>

#include "actors/collector.hpp"
#include "actors/self_log.hpp"
#include "actors/tailer/open_file_budget.hpp"
#include "config/config_loader.hpp"
#include "main/commands.hpp"
#include "main/signals.hpp"

namespace logcatch {

/// Applies the config's self-log settings; false (after printing why) if they
/// cannot be applied.
bool configure_self_log(const self_log_config& log, const std::string& source_file) {
  log_level level = log_level::info;
  if (!self_log::parse_level(log.level, level)) {
    std::cerr << source_file << ": log level '" << log.level << "' is not one of debug, info, warn, error\n";
    return false;
  }
  try {
    self_log::configure(log);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return false;
  }
  return true;
}

int run_command(const std::string& config_path) {
  collector_config cfg;
  try {
    cfg = load_config_file(config_path);
  } catch (const config_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (!configure_self_log(cfg.log, cfg.source_file))
    return 2;
  try {
    // A glob of thousands of files must not take the descriptors that the
    // state file, the config and the sink need.
    auto open_files = open_file_budget::configure_process(cfg.max_open_files);
    collector running{cfg, {}, config_path};
    log_info("main", "running " + summarize(cfg) + "; up to " + std::to_string(open_files) +
                       " log files open at once");
    for (;;) {
      int sig = wait_for_signal(std::chrono::hours(1));
      if (sig == SIGINT || sig == SIGTERM) {
        log_info("main", std::string("got ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                           ": stopping gracefully");
        break;
      }
      if (sig == SIGHUP)
        running.reload(); // reopens a rotated output and reads the config again
    }
    if (!running.stop()) {
      // A write or a commit failed: what is not committed is read again at
      // the next start, which a caller (systemd, a script) must hear of.
      log_error("main", "stopped with errors (exit 1): not everything collected was committed");
      return 1;
    }
    log_info("main", "stopped");
    return 0;
  } catch (const std::exception& e) {
    log_error("main", e.what());
    return 1;
  }
}

} // namespace logcatch
