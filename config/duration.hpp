#pragma once

// Human-friendly durations and byte sizes as written in the config file.

#include <cstddef>
#include <optional>
#include <string>

#include "config/config_model.hpp"

namespace logcatch {

/// Parses a non-negative duration with a required unit: ms, s, m, h or d,
/// e.g. "250ms", "10s", "5m", "1h", "7d", "1.5s", "0s", optionally with one space before
/// the unit. A decimal fraction is allowed if the result is a whole number of
/// milliseconds ("1.5s" yes, "0.5ms" no).
/// Returns nullopt for bare numbers, other units, negatives, garbage or overflow.
std::optional<millis> parse_duration(const std::string& text);

/// Parses a byte count: a plain integer ("1048576") or an integer with a
/// suffix KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024),
/// optionally separated by one space ("8 MiB"). Returns nullopt for
/// negatives, fractions, other suffixes, garbage or overflow.
std::optional<std::size_t> parse_size(const std::string& text);

/// Formats a duration for summaries: whole seconds as "60s", anything else
/// in milliseconds ("10ms", "1500ms"). parse_duration reads the result back.
std::string format_duration(millis d);

} // namespace logcatch
