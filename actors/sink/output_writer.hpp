#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/tailer/file_identity.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// The sink's destination: stdout or a file opened for appending.
class output_writer {
public:
  /// Opens the destination; throws std::runtime_error "PATH: cause".
  explicit output_writer(const sink_config& cfg);
  ~output_writer();
  output_writer(const output_writer&) = delete;
  output_writer& operator=(const output_writer&) = delete;

  /// Writes as much of [data, data+n) as it can. Returns the bytes written;
  /// fewer than n means an error, whose errno is in last_error().
  std::size_t write(const char* data, std::size_t n);
  int last_error() const { return last_error_; }
  /// Makes what was written durable (fdatasync) for a file; true for stdout.
  /// On failure, last_error() has the errno.
  bool sync();
  /// sync() that may run on another thread while this one writes: 0 or the errno.
  int sync_errno() const;
  const std::string& name() const { return name_; }

  /// True for a file (which has an identity and can be moved away), false
  /// for stdout.
  bool is_file() const { return owned_; }
  /// The open file's device and inode (0 for stdout): what a checkpoint
  /// names, since the path may point elsewhere after a rotation.
  uint64_t device() const { return device_; }
  uint64_t inode() const { return inode_; }
  /// The file's length when it was opened (0 for stdout).
  uint64_t length_at_open() const { return length_at_open_; }
  /// What a checkpoint names: (device, inode) and a hash of the first
  /// min(length, 1 KiB) bytes, so that recovery does not take a file that
  /// reused the inode of a deleted output for it. Reads at most 1 KiB, once
  /// the output is that long never again.
  file_identity identity(uint64_t length);

  /// Where the path stands against the open file.
  enum class path_state {
    same,     ///< the path still names the open file
    replaced, ///< the path names another file (renamed away, a new file created)
    missing,  ///< nothing at the path (renamed away or deleted, none created yet)
    deleted,  ///< the open file has no name left, yet another file is at the path
  };
  /// Compares the path with the open file (stat against fstat); `same` for
  /// stdout. Lines written to a file that is no longer at the path are only
  /// in the rotated file (or nowhere, once it is deleted): the sink reopens.
  path_state check_path() const;

private:
  int fd_ = -1;
  bool owned_ = false;
  int last_error_ = 0;
  std::string name_;
  uint64_t device_ = 0;
  uint64_t inode_ = 0;
  uint64_t length_at_open_ = 0;
  file_identity full_prefix_; ///< once the file holds the whole fingerprint
};

/// "renamed or replaced", "missing", ... for the log.
const char* to_string(output_writer::path_state s);

} // namespace logcatch
