#include "actors/remote/incoming_batch_check.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "actors/tailer/line_splitter.hpp"
#include "test_support.hpp"

using namespace logcatch;

namespace {

/// A batch as a tailer makes it: lines split from `text`, read from `start`.
line_batch good_batch(const std::string& text = "one\ntwo\nthree\n", uint64_t start = 100) {
  line_splitter split{1 << 20};
  line_batch b;
  b.key = "app";
  b.path = "/var/log/app.log";
  b.start_offset = start;
  split.feed(text.data(), text.size(), b);
  b.end_offset = start + text.size();
  return b;
}

bool mentions(const std::string& why, const std::string& part) {
  return why.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("a tailer's batch passes the check") {
  CHECK(check_incoming_batch(good_batch()).empty());
  line_batch empty; // a restart marker: no lines, start == end
  empty.key = "app";
  empty.start_offset = empty.end_offset = 42;
  CHECK(check_incoming_batch(empty).empty());
}

TEST_CASE("line ends past the data, out of order or not at a newline are refused") {
  auto b = good_batch();
  b.ends.back() = 900; // the aggregator used to read past the data (SIGSEGV)
  CHECK(mentions(check_incoming_batch(b), "ends[2] = 900 is past the 14 bytes of data"));
  b = good_batch();
  std::swap(b.ends[0], b.ends[1]);
  CHECK(mentions(check_incoming_batch(b), "does not come after"));
  b = good_batch();
  b.ends.insert(b.ends.begin(), 0); // an empty line would be -1 bytes long
  CHECK(mentions(check_incoming_batch(b), "ends[0] = 0"));
  b = good_batch();
  b.ends[0] = 2;
  CHECK(mentions(check_incoming_batch(b), "does not end in a newline"));
  b = good_batch();
  b.ends.pop_back(); // data nobody accounts for
  CHECK(mentions(check_incoming_batch(b), "after the last line's end"));
}

TEST_CASE("offsets that do not match the lines are refused") {
  auto b = good_batch();
  b.end_offset += 50 * 1000 * 1000; // would move the position 50 MB on
  CHECK(mentions(check_incoming_batch(b), "offsets do not match"));
  b = good_batch();
  b.start_offset = uint64_t{1} << 63;
  CHECK(mentions(check_incoming_batch(b), "offset out of range"));
}

TEST_CASE("size adjustments must be sorted, for existing lines and leave no line negative") {
  auto b = good_batch();
  b.size_adjust = {{1, 10}, {0, 5}};
  b.end_offset += 15;
  CHECK(mentions(check_incoming_batch(b), "not sorted"));
  b = good_batch();
  b.size_adjust = {{7, 10}};
  CHECK(mentions(check_incoming_batch(b), "names line 7"));
  b = good_batch();
  b.size_adjust = {{0, -5}}; // "one\n" is 4 bytes
  CHECK(mentions(check_incoming_batch(b), "for a line of 4 bytes"));
  b = good_batch();
  b.size_adjust = {{0, 1000}}; // a cut line: 1000 more bytes in the file
  b.cut_lines = 1;
  b.end_offset += 1000;
  CHECK(check_incoming_batch(b).empty());
  b.cut_lines = 4;
  CHECK(mentions(check_incoming_batch(b), "cut_lines = 4"));
}

TEST_CASE("keys and paths are bounded and free of control characters") {
  auto b = good_batch();
  b.key.clear();
  CHECK(mentions(check_incoming_batch(b), "key is empty"));
  b = good_batch();
  b.key = std::string(5000, 'k');
  CHECK(mentions(check_incoming_batch(b), "key is 5000 bytes long"));
  b = good_batch();
  b.path = std::string("a\0b", 3);
  CHECK(mentions(check_incoming_batch(b), "path contains control character 0"));
  b = good_batch();
  incoming_batch_limits small;
  small.max_data_bytes = 10;
  CHECK(mentions(check_incoming_batch(b, small), "data is 14 bytes (at most 10)"));
}

TEST_CASE("every batch a line splitter makes from random text and chunks passes the check") {
  auto seed = test::test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    std::size_t max_line = 1 + rng() % 40;
    line_splitter split{max_line};
    std::string text;
    std::size_t length = rng() % 2000;
    for (std::size_t i = 0; i < length; ++i)
      text.push_back(rng() % 6 == 0 ? '\n' : static_cast<char>('a' + rng() % 26));
    // Read in random chunks, a batch per chunk, offsets as file_follower sets them.
    uint64_t offset = 0;
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t n = std::min<std::size_t>(1 + rng() % 300, text.size() - at);
      line_batch b;
      b.key = "k";
      b.start_offset = offset - split.held_bytes();
      split.feed(text.data() + at, n, b);
      at += n;
      offset += n;
      bool last = at == text.size();
      if (last)
        split.flush(b);
      b.end_offset = last ? offset : offset - split.held_bytes();
      INFO("round " << round << " at " << at);
      REQUIRE(check_incoming_batch(b) == "");
    }
  }
}

TEST_CASE("random garbage batches are refused or pass without reading outside the data") {
  auto seed = test::test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::size_t refused = 0;
  for (int round = 0; round < 20000; ++round) {
    auto b = good_batch(std::string(rng() % 50, 'x') + "\n" + std::string(rng() % 50, 'y') + "\n");
    switch (rng() % 6) {
    case 0:
      b.ends.push_back(static_cast<uint32_t>(rng()));
      break;
    case 1:
      b.ends[rng() % b.ends.size()] = static_cast<uint32_t>(rng() % 200);
      break;
    case 2:
      b.size_adjust.push_back({static_cast<uint32_t>(rng() % 4), static_cast<int64_t>(rng() % 200) - 100});
      break;
    case 3:
      b.end_offset = rng();
      break;
    case 4:
      b.data.resize(rng() % 120, '\n');
      break;
    default:
      b.cut_lines = static_cast<uint32_t>(rng() % 5);
      break;
    }
    if (!check_incoming_batch(b).empty()) {
      ++refused;
      continue;
    }
    // Whatever passes is safe to walk as the sink does.
    uint64_t bytes = 0;
    b.for_each_line(0, [&](const char*, std::size_t n) { bytes += n + 1; });
    REQUIRE(bytes == b.data.size());
    REQUIRE(b.line_offsets().size() == b.ends.size());
  }
  CHECK(refused > 10000);
}
