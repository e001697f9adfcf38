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

TEST_CASE("a truncated reading's position keeps the inode's position of the content copied away before") {
  // Found by the core simulation (seed 12737587202604730973): ka.log was
  // read to 519 and closed while idle; copytruncate moved that content to
  // ka.log-2026..., and ka.log was read again from 0 (new content, another
  // reading) until it was truncated once more. Recording that reading's
  // position, with no file left to compare, took the older position for an
  // earlier offset of the same reading (same inode) and dropped it: the copy
  // was then read from 0, a line twice.
  known_files k{1024};
  resume_position copied_away{file_identity{1, 7, 519, 0xAAA}, 519, "/logs/ka.log", 11};
  k.put(copied_away);
  k.put(resume_position{file_identity{1, 7, 1024, 0xBBB}, 1464, "/logs/ka.log", 12});
  REQUIRE(k.size() == 2);
  auto all = k.oldest_first();
  CHECK(all[0].file.prefix_hash == 0xAAA);
  CHECK(all[0].offset == 519);
  CHECK(all[1].offset == 1464);
}

TEST_CASE("a truncated reading's position replaces the earlier positions of the same reading") {
  known_files k{1024};
  k.put(resume_position{file_identity{1, 7, 300, 0xAAA}, 300, "/logs/ka.log", 11});
  k.put(resume_position{file_identity{1, 7, 800, 0xBBB}, 800, "/logs/ka.log", 11});
  REQUIRE(k.size() == 1);
  CHECK(k.oldest_first()[0].offset == 800);
}
