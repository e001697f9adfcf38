#include "main/top/human_units.hpp"

#include <catch2/catch.hpp>
#include <limits>

using namespace logcatch;

TEST_CASE("format_count_rate uses k, M and G with one decimal and shows slow rates exactly",
          "[top][human_units]") {
  CHECK(format_count_rate(0) == "0/s");
  CHECK(format_count_rate(0.5) == "0.5/s");
  CHECK(format_count_rate(2) == "2/s");
  CHECK(format_count_rate(2.5) == "2.5/s");
  CHECK(format_count_rate(12.4) == "12/s");
  CHECK(format_count_rate(950) == "950/s");
  CHECK(format_count_rate(999.4) == "999/s");
  CHECK(format_count_rate(999.6) == "1.0k/s");
  CHECK(format_count_rate(1234) == "1.2k/s");
  CHECK(format_count_rate(999960) == "1.0M/s");
  CHECK(format_count_rate(3.4e6) == "3.4M/s");
  CHECK(format_count_rate(5.6e9) == "5.6G/s");
  CHECK(format_count_rate(std::numeric_limits<double>::quiet_NaN()) == "-");
  CHECK(format_count_rate(std::numeric_limits<double>::infinity()) == "inf/s");
}

TEST_CASE("format_bytes uses powers of 1024 with one decimal", "[top][human_units]") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(512) == "512 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1024) == "1.0 KiB");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(3.4 * 1024 * 1024) == "3.4 MiB");
  CHECK(format_bytes(1024.0 * 1024 - 1) == "1.0 MiB");
  CHECK(format_bytes(2.0 * 1024 * 1024 * 1024) == "2.0 GiB");
  CHECK(format_bytes(1.1 * 1024 * 1024 * 1024 * 1024) == "1.1 TiB");
  CHECK(format_byte_rate(1536) == "1.5 KiB/s");
  CHECK(format_byte_rate(std::numeric_limits<double>::quiet_NaN()) == "-");
}

TEST_CASE("format_count and format_uptime", "[top][human_units]") {
  CHECK(format_count(0) == "0");
  CHECK(format_count(12345) == "12345");
  CHECK(format_uptime(42) == "42s");
  CHECK(format_uptime(192) == "3m12s");
  CHECK(format_uptime(3720) == "1h02m");
  CHECK(format_uptime(2 * 86400 + 3 * 3600 + 59) == "2d03h");
}
