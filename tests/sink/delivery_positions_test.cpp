#include "actors/sink/delivery_positions.hpp"

#include <catch2/catch.hpp>

#include "actors/tailer/line_splitter.hpp"

using namespace logcatch;

namespace {

line_batch batch(uint64_t inode, uint64_t start, const std::string& text, bool restart = false) {
  line_splitter s{1024};
  line_batch b;
  b.key = "k";
  b.file = file_identity{1, inode};
  b.restart = restart;
  b.start_offset = start;
  s.feed(text.data(), text.size(), b);
  b.end_offset = start + text.size();
  return b;
}

} // namespace

TEST_CASE("an unknown key has no position until a batch is committed") {
  delivery_positions p;
  CHECK_FALSE(p.get("k").known);
  auto b = batch(7, 0, "a\nb\n", true);
  CHECK(p.check(b).first_line == 0);
  p.commit(b);
  auto pos = p.get("k");
  CHECK(pos.known);
  CHECK(pos.file == file_identity{1, 7});
  CHECK(pos.offset == 4);
}

TEST_CASE("a continuing batch is accepted whole") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true));
  auto next = batch(7, 4, "c\n");
  auto c = p.check(next);
  CHECK(c.first_line == 0);
  CHECK_FALSE(c.drop);
  CHECK(c.note.empty());
}

TEST_CASE("an overlapping batch has its delivered lines skipped") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true));
  auto c = p.check(batch(7, 2, "b\nc\n"));
  CHECK(c.first_line == 1);
  CHECK_FALSE(c.drop);
}

TEST_CASE("a batch entirely delivered already is dropped and the position stays") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true));
  auto old = batch(7, 0, "a\n");
  CHECK(p.check(old).drop);
  p.commit(old);
  CHECK(p.get("k").offset == 4);
}

TEST_CASE("a restart batch sets the position, even backwards (truncation)") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true));
  auto again = batch(7, 0, "x\n", true);
  CHECK(p.check(again).first_line == 0);
  p.commit(again);
  CHECK(p.get("k").offset == 2);
}

TEST_CASE("a new file or a gap is accepted with a note") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\n", true));
  CHECK_FALSE(p.check(batch(8, 0, "b\n")).note.empty());
  CHECK_FALSE(p.check(batch(7, 10, "b\n")).note.empty());
}
