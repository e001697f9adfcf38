#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace logcatch {

/// Checks numbered lines ("STREAM SEQ ...", as numbered_writer writes them)
/// for exactly-once, in-order delivery. Thread-safe: the sink's observer
/// feeds it while a test or the demo polls it.
class delivery_verifier {
public:
  /// `segment_lines`: order is checked within runs of this many numbers (the
  /// lines of one rotated file, when a writer rotates every N lines and the
  /// collector may read several files of a stream at once); 0 = the whole stream.
  explicit delivery_verifier(uint64_t segment_lines = 0) : segment_lines_(segment_lines) {
  }

  struct stream_report {
    std::string stream;
    uint64_t written = 0;
    uint64_t delivered = 0;    ///< lines seen, duplicates included
    uint64_t unique = 0;
    uint64_t lost = 0;         ///< written but never seen
    uint64_t duplicated = 0;   ///< seen more than once (extra copies)
    uint64_t out_of_order = 0; ///< first seen after a higher number (of its segment)
  };

  /// Feeds one line (without '\n').
  void on_line(const char* data, std::size_t n);
  /// Feeds a whole text of '\n'-terminated lines (e.g. a sink file).
  void on_text(const std::string& text);

  /// Distinct lines seen for a stream.
  uint64_t unique(const std::string& stream) const;
  uint64_t malformed() const;

  /// One report per stream in `written` (stream -> lines written).
  std::vector<stream_report> report(const std::map<std::string, uint64_t>& written) const;

  /// True when every report has lost == duplicated == out_of_order == 0 and
  /// no malformed line was seen.
  static bool clean(const std::vector<stream_report>& reports, uint64_t malformed);

private:
  struct stream_state {
    std::vector<uint8_t> seen; // copies seen per sequence number (saturating)
    uint64_t delivered = 0;
    uint64_t unique = 0;
    uint64_t duplicated = 0;
    uint64_t out_of_order = 0;
    std::map<uint64_t, uint64_t> highest; // per segment
  };

  uint64_t segment_lines_ = 0;
  mutable std::mutex mtx_;
  std::map<std::string, stream_state, std::less<>> streams_;
  uint64_t malformed_ = 0;
};

} // namespace logcatch
