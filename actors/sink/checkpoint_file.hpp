#pragma once

// The sink's on-disk checkpoint ("state file"): the committed length of the
// sink output and, per (path key, file identity), the offset up to which that
// file's lines are in the output. Written atomically, checked on load.
//
// Format (text, one record per line, fields separated by one space):
//
//   logcatch-state 3
//   sink LENGTH DEVICE INODE PREFIX_LEN PREFIX_HASH PATH
//   file KEY DEVICE INODE PREFIX_LEN PREFIX_HASH OFFSET UPDATED_MS READING PATH
//   ...
//   crc32 XXXXXXXX
//
// Numbers are decimal (UPDATED_MS may be negative). LENGTH is "-" for a sink
// without a length (stdout); DEVICE INODE PREFIX_LEN PREFIX_HASH identify the
// output file LENGTH was measured on (all four "-" when unknown), so that
// recovery cuts that file even after it was rotated away from PATH, and not
// another file that reused its inode. Strings are percent-encoded: '%', every byte
// below 0x21 and 0x7F become %XX (uppercase hex only); the empty string is
// "-" and the string "-" is "%2D". The trailer is the CRC-32 (IEEE) of every
// byte before it, as 8 uppercase hex digits, and ends the file with a newline.
// Versions 1 (no READING field: READING 0) and 2 (sink record "sink LENGTH
// PATH": identity unknown) are still read.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/tailer/file_identity.hpp"

namespace logcatch {

/// One file's delivered position under one path key.
struct file_checkpoint {
  std::string key;
  file_identity file;     ///< device, inode, prefix_len, prefix_hash: all four stored
  uint64_t offset = 0;    ///< right after the last delivered line
  std::string path;       ///< where the file was last seen
  int64_t updated_ms = 0; ///< unix time in ms of the last update (for expiry)
  uint64_t reading = 0;   ///< the reading that set it (see line_batch::reading)
};

/// Field-by-field equality, including the identity's content check.
bool operator==(const file_checkpoint& a, const file_checkpoint& b);
inline bool operator!=(const file_checkpoint& a, const file_checkpoint& b) { return !(a == b); }

/// Everything the sink commits at once.
struct sink_checkpoint {
  bool has_sink_length = false; ///< false for stdout sinks
  uint64_t sink_length = 0;     ///< committed length of the sink output file; stored only with has_sink_length
  std::string sink_path;        ///< the output file the length belongs to (empty for stdout)
  /// The identity of the output file the length was measured on (the file
  /// at sink_path when committed; it may have been rotated away since), with
  /// a hash of its first bytes. Unknown in states written before version 3.
  bool has_sink_identity = false;
  file_identity sink_file;
  std::vector<file_checkpoint> files;
};

/// Field-by-field equality; sink_length counts only when has_sink_length,
/// the identity only when has_sink_identity.
bool operator==(const sink_checkpoint& a, const sink_checkpoint& b);
inline bool operator!=(const sink_checkpoint& a, const sink_checkpoint& b) { return !(a == b); }

/// A state file that cannot be used. what() is "SOURCE:LINE: CAUSE", or
/// "SOURCE: CAUSE" when no line applies (e.g. a checksum mismatch).
class checkpoint_error : public std::runtime_error {
public:
  checkpoint_error(const std::string& source, std::size_t line, const std::string& cause);
  const std::string& source() const { return source_; }
  /// 1-based line of the fault; 0 when it concerns the whole file.
  std::size_t line() const { return line_; }
  const std::string& cause() const { return cause_; }

private:
  std::string source_;
  std::size_t line_;
  std::string cause_;
};

/// The state file text for `state` (see the format above).
std::string encode_checkpoint(const sink_checkpoint& state);
/// Parses a state file text; `source` names it in error messages. Throws
/// checkpoint_error on any defect: bad header or version, unknown record,
/// wrong field count, bad number or escape, missing or duplicate sink record,
/// missing or bad trailer, checksum mismatch, bytes after the trailer.
sink_checkpoint decode_checkpoint(const std::string& text, const std::string& source);

/// The state file at one path: loaded once at start, replaced atomically on
/// every commit.
class checkpoint_file {
public:
  explicit checkpoint_file(std::string path);
  const std::string& path() const { return path_; }

  struct load_result {
    std::optional<sink_checkpoint> state; ///< nullopt: no usable state (fresh start)
    std::string problem;  ///< non-empty when the file existed but was unusable: the error, and what became of the file
    std::string moved_to; ///< where the unusable file was moved aside (never deleted), if it was
  };
  /// Reads and checks the state. A missing file (or folder) is a fresh start
  /// with no problem. An unreadable or corrupt one is renamed to
  /// PATH.corrupt-YYYYMMDDTHHMMSSZ (UTC; "-N" appended when taken) so the next
  /// save cannot overwrite it; when even that fails it is left in place and
  /// `problem` says so. Never throws for a bad file.
  load_result load();
  /// Atomically replaces the state: writes PATH.tmp, fsyncs it, renames it
  /// over PATH and fsyncs the folder. Throws std::system_error naming the path
  /// and the cause (ENOSPC, EROFS, EACCES, EDQUOT, EFBIG...); PATH.tmp is then
  /// removed and, unless only the folder sync failed, PATH is untouched. When
  /// the folder sync fails the new state is in place but may not survive a
  /// power loss.
  void save(const sink_checkpoint& state);

private:
  std::string path_;
};

} // namespace logcatch
