#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "actors/line_batch.hpp"
#include "actors/tailer/file_identity.hpp"

namespace logcatch {

/// Up to where a key's lines are in the sink.
struct delivered_position {
  bool known = false;
  file_identity file;
  uint64_t offset = 0; ///< right after the last delivered line
  std::string path;
};

/// What to do with an incoming batch.
struct batch_check {
  std::size_t first_line = 0; ///< lines before it are already delivered: skip them
  bool drop = false;          ///< every line is already delivered
  std::string note;           ///< why the batch was not simply appended (for the log)
};

/// The sink's record of each key's delivered position. It is the authority a
/// restarted tailer resumes from, and it refuses to write a line twice: a
/// batch that overlaps what is delivered (same file, starting before the
/// position) is trimmed. A batch flagged `restart` starts a new reading (new
/// file, truncation, first open) and sets the position.
class delivery_positions {
public:
  batch_check check(const line_batch& batch) const;
  /// Records that the batch (as checked) is written.
  void commit(const line_batch& batch);
  delivered_position get(const std::string& key) const;
  /// Sets a key's position (from the state file at start).
  void restore(const std::string& key, const delivered_position& pos);
  /// Every known position, by key (for the state file).
  const std::map<std::string, delivered_position>& all() const { return by_key_; }

private:
  std::map<std::string, delivered_position> by_key_;
};

} // namespace logcatch
