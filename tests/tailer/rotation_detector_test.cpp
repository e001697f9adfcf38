#include "actors/tailer/rotation_detector.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;

namespace {

path_status file(uint64_t inode, uint64_t size = 100, uint64_t links = 1) {
  path_status s;
  s.exists = true;
  s.regular = true;
  s.id = file_identity{1, inode};
  s.size = size;
  s.links = links;
  return s;
}

} // namespace

TEST_CASE("the same file at the path with nothing new is no change") {
  CHECK(classify_file_change(file(42), 100, file(42)) == file_change::none);
}

TEST_CASE("a file shorter than the read offset was truncated") {
  CHECK(classify_file_change(file(42, 10), 100, file(42, 10)) == file_change::truncated);
}

TEST_CASE("a file whose first bytes changed was truncated and written again") {
  CHECK(classify_file_change(file(42, 500), 100, file(42, 500), true) == file_change::truncated);
}

TEST_CASE("truncation wins over rotation") {
  CHECK(classify_file_change(file(42, 0), 100, file(43, 0)) == file_change::truncated);
}

TEST_CASE("another file at the path means the open file was rotated") {
  CHECK(classify_file_change(file(42), 100, file(43, 0)) == file_change::rotated);
}

TEST_CASE("a renamed file whose successor is not created yet was rotated") {
  CHECK(classify_file_change(file(42, 100, 1), 100, path_status{}) == file_change::rotated);
}

TEST_CASE("an unlinked file with nothing at the path was deleted") {
  CHECK(classify_file_change(file(42, 100, 0), 100, path_status{}) == file_change::deleted);
  auto dir = file(43);
  dir.regular = false;
  CHECK(classify_file_change(file(42, 100, 0), 100, dir) == file_change::deleted);
}
