#pragma once

// A batch of lines from one file, carried as one byte block plus line
// boundaries: one allocation per batch instead of one string per line, and the
// sink writes a plain batch with a single write().

#include <cstdint>
#include <string>
#include <vector>

#include "actors/remote/session_credential.hpp"
#include "actors/tailer/file_identity.hpp"

namespace logcatch {

/// A line whose length in the file differs from its length in a batch's data.
struct size_adjustment {
  uint32_t line = 0;  ///< index of the line in the batch
  int64_t delta = 0;  ///< file bytes minus data bytes
};

struct line_batch {
  std::string key;        ///< path key (config) the lines belong to
  std::string node;       ///< the collector that sent it, set by an aggregator (empty locally)
  uint64_t incarnation = 0; ///< which start of the key's tailer sent it
  file_identity file;     ///< the file the lines were read from
  std::string path;       ///< that file's path when it was opened
  /// True when this batch starts a new reading (a new file, a truncated file
  /// read again from 0, or the first file a tailer opens): the sink takes
  /// start_offset as the key's position instead of checking continuity.
  bool restart = false;
  /// Which reading of its file this batch belongs to: a random id drawn at
  /// every restart and carried by the reading's later batches. A batch that
  /// comes again (a remote sink resends after a lost connection) keeps its
  /// id, so the sink tells a resent restart from a new reading.
  uint64_t reading = 0;
  uint64_t start_offset = 0; ///< file offset of the first line's first byte
  uint64_t end_offset = 0;   ///< file offset right after the last line consumed
  /// Every line, each ending in '\n' (one is added to a flushed unterminated line).
  std::string data;
  /// End of each line in `data` (exclusive, after its '\n').
  std::vector<uint32_t> ends;
  /// Cut lines are longer in the file than in `data`; a flushed unterminated
  /// line is one byte shorter. Sorted by line index.
  std::vector<size_adjustment> size_adjust;
  uint32_t cut_lines = 0; ///< lines cut at max_line_bytes
  /// A remote sink's session at its aggregator (empty from a local tailer):
  /// the aggregator takes the node from it, never from the connection.
  session_credential session;

  /// Whose positions the batch moves: the key, qualified by the collector
  /// node at an aggregator ('/' cannot occur in either).
  std::string position_key() const { return node.empty() ? key : node + "/" + key; }
  std::size_t line_count() const { return ends.size(); }
  bool empty() const { return ends.empty(); }
  /// Calls f(data, length) for lines [first_line, end), without their '\n'.
  template <class F>
  void for_each_line(std::size_t first_line, F&& f) const {
    uint32_t begin = first_line == 0 ? 0 : ends[first_line - 1];
    for (std::size_t i = first_line; i < ends.size(); ++i) {
      f(data.data() + begin, static_cast<std::size_t>(ends[i] - begin - 1));
      begin = ends[i];
    }
  }
  /// File offset of each line's first byte, in order.
  std::vector<uint64_t> line_offsets() const;
};

} // namespace logcatch
