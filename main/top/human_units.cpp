#include "main/top/human_units.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace logcatch {

namespace {

std::string printf_string(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

/// `value` scaled by `base` until it shows below `base` with one decimal:
/// "1.2" + units[i]. Below the first step it is a whole number (or one
/// decimal when `fraction_below_ten`, for slow rates like 0.5/s).
std::string scaled(double value, double base, const char* const* units, int unit_count,
                   const char* separator, bool fraction_below_ten) {
  if (std::isnan(value))
    return "-";
  if (std::isinf(value))
    return std::string(value > 0 ? "inf" : "-inf") + separator + units[0];
  bool negative = value < 0;
  double v = std::fabs(value);
  std::string sign = negative ? "-" : "";
  if (std::round(v) < base) {
    bool fraction = fraction_below_ten && v < 9.95 && std::round(v * 10) != std::round(v) * 10;
    return sign + printf_string(fraction ? "%.1f" : "%.0f", v) + separator + units[0];
  }
  v /= base;
  int unit = 1;
  while (unit + 1 < unit_count && std::round(v * 10) / 10 >= base) {
    v /= base;
    ++unit;
  }
  return sign + printf_string("%.1f", v) + separator + units[unit];
}

} // namespace

std::string format_count_rate(double per_second) {
  static const char* const units[] = {"/s", "k/s", "M/s", "G/s", "T/s"};
  return scaled(per_second, 1000, units, 5, "", true);
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  return scaled(bytes, 1024, units, 6, " ", false);
}

std::string format_byte_rate(double bytes_per_second) {
  auto text = format_bytes(bytes_per_second);
  return text == "-" ? text : text + "/s";
}

std::string format_count(double count) {
  if (std::isnan(count))
    return "-";
  return printf_string("%.0f", count);
}

std::string format_uptime(double seconds) {
  if (std::isnan(seconds) || seconds < 0)
    return "-";
  auto s = static_cast<std::uint64_t>(seconds);
  char buffer[64];
  if (s < 60)
    std::snprintf(buffer, sizeof buffer, "%llus", static_cast<unsigned long long>(s));
  else if (s < 3600)
    std::snprintf(buffer, sizeof buffer, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buffer, sizeof buffer, "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s % 3600 / 60));
  else
    std::snprintf(buffer, sizeof buffer, "%llud%02lluh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s % 86400 / 3600));
  return buffer;
}

} // namespace logcatch
