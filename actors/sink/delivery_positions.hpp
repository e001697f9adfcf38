#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
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
///
/// There is no cap: a key keeps a position for every file it told about
/// until its tailer says the file is gone (forget). Dropping a position
/// silently would make a restart read that file again. Lookups are indexed
/// (by reading, by inode, by content hash), so a key of ten thousand files
/// costs a few hash lookups per batch, not a walk over all of them.
class delivery_positions {
public:
  batch_check check(const line_batch& batch) const;
  /// Records that the batch (as checked) is written, at `now_ms`.
  void commit(const line_batch& batch, int64_t now_ms);
  /// The key's positions, most recently moved first.
  std::vector<delivered_position> get(const std::string& key) const;
  /// Adds a position (from the state file at start).
  void restore(const std::string& key, const delivered_position& pos);
  /// Drops a file's position (the file is gone, or done for good): the one
  /// of exactly this identity (inode and hashed first bytes).
  void forget(const std::string& key, const file_identity& file);
  /// The key's positions in the order they were recorded: restore() of
  /// them in this order gives back the same record (a database sink stores
  /// and reloads them so).
  std::vector<delivered_position> recorded(const std::string& key) const;
  /// Calls f(key, position) for every position, keys in name order, each
  /// key's in the order recorded, without copying them (a commit of ten
  /// thousand positions every 200 ms).
  template <class F>
  void for_each(F&& f) const {
    std::vector<const std::pair<const std::string, key_index>*> keys;
    keys.reserve(by_key_.size());
    for (auto& entry : by_key_)
      keys.push_back(&entry);
    std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (auto* entry : keys)
      for (auto& [s, pos] : entry->second.positions)
        f(entry->first, pos);
  }
  /// How many positions all keys have together.
  std::size_t total() const;
  /// How many positions `key` has.
  std::size_t count(const std::string& key) const;
  /// Gives `key` its baseline record, if it has none: a position of no file
  /// (device 0, inode 0) whose offset is `now_ms`, the time since which the
  /// key tracks its files (see file_set::is_baseline). True when it was
  /// made now: it must be committed before the key's tailer reads, or a
  /// rotation in between could be taken for history after a SIGKILL.
  bool ensure_baseline(const std::string& key, int64_t now_ms);

private:
  using slot = uint64_t; // insertion order: the first match wins, as in a list
  struct key_index {
    std::map<slot, delivered_position> positions;
    std::unordered_map<uint64_t, slot> by_reading;
    std::unordered_map<uint64_t, std::vector<slot>> by_inode;   // hash of (device, inode)
    std::unordered_map<uint64_t, std::vector<slot>> by_content; // hash of (prefix_len, hash)
    slot next = 0;
  };

  /// The position of the batch's reading, else of its file (an inode may
  /// hold a position for its old content, now in a copytruncate copy, and
  /// one for what it holds now).
  const delivered_position* find(const key_index& k, const line_batch& batch, slot* at) const;
  static void add_index(key_index& k, slot s);
  static void remove_index(key_index& k, slot s);
  static slot insert(key_index& k, const delivered_position& pos);

  std::unordered_map<std::string, key_index> by_key_;
};

} // namespace logcatch
