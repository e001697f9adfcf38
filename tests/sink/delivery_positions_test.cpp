#include "actors/sink/delivery_positions.hpp"

#include <catch2/catch.hpp>

#include "actors/tailer/line_splitter.hpp"

using namespace logcatch;

namespace {

line_batch batch(uint64_t inode, uint64_t start, const std::string& text, bool restart = false) {
  line_splitter s{1024};
  line_batch b;
  b.key = "k";
  b.file = file_identity{1, inode, 0, 0};
  b.restart = restart;
  b.start_offset = start;
  s.feed(text.data(), text.size(), b);
  b.end_offset = start + text.size();
  return b;
}

} // namespace

TEST_CASE("an unknown key has no position until a batch is committed") {
  delivery_positions p;
  CHECK(p.get("k").empty());
  auto b = batch(7, 0, "a\nb\n", true);
  CHECK(p.check(b).first_line == 0);
  p.commit(b, 1);
  auto pos = p.get("k");
  REQUIRE(pos.size() == 1);
  CHECK(pos[0].known);
  CHECK(pos[0].file == file_identity{1, 7});
  CHECK(pos[0].offset == 4);
}

TEST_CASE("a continuing batch is accepted whole") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true), 1);
  auto c = p.check(batch(7, 4, "c\n"));
  CHECK(c.first_line == 0);
  CHECK_FALSE(c.drop);
  CHECK(c.note.empty());
}

TEST_CASE("an overlapping batch has its delivered lines skipped") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true), 1);
  auto c = p.check(batch(7, 2, "b\nc\n"));
  CHECK(c.first_line == 1);
  CHECK_FALSE(c.drop);
}

TEST_CASE("a batch entirely delivered already is dropped and the position stays") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true), 1);
  auto old = batch(7, 0, "a\n");
  CHECK(p.check(old).drop);
  p.commit(old, 2);
  CHECK(p.get("k")[0].offset == 4);
}

TEST_CASE("a restart batch sets the position, even backwards (truncation)") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\n", true), 1);
  auto again = batch(7, 0, "x\n", true);
  CHECK(p.check(again).first_line == 0);
  p.commit(again, 2);
  CHECK(p.get("k")[0].offset == 2);
}

TEST_CASE("each file of a key has its own position, most recent first") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\n", true), 1);
  p.commit(batch(8, 0, "b\nc\n", true), 2);
  auto all = p.get("k");
  REQUIRE(all.size() == 2);
  CHECK(all[0].file.inode == 8);
  CHECK(all[0].offset == 4);
  CHECK(all[1].file.inode == 7);
  CHECK(p.check(batch(7, 2, "d\n")).note.empty());
  CHECK_FALSE(p.check(batch(7, 10, "d\n")).note.empty()); // a gap
}

TEST_CASE("a forgotten position is dropped, the others stay however old they are") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\n", true), 100);
  p.commit(batch(8, 0, "b\n", true), 200);
  p.commit(batch(9, 0, "c\n", true), 300);
  p.forget("k", file_identity{1, 8});
  auto left = p.get("k");
  REQUIRE(left.size() == 2);
  CHECK(left[0].file.inode == 9);
  CHECK(left[1].file.inode == 7);
  CHECK(p.count("k") == 2);
}

TEST_CASE("a key keeps a position for each of ten thousand files, and finds each by inode or content") {
  // The old cap of 64 positions per key made a restart read a 70-file glob
  // again: every file a key tells about keeps its position until forgotten.
  delivery_positions p;
  constexpr uint64_t files = 10000;
  for (uint64_t i = 1; i <= files; ++i) {
    auto b = batch(i, 0, "line of file " + std::to_string(i) + "\n", true);
    b.file.prefix_len = 16;
    b.file.prefix_hash = i * 7919;
    b.reading = i;
    p.commit(b, static_cast<int64_t>(i));
  }
  REQUIRE(p.count("k") == files);
  REQUIRE(p.get("k").size() == files);
  CHECK(p.get("k").front().file.inode == files); // most recent first
  for (uint64_t i = 1; i <= files; i += 997) {
    auto again = batch(i, 0, "line of file " + std::to_string(i) + "\n");
    again.file.prefix_len = 16;
    again.file.prefix_hash = i * 7919;
    CHECK(p.check(again).drop); // by inode and content (no reading id)
    auto copied = again;        // a copy: another inode, the same content
    copied.file.inode = files + i;
    CHECK(p.check(copied).drop);
    auto next = batch(i, again.end_offset, "more\n");
    next.file = again.file;
    CHECK(p.check(next).note.empty());
  }
  p.forget("k", file_identity{1, 5, 16, 5 * 7919});
  CHECK(p.count("k") == files - 1);
  std::size_t visited = 0;
  p.for_each([&](const std::string& key, const delivered_position&) { visited += key == "k"; });
  CHECK(visited == files - 1);
  CHECK(p.total() == files - 1);
}

TEST_CASE("a restart batch sent again (same reading) is checked like any other, a new reading is not") {
  delivery_positions p;
  auto marker = batch(7, 0, "", true);
  marker.reading = 41;
  auto first = batch(7, 0, "a\nb\n", false);
  first.reading = 41;
  p.commit(marker, 1);
  p.commit(first, 2);
  // A remote sink resends both after a lost connection: nothing is written twice.
  CHECK(p.check(marker).drop);
  CHECK(p.check(first).drop);
  auto overlapping = batch(7, 0, "a\nb\nc\n", true);
  overlapping.reading = 41;
  CHECK(p.check(overlapping).first_line == 2);
  p.commit(overlapping, 3);
  CHECK(p.get("k")[0].offset == 6);
  // A truncation starts a new reading of the same file: read again from 0.
  auto reread = batch(7, 0, "x\n", true);
  reread.reading = 42;
  CHECK(p.check(reread).first_line == 0);
  CHECK_FALSE(p.check(reread).drop);
  p.commit(reread, 4);
  CHECK(p.get("k")[0].offset == 2);
  CHECK(p.get("k")[0].reading == 42);
}

TEST_CASE("a restart that resumes behind the position (not from 0) has its delivered lines skipped") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\nb\nc\n", true), 1);
  // A collector resumed from an older position than the sink has (it asked
  // while batches were still arriving): the overlap is not written again.
  auto resumed = batch(7, 2, "b\nc\nd\n", true);
  resumed.reading = 9;
  CHECK(p.check(resumed).first_line == 2);
  p.commit(resumed, 2);
  CHECK(p.get("k")[0].offset == 8);
}

TEST_CASE("positions that moved in the same millisecond list the one recorded last first") {
  delivery_positions p;
  p.commit(batch(7, 0, "a\n", true), 5);  // the file a rotation finished
  p.commit(batch(8, 0, "", true), 5);      // the new file, opened in the same ms
  auto list = p.get("k");
  REQUIRE(list.size() == 2);
  CHECK(list[0].file == file_identity{1, 8});
}

TEST_CASE("a truncated inode read again keeps the position of its old content, which a copy goes on with") {
  // copytruncate, then a resend after an aggregator restart that lost the
  // acknowledgements but not the commit: the old reading's batches (of inode
  // 7, then of its copy, inode 8) come again after the new reading of inode
  // 7 was committed; none of them may be written twice.
  delivery_positions p;
  auto first = batch(7, 0, "a1\n", true); // an early batch hashed fewer bytes
  first.file = file_identity{1, 7, 3, 0xA03};
  first.reading = 1;
  auto old_content = batch(7, 3, "a2\na3\na4\n");
  old_content.file = file_identity{1, 7, 12, 0xA11};
  old_content.reading = 1;
  auto in_copy = batch(8, 12, "a5\na6\n"); // the copy, read on where inode 7 ended
  in_copy.file = file_identity{1, 8, 12, 0xA11};
  in_copy.reading = 1;
  auto fresh = batch(7, 0, "b1\n", true); // inode 7 read again from 0: a new reading
  fresh.file = file_identity{1, 7, 6, 0xB11};
  fresh.reading = 2;
  for (auto* b : {&first, &old_content, &in_copy, &fresh}) {
    CHECK(p.check(*b).first_line == 0);
    CHECK_FALSE(p.check(*b).drop);
    p.commit(*b, 1);
  }
  // Everything again, in the order it was sent: all of it is dropped.
  for (auto* b : {&first, &old_content, &in_copy, &fresh}) {
    INFO(b->start_offset << " of inode " << b->file.inode);
    CHECK(p.check(*b).drop);
  }
  // And the new reading goes on from its own position.
  auto next = batch(7, 3, "b2\n");
  next.file = file_identity{1, 7, 12, 0xB22};
  next.reading = 2;
  auto c = p.check(next);
  CHECK(c.first_line == 0);
  CHECK_FALSE(c.drop);
  CHECK(c.note.empty());
  p.commit(next, 2);
  CHECK(p.get("k").front().offset == 6);
  CHECK(p.get("k").front().reading == 2);
}

TEST_CASE("a reading that hashed nothing yet keeps its position when another reading restarts its inode") {
  // Found by the simulation (seed 17906982347418662444): inode 7 is deleted
  // after being read to 897; its inode number comes back for a copytruncate
  // copy. Reading 2 opened inode 9 holding only a partial line (position at
  // 0, nothing hashed); the copy took that partial line (inode 7 again), and
  // inode 9, renamed, was read by reading 3 from 0. Reading 2 then goes on in
  // the copy from 0: its line must not be taken for one of the old inode 7.
  delivery_positions p;
  auto old_file = batch(7, 0, "old\n", true);
  old_file.file = file_identity{1, 7, 897, 0x897};
  old_file.end_offset = 897;
  old_file.reading = 1;
  p.commit(old_file, 1);
  auto opened = batch(9, 0, "", true); // a partial line held: nothing sent yet
  opened.reading = 2;
  p.commit(opened, 2);
  auto renamed = batch(9, 0, "line 51\n", true);
  renamed.file = file_identity{1, 9, 8, 0x51};
  renamed.reading = 3;
  CHECK_FALSE(p.check(renamed).drop);
  p.commit(renamed, 3);
  auto in_copy = batch(7, 0, "line 50\n"); // reading 2 goes on in the copy
  in_copy.file = file_identity{1, 7, 8, 0x50};
  in_copy.reading = 2;
  auto c = p.check(in_copy);
  CHECK(c.first_line == 0);
  CHECK_FALSE(c.drop);
}

TEST_CASE("forgetting a gone file keeps the position of its copy, which has the same first bytes") {
  // copytruncate, then the original deleted: the reading goes on in the
  // copy (another inode, the same content hash), whose position must stay.
  delivery_positions p;
  auto original = batch(7, 0, "a\nb\n", true);
  original.file = file_identity{1, 7, 4, 0xAB};
  original.reading = 1;
  p.commit(original, 1);
  auto in_copy = batch(8, 4, "c\n");
  in_copy.file = file_identity{1, 8, 4, 0xAB};
  in_copy.reading = 1;
  p.commit(in_copy, 2);
  auto other = batch(9, 0, "x\n", true);
  other.file = file_identity{1, 9, 4, 0xCD}; // an unrelated file
  other.reading = 2;
  p.commit(other, 3);
  p.forget("k", file_identity{1, 7, 4, 0xAB});
  auto left = p.get("k");
  REQUIRE(left.size() == 2);
  CHECK(left[1].file.inode == 8);
  CHECK(left[1].offset == 6);
}
