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
  /// False when the state naming the output as it is now could not be saved:
  /// nothing is durable until a commit succeeds (the sink retries at once).
  bool state_saved = true;
  std::vector<std::string> notes;     ///< what was done, for the log
  std::vector<std::string> problems;  ///< what went wrong (state moved aside, ...)
};

/// Loads the state file and makes the sink's output agree with it: bytes
/// written after the last commit are cut off, since the lines they hold will
/// be read again from the committed positions. That is what makes a SIGKILL
/// at any instant cost neither a line nor a duplicate.
///
/// The bytes are cut from the file the state names by (device, inode), which
/// is not the file at the sink's path when the output was rotated (renamed
/// within its folder) after the last commit: that file is then found in the
/// output's folder and cut, and the new file at the path is left alone. The
/// state is then saved again naming the file at the path, so that the sink
/// never writes to a file no state names. Throws std::runtime_error (naming
/// the file) if the output cannot be opened or cut.
sink_recovery recover_sink(const sink_config& sink, checkpoint_file& state);

} // namespace logcatch
