#include "actors/sink/line_formatter.hpp"

#include <catch2/catch.hpp>

#include "actors/tailer/line_splitter.hpp"

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
