#pragma once

// Which file a tailer is reading, independent of its name: (device, inode).
// A rename within a folder keeps it, so a rotated file can be found again.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace logcatch {

struct file_identity {
  uint64_t device = 0;
  uint64_t inode = 0;
  /// Content check: a hash of the file's first prefix_len bytes. Guards
  /// against inode reuse, and once prefix_len reaches the fingerprint size it
  /// identifies the file by content (a renamed or copied file is recognized).
  uint32_t prefix_len = 0;
  uint64_t prefix_hash = 0;

  bool valid() const { return inode != 0; }
  /// Same inode on the same device (the content check is separate).
  friend bool operator==(const file_identity& a, const file_identity& b) {
    return a.device == b.device && a.inode == b.inode;
  }
  friend bool operator!=(const file_identity& a, const file_identity& b) { return !(a == b); }
  std::string to_string() const;
};

/// Whether two identities name the same file. With content hashes over the
/// same number of bytes, content decides (a renamed or copied file is the same
/// file; a reused inode with other content is not); otherwise (device, inode).
bool same_file(const file_identity& a, const file_identity& b);

/// 64-bit FNV-1a: stable across runs and machines, for content fingerprints.
uint64_t hash_bytes(const char* data, std::size_t n);

/// Up to `len` first bytes of an open file (fewer if it is shorter).
std::string read_head(int fd, std::size_t len);

/// Hash of the first `len` bytes of an open file, or nothing if it has fewer.
std::optional<uint64_t> prefix_hash_of(int fd, uint32_t len);

/// The open file still starts with the bytes `id` hashed (trivially true
/// when it hashed none): not a reused inode or a rewritten file.
bool starts_like(int fd, const file_identity& id);

/// What stat() says about a path.
struct path_status {
  bool exists = false;
  bool regular = false;
  file_identity id;
  uint64_t size = 0;
  uint64_t links = 0; ///< hard links; 0 once an open file is deleted
  int error = 0; ///< errno when stat failed for another reason than ENOENT
};

path_status stat_path(const std::string& path);
path_status stat_fd(int fd);

/// Looks in `folder` for a regular file with identity `id` (a rotated file
/// renamed within its folder). Returns its path, or nothing.
std::optional<std::string> find_by_identity(const std::string& folder, const file_identity& id);

/// Where find_by_content may look: copies of a log are named like logrotate
/// names them, NAME or NAME followed by '.', '-' or '_' and a suffix
/// ("app.log.1", "app.log-20261124"), in the log's folder.
struct copy_search {
  std::string folder;
  std::string name;                 ///< the followed file's name
  std::vector<std::string> exclude; ///< never these paths (the sink's output)
};

/// True for `where.name` itself and for NAME followed by '.', '-' or '_'.
bool named_like_a_copy(const copy_search& where, const std::string& name);

/// Looks for a regular file other than `except` whose first `prefix_len`
/// bytes hash to `prefix_hash` and that holds at least `min_size` bytes (a
/// copy made by copytruncate, or a file moved in).
std::optional<std::string> find_by_content(const copy_search& where, uint32_t prefix_len,
                                           uint64_t prefix_hash, uint64_t min_size,
                                           const file_identity& except);

} // namespace logcatch
