#include "actors/sink/output_writer.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <sys/stat.h>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::read_file;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

namespace {

sink_config file_sink(const std::string& path) {
  sink_config cfg;
  cfg.type = sink_type::file;
  cfg.path = path;
  return cfg;
}

uint64_t inode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

} // namespace

TEST_CASE("an output file knows its identity and the length it had when opened") {
  temp_dir dir;
  write_file(dir / "out.log", "twelve bytes");
  output_writer out{file_sink(dir / "out.log")};
  CHECK(out.is_file());
  CHECK(out.inode() == inode_of(dir / "out.log"));
  CHECK(out.length_at_open() == 12);
  CHECK(out.check_path() == output_writer::path_state::same);
  out.write("more\n", 5);
  CHECK(out.check_path() == output_writer::path_state::same);
}

TEST_CASE("an output renamed away is seen as missing, then as replaced once a new file is created") {
  temp_dir dir;
  output_writer out{file_sink(dir / "out.log")};
  REQUIRE(std::rename((dir / "out.log").c_str(), (dir / "out.log.1").c_str()) == 0);
  CHECK(out.check_path() == output_writer::path_state::missing);
  write_file(dir / "out.log", "");
  CHECK(out.check_path() == output_writer::path_state::replaced);
  // Writes still go to the open, rotated file until the sink reopens.
  out.write("late\n", 5);
  CHECK(read_file(dir / "out.log.1") == "late\n");
  output_writer reopened{file_sink(dir / "out.log")};
  CHECK(reopened.inode() != out.inode());
  CHECK(reopened.check_path() == output_writer::path_state::same);
}

TEST_CASE("an output deleted is seen as missing, and as deleted once another file is at its path") {
  temp_dir dir;
  output_writer out{file_sink(dir / "out.log")};
  REQUIRE(std::remove((dir / "out.log").c_str()) == 0);
  CHECK(out.check_path() == output_writer::path_state::missing);
  write_file(dir / "out.log", "someone else's\n");
  CHECK(out.check_path() == output_writer::path_state::deleted);
}

TEST_CASE("stdout has no identity and never moves") {
  output_writer out{sink_config{}};
  CHECK_FALSE(out.is_file());
  CHECK(out.inode() == 0);
  CHECK(out.check_path() == output_writer::path_state::same);
}
