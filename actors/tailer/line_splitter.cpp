#include "actors/tailer/line_splitter.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logcatch {

namespace {

/// Appends to `ends` the end (after its '\n') of every line that starts at
/// `from` or after it and ends before `end`, up to the first one longer than
/// `max_line`; returns where the first line not taken starts.
std::size_t take_whole_lines(const char* base, std::size_t from, std::size_t end,
                             std::size_t max_line, std::vector<uint32_t>& ends) {
  std::size_t r = from;
  std::size_t pos = from;
#if defined(__SSE2__)
  // 64 bytes at a time, a bit for each newline: one step per line instead of
  // a memchr call per line (lines are short, a call's set-up is not).
  const __m128i newline = _mm_set1_epi8('\n');
  auto bits = [&](std::size_t at) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at));
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, newline))));
  };
  for (; pos + 64 <= end; pos += 64) {
    uint64_t mask = bits(pos) | bits(pos + 16) << 16 | bits(pos + 32) << 32 | bits(pos + 48) << 48;
    for (; mask != 0; mask &= mask - 1) {
      auto at = pos + static_cast<std::size_t>(__builtin_ctzll(mask));
      if (at - r > max_line)
        return r;
      r = at + 1;
      ends.push_back(static_cast<uint32_t>(r));
    }
  }
#endif
  // The rest (no newline in [r, pos): memchr starts at pos).
  for (;;) {
    auto* nl = static_cast<const char*>(std::memchr(base + pos, '\n', end - pos));
    if (nl == nullptr || static_cast<std::size_t>(nl - base) - r > max_line)
      return r;
    pos = r = static_cast<std::size_t>(nl - base) + 1;
    ends.push_back(static_cast<uint32_t>(r));
  }
}

} // namespace

line_splitter::line_splitter(std::size_t max_line_bytes)
  : max_line_bytes_(std::max<std::size_t>(1, max_line_bytes)) {
}

void line_splitter::feed(const char* data, std::size_t n, line_batch& out) {
  std::memcpy(prepare(out, n), data, n);
  commit(out, n);
}

char* line_splitter::prepare(line_batch& out, std::size_t n) {
  line_start_ = out.data.size();
  // A line cut already keeps its first bytes in held_: what follows up to
  // its newline is skipped, so there is no point in moving them back and
  // forth for every block of a huge line.
  held_in_data_ = held_file_bytes_ <= held_.size();
  std::size_t keep = held_in_data_ ? held_.size() : 0;
  out.data.reserve(line_start_ + keep + n); // one allocation for the block
  if (keep > 0)
    out.data.append(held_);
  out.data.resize(line_start_ + keep + n);
  return &out.data[line_start_ + keep];
}

void line_splitter::commit(line_batch& out, std::size_t n) {
  auto& data = out.data;
  std::size_t line_start = line_start_;  // the partial line's first byte in data
  std::size_t kept = held_in_data_ ? held_.size() : 0; // its bytes kept in data
  uint64_t file_len = held_file_bytes_;  // its bytes in the file
  bool cut_waiting = !held_in_data_;     // cut, its kept bytes in held_
  std::size_t end = line_start + kept + n;
  data.resize(end);
  std::size_t r = line_start + kept; // next byte to look at
  std::size_t w = r;                 // where the line's next kept byte goes
  char* base = data.data();
  while (r < end) {
    if (w == r && kept == 0 && !cut_waiting) {
      // The usual case: lines that lie whole in the block, nothing cut (so
      // nothing moved) before them. They stay where they were read.
      r = take_whole_lines(base, r, end, max_line_bytes_, out.ends);
      w = line_start = r;
      if (r == end)
        break;
    }
    auto* nl = static_cast<char*>(std::memchr(base + r, '\n', end - r));
    std::size_t stop = nl != nullptr ? static_cast<std::size_t>(nl - base) : end;
    file_len += stop - r;
    if (cut_waiting) {
      if (nl == nullptr)
        break; // still skipping the cut line
      // The cut line ends here: its kept bytes take the place of what was skipped.
      data.replace(line_start, stop - line_start, held_);
      end = end + held_.size() - (stop - line_start);
      base = data.data();
      kept = held_.size();
      stop = w = line_start + kept;
      cut_waiting = false;
    } else {
      // Bytes past max_line_bytes are dropped; the lines after them move up.
      auto take = std::min(stop - r, max_line_bytes_ - kept);
      if (w != r && take > 0)
        std::memmove(base + w, base + r, take);
      w += take;
      kept += take;
      if (nl == nullptr)
        break;
    }
    base[w++] = '\n';
    if (file_len > max_line_bytes_)
      ++out.cut_lines;
    if (file_len != kept)
      out.size_adjust.push_back(size_adjustment{static_cast<uint32_t>(out.ends.size()),
                                                static_cast<int64_t>(file_len - kept)});
    out.ends.push_back(static_cast<uint32_t>(w));
    line_start = w;
    kept = 0;
    file_len = 0;
    r = stop + 1;
  }
  // What follows the last newline is the partial line: held until the next block.
  if (!cut_waiting)
    held_.assign(base + line_start, w - line_start);
  held_file_bytes_ = file_len;
  data.resize(line_start);
}

void line_splitter::flush(line_batch& out) {
  if (held_file_bytes_ > 0)
    emit_held(out, false);
}

void line_splitter::reset() {
  held_.clear();
  held_file_bytes_ = 0;
}

void line_splitter::emit_held(line_batch& out, bool terminated) {
  // held_file_bytes_ counts the content only; the newline (if any) is one more.
  uint64_t file_bytes = held_file_bytes_ + (terminated ? 1 : 0);
  uint64_t data_bytes = held_.size() + 1;
  if (held_file_bytes_ > max_line_bytes_)
    ++out.cut_lines;
  if (file_bytes != data_bytes)
    out.size_adjust.push_back(size_adjustment{static_cast<uint32_t>(out.ends.size()),
                                              static_cast<int64_t>(file_bytes) -
                                                static_cast<int64_t>(data_bytes)});
  out.data.append(held_);
  out.data.push_back('\n');
  out.ends.push_back(static_cast<uint32_t>(out.data.size()));
  reset();
}

} // namespace logcatch
