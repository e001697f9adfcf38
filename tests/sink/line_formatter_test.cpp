#include "actors/sink/line_formatter.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>

#include "actors/tailer/line_splitter.hpp"
#include "test_support.hpp"

using namespace logcatch;

namespace {

line_batch batch_of(const std::string& text, std::size_t max_line = 1 << 20) {
  line_splitter s{max_line};
  line_batch b;
  b.key = "k";
  b.path = "/var/log/a.log";
  b.start_offset = 1000;
  s.feed(text.data(), text.size(), b);
  return b;
}

std::string json_string(const std::string& bytes) {
  std::string out;
  append_json_string(out, bytes.data(), bytes.size());
  return out;
}

} // namespace

TEST_CASE("plain format writes the lines' bytes") {
  std::string out;
  format_batch(batch_of("a\nb\n"), 0, output_format::plain, out);
  CHECK(out == "a\nb\n");
}

TEST_CASE("plain format can skip lines already delivered") {
  std::string out;
  format_batch(batch_of("a\nbb\nc\n"), 1, output_format::plain, out);
  CHECK(out == "bb\nc\n");
}

TEST_CASE("json format has key, file, offset and line for each line") {
  std::string out;
  format_batch(batch_of("hello\nworld\n"), 0, output_format::json, out);
  CHECK(out == "{\"key\":\"k\",\"file\":\"/var/log/a.log\",\"offset\":1000,\"line\":\"hello\"}\n"
               "{\"key\":\"k\",\"file\":\"/var/log/a.log\",\"offset\":1006,\"line\":\"world\"}\n");
}

TEST_CASE("json marks cut lines and keeps file offsets exact") {
  std::string out;
  format_batch(batch_of("0123456789abc\nz\n", 4), 0, output_format::json, out);
  CHECK(out == "{\"key\":\"k\",\"file\":\"/var/log/a.log\",\"offset\":1000,\"line\":\"0123\",\"cut\":true}\n"
               "{\"key\":\"k\",\"file\":\"/var/log/a.log\",\"offset\":1014,\"line\":\"z\"}\n");
}

TEST_CASE("json escapes quotes, backslashes and control bytes") {
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string("t\tr\r") == "\"t\\tr\\r\"");
  CHECK(json_string(std::string("x\0y", 3)) == "\"x\\u0000y\"");
  CHECK(json_string("\x1b[0m") == "\"\\u001b[0m\"");
}

TEST_CASE("valid UTF-8 passes through json unchanged") {
  CHECK(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST_CASE("invalid UTF-8 bytes become surrogate escapes and are never dropped") {
  CHECK(json_string("a\xff" "b") == "\"a\\udcffb\"");
  CHECK(json_string("\xc3") == "\"\\udcc3\"");           // truncated sequence
  CHECK(json_string("\xc0\xaf") == "\"\\udcc0\\udcaf\""); // overlong
  CHECK(json_string("\xed\xa0\x80") == "\"\\udced\\udca0\\udc80\""); // UTF-16 surrogate
  CHECK(json_string("\xf4\x90\x80\x80") == "\"\\udcf4\\udc90\\udc80\\udc80\""); // > U+10FFFF
}

TEST_CASE("json at an aggregator names the collector node") {
  auto b = batch_of("hi\n");
  b.node = "web-1";
  std::string out;
  format_batch(b, 0, output_format::json, out);
  CHECK(out == "{\"node\":\"web-1\",\"key\":\"k\",\"file\":\"/var/log/a.log\",\"offset\":1000,\"line\":\"hi\"}\n");
}

namespace {

/// The escaping rules one byte at a time, as simply as they can be written:
/// what the fast escaper must agree with.
std::string json_string_by_hand(const std::string& bytes) {
  auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  auto utf8_length = [&](std::size_t i) -> std::size_t {
    unsigned char c = p[i];
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (len == 0 || i + len > n)
      return 0;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (p[i + 1] < lo || p[i + 1] > hi)
      return 0;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF)
        return 0;
    return len;
  };
  std::string out = "\"";
  char u[8];
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      if (auto len = utf8_length(i)) {
        out.append(bytes, i, len);
        i += len;
      } else {
        std::snprintf(u, sizeof u, "\\u%04x", 0xDC00u + c);
        out += u;
        ++i;
      }
      continue;
    }
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20) {
      std::snprintf(u, sizeof u, "\\u%04x", c);
      out += u;
    } else
      out += static_cast<char>(c);
    ++i;
  }
  return out + "\"";
}

} // namespace

TEST_CASE("json escapes every byte value alone, and at every position of a longer text") {
  for (int c = 0; c < 256; ++c) {
    std::string one(1, static_cast<char>(c));
    INFO("byte " << c);
    CHECK(json_string(one) == json_string_by_hand(one));
    // Inside runs of plain text of every length around the 16-byte steps.
    for (std::size_t before : {0, 1, 15, 16, 17, 31, 40})
      for (std::size_t after : {0, 1, 14, 15, 16, 33}) {
        std::string text = std::string(before, 'a') + one + std::string(after, 'b');
        INFO("at " << before << " of " << text.size());
        CHECK(json_string(text) == json_string_by_hand(text));
      }
  }
}

TEST_CASE("random bytes are escaped as the rules say") {
  auto seed = logcatch::test::test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    auto len = rng() % 100;
    for (unsigned i = 0; i < len; ++i) {
      auto kind = rng() % 8; // mostly plain text, some UTF-8, some anything
      if (kind < 5)
        text.push_back(static_cast<char>(' ' + rng() % 95));
      else if (kind == 5)
        text += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" + rng() % 9; // whole or cut sequences
      else
        text.push_back(static_cast<char>(rng() % 256));
    }
    INFO("round " << round);
    REQUIRE(json_string(text) == json_string_by_hand(text));
  }
}

TEST_CASE("json lines that need many escapes grow the output as they go") {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += std::string(50 + i, '\x01') + "\n"; // six bytes out for every byte in
  auto b = batch_of(text);
  std::string out;
  format_batch(b, 0, output_format::json, out);
  auto lines = logcatch::test::lines_of(out);
  REQUIRE(lines.size() == 200);
  uint64_t offset = 1000;
  for (int i = 0; i < 200; ++i) {
    std::string line(50 + i, '\x01');
    CHECK(lines[i] == "{\"key\":\"k\",\"file\":\"/var/log/a.log\",\"offset\":" + std::to_string(offset) +
                        ",\"line\":" + json_string_by_hand(line) + "}");
    offset += line.size() + 1;
  }
}

TEST_CASE("json offsets stay exact where they gain a digit, after skipped lines too") {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += std::string(i % 70, 'x') + "\n";
  for (uint64_t start : {0ull, 9990ull, 99990ull, 999999999990ull, 18446744073709000000ull}) {
    auto b = batch_of(text);
    b.start_offset = start;
    auto offsets = b.line_offsets();
    for (std::size_t first : {0, 1, 1234}) {
      std::string out;
      format_batch(b, first, output_format::json, out);
      auto lines = logcatch::test::lines_of(out);
      REQUIRE(lines.size() == 3000 - first);
      for (std::size_t i = first; i < 3000; ++i) {
        auto at = lines[i - first].find("\"offset\":") + 9;
        INFO("start " << start << " line " << i);
        REQUIRE(lines[i - first].substr(at, lines[i - first].find(',', at) - at) ==
                std::to_string(offsets[i]));
      }
    }
  }
}
