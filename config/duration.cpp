#include "config/duration.hpp"

#include <cstdint>
#include <limits>

namespace logcatch {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Reads a run of digits at `pos` into `value`; false on overflow.
bool read_digits(const std::string& text, std::size_t& pos, uint64_t& value) {
  value = 0;
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    auto digit = static_cast<uint64_t>(text[pos] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10)
      return false;
    value = value * 10 + digit;
  }
  return true;
}

/// `a * b`, or nullopt if it does not fit in `limit`.
std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b, uint64_t limit) {
  if (b != 0 && a > limit / b)
    return std::nullopt;
  return a * b;
}

/// Milliseconds per unit, or 0 for an unknown unit.
uint64_t unit_millis(const std::string& unit) {
  constexpr uint64_t second = 1000;
  if (unit == "ms")
    return 1;
  if (unit == "s")
    return second;
  if (unit == "m")
    return 60 * second;
  if (unit == "h")
    return 3600 * second;
  if (unit == "d")
    return 24 * 3600 * second;
  return 0;
}

/// Bytes per suffix ("" is plain bytes), or 0 for an unknown suffix.
uint64_t unit_bytes(const std::string& suffix) {
  constexpr uint64_t kilo = 1000;
  if (suffix.empty())
    return 1;
  if (suffix == "KB")
    return kilo;
  if (suffix == "MB")
    return kilo * kilo;
  if (suffix == "GB")
    return kilo * kilo * kilo;
  if (suffix == "KiB")
    return uint64_t{1} << 10;
  if (suffix == "MiB")
    return uint64_t{1} << 20;
  if (suffix == "GiB")
    return uint64_t{1} << 30;
  return 0;
}

/// The unit after a number: an optional single space, then the rest of the text.
std::optional<std::string> unit_after(const std::string& text, std::size_t pos) {
  if (pos < text.size() && text[pos] == ' ')
    ++pos;
  if (pos < text.size() && text[pos] == ' ')
    return std::nullopt;
  return text.substr(pos);
}

} // namespace

std::optional<millis> parse_duration(const std::string& text) {
  std::size_t pos = 0;
  uint64_t whole = 0;
  if (pos == text.size() || !is_digit(text[pos]) || !read_digits(text, pos, whole))
    return std::nullopt;
  // The fraction is kept as digits over a power of ten, so "1.5s" is exact.
  uint64_t fraction = 0;
  uint64_t scale = 1;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    if (!read_digits(text, pos, fraction) || pos == start || pos - start > 9)
      return std::nullopt;
    for (std::size_t i = start; i < pos; ++i)
      scale *= 10;
  }
  auto unit = unit_after(text, pos);
  if (!unit)
    return std::nullopt;
  uint64_t per_unit = unit_millis(*unit);
  if (per_unit == 0)
    return std::nullopt;
  // fraction < 1e9 and per_unit <= 3.6e6, so this product cannot overflow.
  uint64_t fraction_scaled = fraction * per_unit;
  if (fraction_scaled % scale != 0)
    return std::nullopt;
  constexpr auto limit = static_cast<uint64_t>(std::numeric_limits<millis::rep>::max());
  auto whole_ms = checked_mul(whole, per_unit, limit);
  if (!whole_ms || *whole_ms > limit - fraction_scaled / scale)
    return std::nullopt;
  return millis{static_cast<millis::rep>(*whole_ms + fraction_scaled / scale)};
}

std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t pos = 0;
  uint64_t count = 0;
  if (pos == text.size() || !is_digit(text[pos]) || !read_digits(text, pos, count))
    return std::nullopt;
  auto suffix = unit_after(text, pos);
  // "1048576 " (a space and no suffix) is as much a typo as "1048576 X".
  if (!suffix || (suffix->empty() && pos != text.size()))
    return std::nullopt;
  uint64_t per_unit = unit_bytes(*suffix);
  if (per_unit == 0)
    return std::nullopt;
  auto bytes = checked_mul(count, per_unit, std::numeric_limits<std::size_t>::max());
  if (!bytes)
    return std::nullopt;
  return static_cast<std::size_t>(*bytes);
}

std::string format_duration(millis d) {
  auto ms = d.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

} // namespace logcatch
