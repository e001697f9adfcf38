#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "actors/aggregator.hpp"
#include "actors/self_log.hpp"
#include "main/commands.hpp"
#include "main/signals.hpp"

namespace logcatch {

int aggregate_command(const aggregate_flags& flags) {
  aggregator_options opts;
  auto colon = flags.listen.rfind(':');
  unsigned long port = 0;
  try {
    if (colon == std::string::npos)
      throw std::invalid_argument("no port");
    std::size_t used = 0;
    port = std::stoul(flags.listen.substr(colon + 1), &used);
    if (used != flags.listen.size() - colon - 1 || port > 65535)
      throw std::invalid_argument("bad port");
  } catch (const std::exception&) {
    std::cerr << "logcatch aggregate: --listen " << flags.listen
              << ": expected HOST:PORT, e.g. 127.0.0.1:7140\n";
    return 2;
  }
  opts.host = flags.listen.substr(0, colon);
  opts.port = static_cast<uint16_t>(port);
  if (flags.format != "plain" && flags.format != "json") {
    std::cerr << "logcatch aggregate: --format " << flags.format << ": expected plain or json\n";
    return 2;
  }
  opts.sink.format = flags.format == "json" ? output_format::json : output_format::plain;
  if (!flags.sink_path.empty()) {
    opts.sink.type = sink_type::file;
    opts.sink.path = std::filesystem::absolute(flags.sink_path).lexically_normal().string();
  }
  opts.state_dir = flags.state_dir;
  if (opts.state_dir.empty() && !flags.sink_path.empty())
    opts.state_dir = std::filesystem::path(opts.sink.path).parent_path().string();
  opts.auth_token = flags.auth_token;
  if (!flags.auth_token_file.empty()) {
    std::ifstream in(flags.auth_token_file);
    if (!in || !std::getline(in, opts.auth_token) || opts.auth_token.empty()) {
      std::cerr << "logcatch aggregate: --auth-token-file " << flags.auth_token_file
                << ": cannot read a token from its first line\n";
      return 2;
    }
  }
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
