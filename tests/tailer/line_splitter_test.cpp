#include "actors/tailer/line_splitter.hpp"

#include <catch2/catch.hpp>
#include <cstring>
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

namespace {

/// What splitting `text` must give, worked out line by line: the complete
/// lines cut to `max_line` bytes, each line's offset, the cut ones counted.
struct expected_split {
  std::vector<std::string> lines;
  std::vector<uint64_t> offsets;
  uint32_t cut_lines = 0;
  uint64_t held = 0; // bytes after the last newline
};

expected_split split_by_hand(const std::string& text, std::size_t max_line) {
  expected_split e;
  std::size_t pos = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', pos)) {
    auto len = nl - pos;
    e.lines.push_back(text.substr(pos, std::min(len, max_line)) + "\n");
    e.offsets.push_back(pos);
    e.cut_lines += len > max_line ? 1 : 0;
    pos = nl + 1;
  }
  e.held = text.size() - pos;
  return e;
}

/// Random text: mostly short lines, some longer than `max_line`, some empty.
std::string random_text(std::mt19937& rng, std::size_t max_line, int lines) {
  std::string text;
  for (int i = 0; i < lines; ++i) {
    auto kind = rng() % 10;
    std::size_t len = kind == 0 ? 0 : kind == 1 ? max_line + rng() % (3 * max_line + 1)
                                                : rng() % (max_line + 1);
    for (std::size_t j = 0; j < len; ++j)
      text.push_back(static_cast<char>('a' + rng() % 26));
    text.push_back('\n');
  }
  for (auto n = rng() % (2 * max_line); n > 0; --n) // an unterminated last line
    text.push_back('z');
  return text;
}

} // namespace

TEST_CASE("bytes read in place give the same lines, cuts and offsets as the text split by hand") {
  auto seed = logcatch::test::test_seed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 50; ++round) {
    std::size_t max_line = 1 + rng() % 64;
    auto text = random_text(rng, max_line, 300);
    auto want = split_by_hand(text, max_line);
    line_splitter s{max_line};
    // Blocks of random size, each read short at random (down to 0 bytes, as
    // at the end of a file); one batch per block or one for all.
    bool batch_per_block = rng() % 2 == 0;
    std::vector<line_batch> batches(1);
    uint64_t consumed = 0;
    while (consumed < text.size()) {
      if (batch_per_block && !batches.back().empty())
        batches.emplace_back();
      auto& b = batches.back();
      if (b.empty())
        b.start_offset = consumed - s.held_bytes();
      std::size_t room = 1 + rng() % (4 * max_line);
      std::size_t got = std::min<std::size_t>(rng() % 3 == 0 ? rng() % (room + 1) : room,
                                              text.size() - consumed);
      char* into = s.prepare(b, room);
      std::memcpy(into, text.data() + consumed, got);
      s.commit(b, got);
      consumed += got;
    }
    std::vector<std::string> lines;
    std::vector<uint64_t> offsets;
    uint32_t cut = 0;
    for (auto& b : batches) {
      for (auto& l : lines_of(b))
        lines.push_back(l);
      for (auto o : b.line_offsets())
        offsets.push_back(o);
      cut += b.cut_lines;
      CHECK(b.data.size() == (b.empty() ? 0 : b.ends.back())); // nothing after the last line
    }
    REQUIRE(lines == want.lines);
    CHECK(offsets == want.offsets);
    CHECK(cut == want.cut_lines);
    CHECK(s.held_bytes() == want.held);
  }
}

TEST_CASE("a line cut in the middle of a block moves the lines after it up") {
  line_splitter s{4};
  line_batch b;
  std::string block = "ab\n0123456789\ncd\nef\n";
  std::memcpy(s.prepare(b, block.size()), block.data(), block.size());
  s.commit(b, block.size());
  CHECK(lines_of(b) == std::vector<std::string>{"ab\n", "0123\n", "cd\n", "ef\n"});
  CHECK(b.data == "ab\n0123\ncd\nef\n");
  CHECK(b.cut_lines == 1);
  CHECK(b.line_offsets() == std::vector<uint64_t>{0, 3, 14, 17});
}

TEST_CASE("a cut line that ends in a later block takes its kept bytes along") {
  line_splitter s{5};
  line_batch first;
  std::string one = "a\n0123456789"; // the long line starts, already cut
  std::memcpy(s.prepare(first, one.size()), one.data(), one.size());
  s.commit(first, one.size());
  CHECK(lines_of(first) == std::vector<std::string>{"a\n"});
  CHECK(s.held_bytes() == 10);
  line_batch second;
  second.start_offset = 2;
  std::string two = "xyz\nb\n"; // it ends, short lines follow
  std::memcpy(s.prepare(second, 64), two.data(), two.size()); // a short read
  s.commit(second, two.size());
  CHECK(lines_of(second) == std::vector<std::string>{"01234\n", "b\n"});
  CHECK(second.cut_lines == 1);
  CHECK(second.line_offsets() == std::vector<uint64_t>{2, 16});
  CHECK(s.held_bytes() == 0);
}

TEST_CASE("a read of nothing keeps the partial line held") {
  line_splitter s{1024};
  line_batch b;
  std::string text = "one\ntw";
  std::memcpy(s.prepare(b, 100), text.data(), text.size());
  s.commit(b, text.size());
  line_batch empty;
  s.prepare(empty, 4096);
  s.commit(empty, 0);
  CHECK(empty.empty());
  CHECK(empty.data.empty());
  CHECK(s.held_bytes() == 2);
  line_batch last;
  std::memcpy(s.prepare(last, 10), "o\n", 2);
  s.commit(last, 2);
  CHECK(lines_of(last) == std::vector<std::string>{"two\n"});
}
