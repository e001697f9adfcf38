#pragma once

// Numbers as a person reads them in a narrow column: "1.2k/s", "3.4 MiB".

#include <string>

namespace logcatch {

/// A count per second: "0/s", "0.5/s", "950/s", "1.2k/s", "3.4M/s", "5.6G/s".
std::string format_count_rate(double per_second);

/// A byte count in powers of 1024: "512 B", "1.5 KiB", "3.4 MiB", "2.0 GiB", "1.1 TiB".
std::string format_bytes(double bytes);

/// A byte rate: format_bytes with "/s".
std::string format_byte_rate(double bytes_per_second);

/// A whole count: "0", "17", "12345" (no unit, no fraction).
std::string format_count(double count);

/// An uptime: "42s", "3m12s", "1h02m", "2d03h".
std::string format_uptime(double seconds);

} // namespace logcatch
