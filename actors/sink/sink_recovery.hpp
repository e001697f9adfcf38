#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/sink/checkpoint_file.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// What the sink starts from after reading its state file.
struct sink_recovery {
  std::vector<file_checkpoint> files; ///< delivered positions to restore
  uint64_t output_length = 0;         ///< the output file's length after recovery
  std::vector<std::string> notes;     ///< what was done, for the log
  std::vector<std::string> problems;  ///< what went wrong (state moved aside, ...)
};

/// Loads the state file and makes the sink's output agree with it: bytes
/// written after the last commit are cut off, since the lines they hold will
/// be read again from the committed positions. That is what makes a SIGKILL
/// at any instant cost neither a line nor a duplicate. Throws
/// std::runtime_error (naming the file) if the output cannot be opened or cut.
sink_recovery recover_sink(const sink_config& sink, checkpoint_file& state);

} // namespace logcatch
