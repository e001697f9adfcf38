#pragma once

// A rotated copy that exists only compressed (logrotate's `compress`
// without `delaycompress`, while logcatch was down or behind): read through
// zlib at decompressed offsets, so the rest of a file the key was reading is
// read from its .gz.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/tailer/file_identity.hpp"

namespace logcatch {

/// The end of a gzip file (of its last member): the CRC-32 and the size
/// modulo 2^32 of the decompressed data. With the .gz's inode it tells one
/// .gz from another written on the same inode, without decompressing.
struct gzip_trailer {
  uint32_t crc = 0;
  uint32_t size = 0;

  friend bool operator==(const gzip_trailer& a, const gzip_trailer& b) {
    return a.crc == b.crc && a.size == b.size;
  }
  friend bool operator!=(const gzip_trailer& a, const gzip_trailer& b) { return !(a == b); }
};

class compressed_copy {
public:
  /// Opens a gzip file; nullptr if it cannot be opened.
  static std::unique_ptr<compressed_copy> open(const std::string& path);
  ~compressed_copy();
  compressed_copy(const compressed_copy&) = delete;
  compressed_copy& operator=(const compressed_copy&) = delete;

  const std::string& path() const { return path_; }
  /// (device, inode) of the .gz file, no content hash.
  const file_identity& file() const { return file_; }
  /// Up to `n` decompressed bytes from the start (fewer if it is shorter).
  std::string head(std::size_t n);
  /// Identity for a batch ending at decompressed `offset`: the .gz's inode
  /// and a hash of the first min(offset, fingerprint) decompressed bytes,
  /// the content it shares with the file it was compressed from.
  file_identity identity_at(uint64_t offset, uint32_t fingerprint);
  /// Moves to decompressed `offset` (decompressing up to it); false if the
  /// stream is shorter or broken.
  bool seek(uint64_t offset);
  /// Reads up to `n` decompressed bytes at the current offset: the count,
  /// 0 at the end, -1 on a corrupt stream.
  long read(char* buf, std::size_t n);
  uint64_t offset() const { return offset_; }
  /// The trailer of the gzip file at `path` (of its last member: the CRC and
  /// the decompressed size modulo 2^32); nothing if it cannot be read.
  static std::optional<gzip_trailer> trailer_of(const std::string& path);

private:
  compressed_copy() = default;
  std::string path_;
  file_identity file_;
  void* gz_ = nullptr; // gzFile
  uint64_t offset_ = 0;
  std::string head_; // decompressed first bytes, for identities
};

} // namespace logcatch
