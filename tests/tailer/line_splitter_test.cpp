#include "actors/tailer/line_splitter.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace logcatch;

namespace {

std::vector<std::string> lines_of(const line_batch& b) {
  std::vector<std::string> result;
  uint32_t begin = 0;
  for (auto end : b.ends) {
    result.push_back(b.data.substr(begin, end - begin));
    begin = end;
  }
  return result;
}

line_batch split_all(const std::string& text, std::size_t max_line = 1 << 20) {
  line_splitter s{max_line};
  line_batch b;
  s.feed(text.data(), text.size(), b);
  return b;
}

} // namespace

TEST_CASE("complete lines are emitted with their newline and offsets") {
  auto b = split_all("one\ntwo\nthree\n");
  CHECK(lines_of(b) == std::vector<std::string>{"one\n", "two\n", "three\n"});
  b.start_offset = 100;
  CHECK(b.line_offsets() == std::vector<uint64_t>{100, 104, 108});
}

TEST_CASE("a partial last line is held until its newline arrives") {
  line_splitter s{1024};
  line_batch first;
  s.feed("alpha\nbet", 9, first);
  CHECK(lines_of(first) == std::vector<std::string>{"alpha\n"});
  CHECK(s.held_bytes() == 3);
  line_batch second;
  s.feed("a\ngam", 5, second);
  CHECK(lines_of(second) == std::vector<std::string>{"beta\n"});
  CHECK(s.held_bytes() == 3);
}

TEST_CASE("CRLF, empty lines and NUL bytes are kept as bytes") {
  std::string text("a\r\n\n\nx\0y\n", 10);
  auto b = split_all(text);
  auto lines = lines_of(b);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "a\r\n");
  CHECK(lines[1] == "\n");
  CHECK(lines[2] == "\n");
  CHECK(lines[3] == std::string("x\0y\n", 4));
}

TEST_CASE("an over-long line is cut at max_line_bytes, counted, and offsets stay exact") {
  std::string text = "short\n" + std::string(50, 'x') + "\nnext\n";
  line_splitter s{10};
  line_batch b;
  // Fed in small pieces, so the long line is held across feeds.
  for (std::size_t i = 0; i < text.size(); i += 7)
    s.feed(text.data() + i, std::min<std::size_t>(7, text.size() - i), b);
  auto lines = lines_of(b);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == std::string(10, 'x') + "\n");
  CHECK(b.cut_lines == 1);
  b.start_offset = 0;
  CHECK(b.line_offsets() == std::vector<uint64_t>{0, 6, 57});
}

TEST_CASE("a line longer than the limit never holds more than the limit in memory") {
  line_splitter s{1000};
  line_batch b;
  std::string chunk(64 * 1024, 'z');
  for (int i = 0; i < 100; ++i) // 6.4 MB without a newline
    s.feed(chunk.data(), chunk.size(), b);
  CHECK(b.empty());
  CHECK(s.held_bytes() == 100u * chunk.size());
  s.feed("\n", 1, b);
  REQUIRE(b.line_count() == 1);
  CHECK(b.data.size() == 1001);
  CHECK(b.cut_lines == 1);
}

TEST_CASE("flush emits a held unterminated line with a newline added") {
  line_splitter s{1024};
  line_batch b;
  s.feed("done\ntail", 9, b);
  s.flush(b);
  CHECK(lines_of(b) == std::vector<std::string>{"done\n", "tail\n"});
  CHECK(s.held_bytes() == 0);
  b.start_offset = 0;
  CHECK(b.line_offsets() == std::vector<uint64_t>{0, 5});
  // The flushed line occupies 4 bytes in the file, 5 in the batch.
  REQUIRE(b.size_adjust.size() == 1);
  CHECK(b.size_adjust[0].delta == -1);
}

TEST_CASE("reset forgets a held partial line") {
  line_splitter s{1024};
  line_batch b;
  s.feed("partial", 7, b);
  s.reset();
  s.feed("new\n", 4, b);
  CHECK(lines_of(b) == std::vector<std::string>{"new\n"});
}

TEST_CASE("random chunkings give the same lines as one feed") {
  auto seed = logcatch::test::test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    auto len = rng() % 40;
    for (unsigned j = 0; j < len; ++j)
      text.push_back(static_cast<char>(rng() % 4 == 0 ? '\n' : 'a' + rng() % 26));
  }
  auto whole = split_all(text, 16);
  line_splitter s{16};
  line_batch pieces;
  for (std::size_t pos = 0; pos < text.size();) {
    auto n = std::min<std::size_t>(1 + rng() % 50, text.size() - pos);
    s.feed(text.data() + pos, n, pieces);
    pos += n;
  }
  CHECK(pieces.data == whole.data);
  CHECK(pieces.ends == whole.ends);
  CHECK(pieces.cut_lines == whole.cut_lines);
  CHECK(pieces.line_offsets() == whole.line_offsets());
}
