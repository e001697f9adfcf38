#include "actors/sink/sink_recovery.hpp"

#include "actors/sink/output_writer.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <sys/stat.h>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::contains;
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

struct stat stat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

/// A state naming the file now at `path`, `length` bytes of it committed,
/// as the sink commits it.
sink_checkpoint committed_state(const std::string& path, uint64_t length) {
  sink_checkpoint cp;
  cp.has_sink_length = true;
  cp.sink_length = length;
  cp.sink_path = path;
  cp.has_sink_identity = true;
  cp.sink_file = output_writer{file_sink(path)}.identity(length);
  file_checkpoint f;
  f.key = "app";
  f.file = file_identity{1, 2, 0, 0};
  f.offset = 99;
  f.path = "/var/log/app.log";
  cp.files.push_back(f);
  return cp;
}

/// `body` closed by its CRC-32 trailer (bitwise, independent of the encoder).
std::string with_trailer(const std::string& body) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : body) {
    c ^= b;
    for (int k = 0; k < 8; ++k)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08X", ~c);
  return body + "crc32 " + hex + "\n";
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (auto& l : lines)
    all += l + "\n";
  return all;
}

} // namespace

TEST_CASE("recovery cuts what was written after the last commit from the file the checkpoint names") {
  temp_dir dir;
  auto out = dir / "out.log";
  write_file(out, "committed\n");
  checkpoint_file state{dir / "logcatch.state"};
  state.save(committed_state(out, 10));
  write_file(out, "not committed\n");
  auto r = recover_sink(file_sink(out), state);
  CHECK(read_file(out) == "committed\n");
  CHECK(r.output_length == 10);
  CHECK(r.state_saved);
  REQUIRE(r.files.size() == 1);
  CHECK(r.files[0].offset == 99);
  INFO(joined(r.notes));
  CHECK(contains(joined(r.notes), out + ": cut 14 bytes written after the last commit"));
}

TEST_CASE("after a rotation recovery cuts the rotated file the checkpoint names and leaves the new one alone") {
  temp_dir dir;
  auto out = dir / "out.log";
  write_file(out, "line 1\nline 2\n");
  checkpoint_file state{dir / "logcatch.state"};
  state.save(committed_state(out, 7)); // "line 1\n"
  // Rotated by rename (logrotate `create`) after the commit, before any reopen.
  REQUIRE(std::rename(out.c_str(), (dir / "out.log.1").c_str()) == 0);
  write_file(out, "someone's own line\n");
  auto new_inode = stat_of(out).st_ino;
  auto r = recover_sink(file_sink(out), state);
  CHECK(read_file(dir / "out.log.1") == "line 1\n");
  CHECK(read_file(out) == "someone's own line\n"); // not cut to another file's length
  CHECK(r.output_length == 19);
  INFO(joined(r.notes) << joined(r.problems));
  CHECK(r.problems.empty());
  CHECK(contains(joined(r.notes), out + " was rotated to " + dir / "out.log.1"));
  // The state now names the file at the path: a kill from here on cuts that one.
  auto saved = state.load();
  REQUIRE(saved.state);
  CHECK(saved.state->sink_file.inode == new_inode);
  CHECK(saved.state->sink_length == 19);
  CHECK(saved.state->files == r.files);
}

TEST_CASE("a rotated output that is gone is reported and the file at the path is not cut") {
  temp_dir dir;
  auto out = dir / "out.log";
  write_file(out, "line 1\nline 2\n");
  checkpoint_file state{dir / "logcatch.state"};
  state.save(committed_state(out, 7));
  // Rotated, compressed and the uncompressed file deleted.
  REQUIRE(std::rename(out.c_str(), (dir / "out.log.1").c_str()) == 0);
  REQUIRE(std::remove((dir / "out.log.1").c_str()) == 0);
  write_file(out, "a longer line that is not ours at all\n");
  auto r = recover_sink(file_sink(out), state);
  CHECK(read_file(out) == "a longer line that is not ours at all\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(contains(r.problems[0], "was rotated away and is no longer in " + dir.path()));
}

TEST_CASE("a version 2 state, which does not name the output's identity, cuts the file at the path and is saved as version 3") {
  temp_dir dir;
  auto out = dir / "out.log";
  write_file(out, "committed\nnot committed\n");
  write_file(dir / "logcatch.state", with_trailer("logcatch-state 2\nsink 10 " + out + "\n"), false);
  checkpoint_file state{dir / "logcatch.state"};
  auto r = recover_sink(file_sink(out), state);
  CHECK(read_file(out) == "committed\n");
  INFO(joined(r.problems));
  CHECK(r.problems.empty());
  CHECK(read_file(dir / "logcatch.state").rfind("logcatch-state 3\n", 0) == 0);
  auto saved = state.load();
  REQUIRE(saved.state);
  CHECK(saved.state->has_sink_identity);
  CHECK(saved.state->sink_file.inode == stat_of(out).st_ino);
  CHECK(saved.state->sink_length == 10);
}

TEST_CASE("a starting state that cannot be saved is reported and not counted as saved") {
  temp_dir dir;
  auto out = dir / "out.log";
  // A folder where the temporary state file goes: even root cannot create it.
  REQUIRE(::mkdir((dir / "logcatch.state.tmp").c_str(), 0755) == 0);
  checkpoint_file state{dir / "logcatch.state"};
  auto r = recover_sink(file_sink(out), state);
  CHECK_FALSE(r.state_saved);
  REQUIRE(r.problems.size() == 1);
  CHECK(contains(r.problems[0], "logcatch.state.tmp: cannot create state file: Is a directory"));
}

TEST_CASE("a file that reused the inode of a deleted output is not cut to that output's length") {
  temp_dir dir;
  auto out = dir / "out.log";
  write_file(out, "line 1\nline 2\n");
  checkpoint_file state{dir / "logcatch.state"};
  auto committed = committed_state(out, 7);
  REQUIRE(std::remove(out.c_str()) == 0);
  write_file(out, "a longer line that is not ours at all\n");
  // Whether or not the file system gave it the same inode, it is not cut.
  state.save(committed);
  auto r = recover_sink(file_sink(out), state);
  CHECK(read_file(out) == "a longer line that is not ours at all\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(contains(r.problems[0], "was rotated away and is no longer in " + dir.path()));
}
