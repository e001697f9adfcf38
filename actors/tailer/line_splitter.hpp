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
///
/// Bytes can be read straight into the batch (prepare, then commit): its
/// complete lines are then split where they lie, without a copy, and only
/// the partial last line is copied aside until the next block.
class line_splitter {
public:
  explicit line_splitter(std::size_t max_line_bytes);

  /// Splits `n` bytes that follow everything fed before (a copy into `out`).
  void feed(const char* data, std::size_t n, line_batch& out);

  /// Room for `n` more bytes at the end of `out.data`, right after the held
  /// partial line (moved there): read into it, then commit() what was read.
  /// `out` must not change in between.
  char* prepare(line_batch& out, std::size_t n);

  /// The first `n` bytes at prepare()'s pointer follow everything fed before:
  /// splits them in place. `out.data` ends with its last complete line
  /// afterwards; the partial line after it is held again.
  void commit(line_batch& out, std::size_t n);

  /// Emits a held partial line as a complete line (its file is finished).
  void flush(line_batch& out);

  /// Bytes fed but not yet part of an emitted line (the partial line,
  /// including any bytes skipped from it).
  uint64_t held_bytes() const { return held_file_bytes_; }

  /// Forgets the partial line (the file was truncated under it).
  void reset();

private:
  void emit_held(line_batch& out, bool terminated);

  std::size_t max_line_bytes_;
  std::string held_;          // first max_line_bytes of the partial line
  uint64_t held_file_bytes_ = 0; // its full length in the file so far
  // Between prepare() and commit(): where the partial line starts in the
  // batch's data, and whether its kept bytes are there (not when it is cut
  // already: they wait in held_ until its newline).
  std::size_t line_start_ = 0;
  bool held_in_data_ = false;
};

} // namespace logcatch
