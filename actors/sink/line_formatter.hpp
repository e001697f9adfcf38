#pragma once

#include <cstddef>
#include <string>

#include "actors/line_batch.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// Appends lines [first_line, end) of a batch to `out`, one per line:
/// plain = the line's bytes and '\n'; json = one object per line with key,
/// file, offset, line (and "cut":true for a line cut at max_line_bytes), and
/// node first when the batch came from a collector to an aggregator.
void format_batch(const line_batch& batch, std::size_t first_line, output_format format,
                  std::string& out);

/// Appends `n` bytes as a quoted JSON string. Valid UTF-8 passes through;
/// each byte of an invalid sequence becomes the lone surrogate \uDCxx
/// (Python's "surrogateescape"), so no byte is dropped and the original bytes
/// can be recovered exactly; NUL and other control bytes become \u00xx.
void append_json_string(std::string& out, const char* data, std::size_t n);

} // namespace logcatch
