#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/line_batch.hpp"

namespace logcatch {

/// Splits a byte stream into lines. Bytes are fed in arbitrary chunks; complete
/// lines are appended to a batch, each with its '\n'. A partial last line is
/// held until its newline arrives. A line longer than max_line_bytes is cut:
/// only its first max_line_bytes are kept (memory stays bounded), the rest is
/// skipped up to the newline, and the batch counts it in cut_lines. Bytes are
/// bytes: '\r' and NUL are ordinary line content.
class line_splitter {
public:
  explicit line_splitter(std::size_t max_line_bytes);

  /// Splits `n` bytes that follow everything fed before.
  void feed(const char* data, std::size_t n, line_batch& out);

  /// Emits a held partial line as a complete line (its file is finished).
  void flush(line_batch& out);

  /// Bytes fed but not yet part of an emitted line (the partial line,
  /// including any bytes skipped from it).
  uint64_t held_bytes() const { return held_file_bytes_; }

  /// Forgets the partial line (the file was truncated under it).
  void reset();

private:
  void hold(const char* data, std::size_t n);
  void emit_held(line_batch& out, bool terminated);

  std::size_t max_line_bytes_;
  std::string held_;          // first max_line_bytes of the partial line
  uint64_t held_file_bytes_ = 0; // its full length in the file so far
};

} // namespace logcatch
