#include "config/duration.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;
using namespace std::chrono_literals;

TEST_CASE("parse_duration reads milliseconds, seconds, minutes and hours", "[config][duration]") {
  CHECK(parse_duration("250ms") == millis{250});
  CHECK(parse_duration("10s") == 10s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("7d") == 168h);
  CHECK(parse_duration("0s") == 0ms);
  CHECK(parse_duration("0ms") == 0ms);
}

TEST_CASE("parse_duration accepts a fraction that comes to whole milliseconds",
          "[config][duration]") {
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("0.25s") == 250ms);
  CHECK(parse_duration("1.5m") == 90s);
  CHECK(parse_duration("0.001s") == 1ms);
  CHECK(parse_duration("2.000000000h") == 2h);
  CHECK_FALSE(parse_duration("0.5ms"));
  CHECK_FALSE(parse_duration("1.0005s"));
}

TEST_CASE("parse_duration allows one space before the unit", "[config][duration]") {
  CHECK(parse_duration("250 ms") == 250ms);
  CHECK_FALSE(parse_duration("250  ms"));
}

TEST_CASE("parse_duration rejects bare numbers, other units, negatives and garbage",
          "[config][duration]") {
  for (const char* text : {"", "250", "0", "10us", "10ns", "10w", "10S", "10 s s", "-1s", "+1s",
                           " 1s", "1s ", "s", "ms", ".5s", "1.s", "1..5s", "1.5.5s", "1e3ms",
                           "ten seconds", "1.0000000001h"}) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("parse_duration rejects values that overflow", "[config][duration]") {
  CHECK(parse_duration("9223372036854775807ms") == millis{9223372036854775807LL});
  CHECK_FALSE(parse_duration("9223372036854775808ms"));
  CHECK_FALSE(parse_duration("9223372036854775807s"));
  CHECK_FALSE(parse_duration("99999999999999999999999ms"));
}

TEST_CASE("parse_size reads plain byte counts", "[config][size]") {
  CHECK(parse_size("0") == std::size_t{0});
  CHECK(parse_size("1") == std::size_t{1});
  CHECK(parse_size("1048576") == std::size_t{1048576});
}

TEST_CASE("parse_size reads decimal and binary suffixes", "[config][size]") {
  CHECK(parse_size("1KB") == std::size_t{1000});
  CHECK(parse_size("2MB") == std::size_t{2000000});
  CHECK(parse_size("3GB") == std::size_t{3000000000});
  CHECK(parse_size("1KiB") == std::size_t{1024});
  CHECK(parse_size("8MiB") == std::size_t{8 * 1024 * 1024});
  CHECK(parse_size("1GiB") == std::size_t{1024 * 1024 * 1024});
  CHECK(parse_size("64 KiB") == std::size_t{64 * 1024});
}

TEST_CASE("parse_size rejects negatives, fractions, other suffixes and garbage", "[config][size]") {
  for (const char* text : {"", "-1", "+1", "1.5MiB", "1kb", "1kib", "1K", "1B", "1TiB", "KiB",
                           "1  KiB", " 1", "1 ", "1KiB ", "1 2", "0x10", "lots"}) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(parse_size(text));
  }
}

TEST_CASE("parse_size rejects values that overflow", "[config][size]") {
  CHECK(parse_size("18446744073709551615") == std::size_t{18446744073709551615ULL});
  CHECK_FALSE(parse_size("18446744073709551616"));
  CHECK_FALSE(parse_size("17179869184GiB"));
  CHECK_FALSE(parse_size("18446744073709551615KB"));
}

TEST_CASE("format_duration writes whole seconds as s and the rest as ms", "[config][duration]") {
  CHECK(format_duration(60s) == "60s");
  CHECK(format_duration(10ms) == "10ms");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(1h) == "3600s");
}

TEST_CASE("format_duration output parses back to the same duration", "[config][duration]") {
  for (millis d : {0ms, 1ms, 999ms, 1000ms, 1001ms, millis{60000}, millis{86400000}}) {
    INFO("ms: " << d.count());
    CHECK(parse_duration(format_duration(d)) == d);
  }
}
