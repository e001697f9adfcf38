#include "actors/sink/sink_options.hpp"

#include <filesystem>

#include "actors/self_log.hpp"

namespace logcatch {

sink_options prepare_sink(const sink_config& cfg, const std::string& state_dir) {
  sink_options opts;
  opts.cfg = cfg;
  if (!state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    opts.state = std::make_shared<checkpoint_file>(state_dir + "/logcatch.state");
    opts.recovery = recover_sink(cfg, *opts.state);
    for (auto& note : opts.recovery.notes)
      log_info("sink", note);
    for (auto& problem : opts.recovery.problems)
      log_error("sink", problem);
  }
  opts.out = std::make_shared<output_writer>(cfg);
  return opts;
}

} // namespace logcatch
