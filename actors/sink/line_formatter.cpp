#include "actors/sink/line_formatter.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logcatch {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

/// Length of the valid UTF-8 sequence starting at p (2..4), or 0 if invalid.
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) {
  unsigned char c = p[0];
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; // no overlong forms
    else if (c == 0xED)
      hi = 0x9F; // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F; // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (avail < len || p[1] < lo || p[1] > hi)
    return 0;
  for (std::size_t i = 2; i < len; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return len;
}

/// Bytes that cannot go into a JSON string as they are: control bytes, '"',
/// '\\', and every byte from 0x80 (whose UTF-8 sequence is checked apart).
constexpr bool needs_care(unsigned c) {
  return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

struct care_table {
  bool of[256] = {};
  constexpr care_table() {
    for (unsigned c = 0; c < 256; ++c)
      of[c] = needs_care(c);
  }
};
constexpr care_table care{};

/// Copies the leading run of [p, p+n) that goes into a JSON string as it is
/// to `o` (which has room for n bytes) and returns its length: 16 bytes at a
/// time where SSE2 is there (every x86-64), then bytewise. Bytes past the
/// run may be written too; what comes next overwrites them.
std::size_t copy_plain_run(char* o, const unsigned char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  auto care_mask = [&](__m128i x) {
    // Signed: bytes from 0x80 are negative, so "< 0x20" takes them too.
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, space),
                               _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    return static_cast<unsigned>(_mm_movemask_epi8(bad));
  };
  for (; i + 16 <= n; i += 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), x);
    if (auto mask = care_mask(x))
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
  if (i < n && n >= 16) {
    // The last bytes: one load that ends at n, overlapping checked ones.
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + n - 16), x);
    auto mask = care_mask(x) >> (16 - (n - i)); // bit 0 is byte i
    return mask != 0 ? i + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
  }
#endif
  for (; i < n && !care.of[p[i]]; ++i)
    o[i] = static_cast<char>(p[i]);
  return i;
}

/// Writes `n` bytes as a quoted JSON string at `o`, which has room for
/// max_json_string(n) bytes; returns the end of what it wrote.
char* write_json_string(char* o, const char* data, std::size_t n) {
  auto* p = reinterpret_cast<const unsigned char*>(data);
  auto* end = p + n;
  *o++ = '"';
  while (p < end) {
    auto run = copy_plain_run(o, p, static_cast<std::size_t>(end - p));
    o += run;
    p += run;
    if (p == end)
      break;
    unsigned char c = *p;
    if (c >= 0x80) {
      if (auto len = utf8_sequence_length(p, static_cast<std::size_t>(end - p))) {
        std::memcpy(o, p, len);
        o += len;
        p += len;
        continue;
      }
    }
    *o++ = '\\';
    switch (c) {
      case '"':
        *o++ = '"';
        break;
      case '\\':
        *o++ = '\\';
        break;
      case '\n':
        *o++ = 'n';
        break;
      case '\r':
        *o++ = 'r';
        break;
      case '\t':
        *o++ = 't';
        break;
      default: {
        unsigned code = c < 0x80 ? c : 0xDC00u + c;
        *o++ = 'u';
        *o++ = hex_digits[(code >> 12) & 0xF];
        *o++ = hex_digits[(code >> 8) & 0xF];
        *o++ = hex_digits[(code >> 4) & 0xF];
        *o++ = hex_digits[code & 0xF];
      }
    }
    ++p;
  }
  *o++ = '"';
  return o;
}

/// "00" to "99", for two digits at a time.
struct digit_pairs {
  char text[200] = {};
  constexpr digit_pairs() {
    for (int i = 0; i < 100; ++i) {
      text[2 * i] = static_cast<char>('0' + i / 10);
      text[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
  }
};
constexpr digit_pairs pairs{};

/// A file offset as decimal digits, moved on line by line: adding a line's
/// length usually changes the last four digits only, and only those are
/// written again (std::to_chars for every line cost as much as escaping it).
class decimal_offset {
public:
  /// write() may write this many bytes (the digits, then scratch).
  static constexpr std::size_t most_written = 20;

  explicit decimal_offset(uint64_t value) { set(value); }
  void add(uint64_t step) {
    value_ += step;
    uint64_t high = value_ / 10000;
    if (high != high_ || high == 0) {
      set(value_); // a carry past the last four digits, or fewer digits than that
      return;
    }
    auto low = static_cast<unsigned>(value_ - high * 10000);
    std::memcpy(digits_ + width - 4, pairs.text + 2 * (low / 100), 2);
    std::memcpy(digits_ + width - 2, pairs.text + 2 * (low % 100), 2);
  }
  /// Writes the digits at `o` (which has room for most_written bytes) and
  /// returns their end: one fixed-size copy, whatever the length.
  char* write(char* o) const {
    std::memcpy(o, digits_ + width - len_, most_written);
    return o + len_;
  }

private:
  void set(uint64_t value) {
    value_ = value;
    high_ = value / 10000;
    char text[width];
    len_ = static_cast<std::size_t>(std::to_chars(text, text + width, value).ptr - text);
    std::memcpy(digits_ + width - len_, text, len_);
  }

  static constexpr std::size_t width = 20; // digits of the largest uint64_t
  char digits_[width + most_written] = {}; // right-aligned in [0, width), then scratch
  std::size_t len_ = 0;
  uint64_t value_ = 0;
  uint64_t high_ = 0; // value_ / 10000
};

/// The most bytes write_json_string() writes for `n` bytes (all \\uDCxx).
constexpr std::size_t max_json_string(std::size_t n) {
  return 6 * n + 2;
}

} // namespace

void append_json_string(std::string& out, const char* data, std::size_t n) {
  auto size = out.size();
  out.resize(size + max_json_string(n));
  auto* end = write_json_string(&out[size], data, n);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

void format_batch(const line_batch& batch, std::size_t first_line, output_format format,
                  std::string& out) {
  if (first_line >= batch.ends.size())
    return;
  uint32_t begin = first_line == 0 ? 0 : batch.ends[first_line - 1];
  if (format == output_format::plain) {
    out.append(batch.data, begin, batch.data.size() - begin);
    return;
  }
  // What every line starts with, up to its offset.
  std::string prefix = "{";
  if (!batch.node.empty()) { // at an aggregator: which collector sent the line
    prefix += "\"node\":";
    append_json_string(prefix, batch.node.data(), batch.node.size());
    prefix += ",";
  }
  prefix += "\"key\":";
  append_json_string(prefix, batch.key.data(), batch.key.size());
  prefix += ",\"file\":";
  append_json_string(prefix, batch.path.data(), batch.path.size());
  prefix += ",\"offset\":";
  static constexpr char line_field[] = ",\"line\":";
  static constexpr char cut_field[] = ",\"cut\":true";
  // Sized once for the batch, exactly for lines that need no escape, plus
  // room for the longest line to be escaped whole; text that needs many
  // escapes grows it on the way.
  uint64_t file_bytes = batch.data.size();
  for (auto& a : batch.size_adjust)
    file_bytes += static_cast<uint64_t>(a.delta);
  char last_offset[20];
  auto digits = static_cast<std::size_t>(
    std::to_chars(last_offset, last_offset + 20, batch.start_offset + file_bytes).ptr - last_offset);
  const std::size_t per_line = prefix.size() + digits + (sizeof line_field - 1) + 4; // "" }\n
  const std::size_t most_per_line = prefix.size() + decimal_offset::most_written +
                                    (sizeof line_field - 1) + (sizeof cut_field - 1) + 2;
  std::size_t longest = 0;
  for (std::size_t i = first_line; i < batch.ends.size(); ++i)
    longest = std::max<std::size_t>(longest, batch.ends[i] - (i == 0 ? 0 : batch.ends[i - 1]));
  std::size_t pos = out.size();
  std::size_t lines = batch.ends.size() - first_line;
  out.resize(pos + (batch.data.size() - begin - lines) + lines * per_line +
             batch.size_adjust.size() * (sizeof cut_field - 1) + most_per_line +
             max_json_string(longest));
  // Offsets: of the lines skipped, then line by line from the first written.
  auto adjust = batch.size_adjust.begin();
  auto delta_of = [&](std::size_t i) -> int64_t {
    while (adjust != batch.size_adjust.end() && adjust->line < i)
      ++adjust;
    return adjust != batch.size_adjust.end() && adjust->line == i ? adjust->delta : 0;
  };
  uint64_t skipped = 0;
  begin = 0;
  for (std::size_t i = 0; i < first_line; ++i) {
    skipped += static_cast<uint64_t>(static_cast<int64_t>(batch.ends[i] - begin) + delta_of(i));
    begin = batch.ends[i];
  }
  decimal_offset offset{batch.start_offset + skipped};
  for (std::size_t i = first_line; i < batch.ends.size(); ++i) {
    uint32_t end = batch.ends[i];
    int64_t delta = delta_of(i);
    std::size_t len = end - begin - 1; // without '\n'
    std::size_t need = most_per_line + max_json_string(len);
    if (out.size() - pos < need)
      out.resize(std::max(2 * out.size(), pos + need));
    char* o = &out[pos];
    std::memcpy(o, prefix.data(), prefix.size());
    o = offset.write(o + prefix.size());
    std::memcpy(o, line_field, sizeof line_field - 1);
    o += sizeof line_field - 1;
    o = write_json_string(o, batch.data.data() + begin, len);
    if (delta > 0) { // cut at max_line_bytes
      std::memcpy(o, cut_field, sizeof cut_field - 1);
      o += sizeof cut_field - 1;
    }
    *o++ = '}';
    *o++ = '\n';
    pos = static_cast<std::size_t>(o - out.data());
    offset.add(static_cast<uint64_t>(static_cast<int64_t>(end - begin) + delta));
    begin = end;
  }
  out.resize(pos);
}

} // namespace logcatch
