#include "actors/remote/incoming_batch_check.hpp"

#include <limits>

namespace logcatch {

namespace {

/// Empty or why `text` is not a usable name.
std::string check_name(const std::string& what, const std::string& text, std::size_t max,
                       bool allow_empty) {
  if (text.empty() && !allow_empty)
    return what + " is empty";
  if (text.size() > max)
    return what + " is " + std::to_string(text.size()) + " bytes long (at most " +
           std::to_string(max) + ")";
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f)
      return what + " contains control character " + std::to_string(c);
  return {};
}

} // namespace

std::string check_incoming_batch(const line_batch& b, const incoming_batch_limits& limits) {
  if (auto why = check_name("key", b.key, limits.max_key_bytes, false); !why.empty())
    return why;
  if (auto why = check_name("path", b.path, limits.max_path_bytes, true); !why.empty())
    return why;
  if (b.data.size() > limits.max_data_bytes)
    return "data is " + std::to_string(b.data.size()) + " bytes (at most " +
           std::to_string(limits.max_data_bytes) + ")";
  // ends are uint32_t: data past 4 GiB could not be described anyway.
  if (b.data.size() > std::numeric_limits<uint32_t>::max())
    return "data is larger than 4 GiB";
  uint32_t begin = 0;
  for (std::size_t i = 0; i < b.ends.size(); ++i) {
    auto end = b.ends[i];
    if (end <= begin)
      return "ends[" + std::to_string(i) + "] = " + std::to_string(end) +
             " does not come after the previous line's end " + std::to_string(begin);
    if (end > b.data.size())
      return "ends[" + std::to_string(i) + "] = " + std::to_string(end) + " is past the " +
             std::to_string(b.data.size()) + " bytes of data";
    if (b.data[end - 1] != '\n')
      return "line " + std::to_string(i) + " does not end in a newline";
    begin = end;
  }
  if (begin != b.data.size())
    return std::to_string(b.data.size() - begin) + " bytes of data after the last line's end";
  if (b.cut_lines > b.ends.size())
    return "cut_lines = " + std::to_string(b.cut_lines) + " but the batch has " +
           std::to_string(b.ends.size()) + " lines";
  // Offsets: the lines' bytes in the file, from start_offset, end at
  // end_offset. Computed in signed 128-bit-safe steps: each term is bounded.
  if (b.start_offset > (uint64_t{1} << 62) || b.end_offset > (uint64_t{1} << 62))
    return "offset out of range (start " + std::to_string(b.start_offset) + ", end " +
           std::to_string(b.end_offset) + ")";
  int64_t file_bytes = static_cast<int64_t>(b.data.size());
  int64_t previous = -1;
  for (std::size_t i = 0; i < b.size_adjust.size(); ++i) {
    auto& a = b.size_adjust[i];
    if (static_cast<int64_t>(a.line) <= previous)
      return "size_adjust[" + std::to_string(i) + "] is not sorted by line";
    if (a.line >= b.ends.size())
      return "size_adjust[" + std::to_string(i) + "] names line " + std::to_string(a.line) +
             " of a batch of " + std::to_string(b.ends.size()) + " lines";
    uint32_t line_begin = a.line == 0 ? 0 : b.ends[a.line - 1];
    int64_t data_len = static_cast<int64_t>(b.ends[a.line] - line_begin);
    if (a.delta < -data_len || a.delta > (int64_t{1} << 40))
      return "size_adjust[" + std::to_string(i) + "] = " + std::to_string(a.delta) +
             " for a line of " + std::to_string(data_len) + " bytes";
    file_bytes += a.delta;
    previous = a.line;
  }
  if (b.start_offset + static_cast<uint64_t>(file_bytes) != b.end_offset)
    return "offsets do not match the lines: start " + std::to_string(b.start_offset) + " + " +
           std::to_string(file_bytes) + " file bytes != end " + std::to_string(b.end_offset);
  return {};
}

} // namespace logcatch
