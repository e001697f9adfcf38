#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/tailer/file_follower.hpp"

namespace logcatch {

/// Where a key's files were left (the delivered positions it started with,
/// and the files its followers gave back), indexed so that finding the
/// position of a file just opened costs one read of its first bytes and a
/// few lookups, with ten thousand positions as with ten.
class known_files {
public:
  explicit known_files(uint32_t fingerprint_bytes) : fingerprint_bytes_(fingerprint_bytes) {}

  /// Adds `pos` as the most recent. Entries it supersedes go: the same
  /// content (equal hashes), and earlier offsets of this reading of the
  /// same inode: those whose bytes the open file `fd` still starts with, or
  /// without a file (`pos` is of content truncated away), those of the same
  /// reading. A position of content the inode no longer holds (it was
  /// truncated; the content lives on in a copy) stays, for the copy to be
  /// found by.
  void put(const resume_position& pos, int fd = -1);
  /// Adds the position of a compressed copy as the most recent. Only an
  /// entry of the same content goes: the .gz file's inode is new to the
  /// content, and may be a reused one whose old entry is another file's
  /// position (its content lives on in a copy).
  void put_compressed(const resume_position& pos);
  /// Adds `pos` as older than every entry so far (loading a most-recent-first list).
  void put_oldest(const resume_position& pos);
  std::size_t size() const { return entries_.size(); }
  /// Whether some position is of this (device, inode).
  bool has_inode(const file_identity& id) const {
    return by_inode_.count({id.device, id.inode}) > 0;
  }
  /// Every position, least recent first.
  std::vector<resume_position> oldest_first() const;
  /// Drops the position of exactly this identity (inode and hashed bytes).
  void erase(const file_identity& id);

  /// Where reading stopped before in the open file `fd` (identity `id`):
  ///  - the same inode that still starts with the bytes hashed then;
  ///  - else another file whose first fingerprint_bytes bytes are the
  ///    same (a copy or a renamed file, by content);
  ///  - else a position that hashed fewer bytes whose content the file
  ///    starts with and holds whole, provided that content is no longer
  ///    where it was read (copytruncate: the copy goes on with the reading).
  ///    While the original still holds it, a short match may be a new file
  ///    that happens to start alike.
  std::optional<resume_position> find(int fd, const file_identity& id) const;
  /// The same content search over a file's first `got` bytes, given as such
  /// (a compressed copy's decompressed head); `size` bounds the offsets.
  std::optional<resume_position> find_by_head(const char* head, std::size_t got, uint64_t size,
                                              const file_identity& id) const;

private:
  struct entry {
    resume_position pos;
    int64_t order = 0; // higher = more recent
  };
  void insert(const resume_position& pos, int64_t order);
  void erase_same(const resume_position& pos, int fd);
  /// The content read at `pos` is still in the file it was read from.
  static bool still_in_original(const resume_position& pos);
  std::optional<resume_position> find_by_content(int fd, const file_identity& id) const;

  uint32_t fingerprint_bytes_;
  int64_t newest_ = 0, oldest_ = 0;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, entry> entries_;
  std::multimap<std::pair<uint64_t, uint64_t>, uint64_t> by_inode_;
  std::multimap<std::pair<uint32_t, uint64_t>, uint64_t> by_content_; // (prefix_len, hash)
};

} // namespace logcatch
