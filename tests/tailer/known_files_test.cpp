#include "actors/tailer/known_files.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;

TEST_CASE("a compressed copy on a reused inode keeps the other file's known position") {
  // Found by the soak (seed 14833178710744295876): a file was read to 123,
  // copied (copytruncate) and deleted; its inode number came back for a .gz
  // of another file. Recording the .gz's position must not drop the first
  // file's: its copy is found by that position's content.
  known_files k{1024};
  resume_position copied{file_identity{1, 538, 123, 0xAAA}, 123, "/logs/kb-8.log", 297};
  k.put(copied);
  k.put_compressed(resume_position{file_identity{1, 538, 621, 0xBBB}, 621, "/logs/kb-1.log.1.gz", 585});
  REQUIRE(k.size() == 2);
  auto all = k.oldest_first();
  CHECK(all[0].file == copied.file);
  CHECK(all[0].offset == 123);
  CHECK(all[1].offset == 621);
}

TEST_CASE("a compressed copy's position replaces the one of the same content") {
  known_files k{1024};
  k.put(resume_position{file_identity{1, 7, 621, 0xBBB}, 500, "/logs/app.log.1", 5});
  k.put_compressed(resume_position{file_identity{1, 9, 621, 0xBBB}, 621, "/logs/app.log.1.gz", 5});
  REQUIRE(k.size() == 1);
  CHECK(k.oldest_first()[0].offset == 621);
  CHECK(k.oldest_first()[0].path == "/logs/app.log.1.gz");
}
