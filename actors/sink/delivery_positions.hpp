#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/line_batch.hpp"
#include "actors/tailer/file_identity.hpp"

namespace logcatch {

/// Up to where one file's lines are in the sink, for one key.
struct delivered_position {
  bool known = false;
  file_identity file;
  uint64_t offset = 0; ///< right after the last delivered line
  std::string path;
  int64_t updated_ms = 0; ///< when it last moved (unix ms)
  uint64_t reading = 0;   ///< the reading (line_batch::reading) that moved it last
};

/// What to do with an incoming batch.
struct batch_check {
  std::size_t first_line = 0; ///< lines before it are already delivered: skip them
  bool drop = false;          ///< every line is already delivered
  std::string note;           ///< why the batch was not simply appended (for the log)
};

/// The sink's record of delivered positions, per key and file. It is the
/// authority a restarted tailer resumes from, and it refuses to write a line
/// twice: a batch that overlaps what is delivered from its file (same file,
/// starting before the position) is trimmed. A batch flagged `restart` starts
/// a new reading of its file (first open, truncation) and sets the position,
/// unless it belongs to the reading that set the position (a resend): then
/// it is checked like any other batch.
class delivery_positions {
public:
  /// A plain path keeps its rotated files' positions (to catch up without
  /// repeating after a restart); the oldest beyond this many are dropped.
  static constexpr std::size_t max_positions_per_key = 64;

  batch_check check(const line_batch& batch) const;
  /// Records that the batch (as checked) is written, at `now_ms`.
  void commit(const line_batch& batch, int64_t now_ms);
  /// The key's positions, most recently moved first.
  std::vector<delivered_position> get(const std::string& key) const;
  /// Adds a position (from the state file at start).
  void restore(const std::string& key, const delivered_position& pos);
  /// Drops a file's position (the file is gone, or done for good).
  void forget(const std::string& key, const file_identity& file);
  /// Drops positions that did not move since `cutoff_ms`, except each key's
  /// most recent one (the file it may still resume).
  void expire(int64_t cutoff_ms);
  const std::map<std::string, std::vector<delivered_position>>& all() const { return by_key_; }

private:
  /// The position of the batch's reading, else of its file (an inode may
  /// hold a position for its old content, now in a copytruncate copy, and
  /// one for what it holds now).
  const delivered_position* find(const line_batch& batch) const;

  std::map<std::string, std::vector<delivered_position>> by_key_;
};

} // namespace logcatch
