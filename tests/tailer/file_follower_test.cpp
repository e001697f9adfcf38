#include "actors/tailer/file_follower.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fcntl.h>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

namespace {

/// Steps until the follower reports at_end/no_file; returns all lines read
/// and the batches (for their positions).
struct drained {
  std::vector<std::string> lines;
  std::vector<line_batch> batches;
  follow_status last = follow_status::progress;
};

drained drain(file_follower& f, std::size_t budget = 1 << 20) {
  drained d;
  for (int i = 0; i < 10000; ++i) {
    line_batch b;
    d.last = f.step(b, budget);
    uint32_t begin = 0;
    for (auto end : b.ends) {
      d.lines.push_back(b.data.substr(begin, end - begin - 1));
      begin = end;
    }
    if (b.restart || !b.empty())
      d.batches.push_back(std::move(b));
    if (d.last != follow_status::progress)
      break;
  }
  return d;
}

/// Waits until the coarse clock that stamps file times has passed the birth
/// time of `path`, so that the next file created is born later.
void wait_for_clock_after_birth_of(const std::string& path) {
  struct statx sx {};
  REQUIRE(::statx(AT_FDCWD, path.c_str(), 0, STATX_BTIME, &sx) == 0);
  if ((sx.stx_mask & STATX_BTIME) == 0)
    return; // no birth times here: the order falls back to inode numbers
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (now.tv_sec > sx.stx_btime.tv_sec ||
        (now.tv_sec == sx.stx_btime.tv_sec && now.tv_nsec > static_cast<long>(sx.stx_btime.tv_nsec)))
      return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    ::usleep(200);
  }
}

file_follower::options opts_for(const std::string& path, read_from start = read_from::head) {
  file_follower::options o;
  o.path = path;
  o.start = start;
  o.read_block = 64; // small blocks exercise lines split across reads
  return o;
}

} // namespace

TEST_CASE("follower reads complete lines and holds a partial one") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "one\ntwo\nthr");
  file_follower f{opts_for(path), std::nullopt};
  auto d = drain(f);
  CHECK(d.last == follow_status::at_end);
  CHECK(d.lines == std::vector<std::string>{"one", "two"});
  REQUIRE_FALSE(d.batches.empty());
  CHECK(d.batches.front().restart);
  CHECK(d.batches.back().end_offset == 8);
  write_file(path, "ee\n");
  CHECK(drain(f).lines == std::vector<std::string>{"three"});
}

TEST_CASE("follower waits for a file that does not exist yet") {
  temp_dir dir;
  auto path = dir / "later.log";
  file_follower f{opts_for(path), std::nullopt};
  CHECK(drain(f).last == follow_status::no_file);
  write_file(path, "first\n");
  CHECK(drain(f).lines == std::vector<std::string>{"first"});
}

TEST_CASE("read_from tail skips what exists at start, but not a file created later") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "old\n");
  file_follower f{opts_for(path, read_from::tail), std::nullopt};
  CHECK(drain(f).lines.empty());
  write_file(path, "new\n");
  CHECK(drain(f).lines == std::vector<std::string>{"new"});

  auto later = dir / "b.log";
  file_follower g{opts_for(later, read_from::tail), std::nullopt};
  CHECK(drain(g).last == follow_status::no_file);
  write_file(later, "all of it\n");
  CHECK(drain(g).lines == std::vector<std::string>{"all of it"});
}

TEST_CASE("a renamed file is read to its end before the new file at the path") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "a1\n");
  file_follower f{opts_for(path), std::nullopt};
  CHECK(drain(f).lines == std::vector<std::string>{"a1"});
  write_file(path, "a2\nunterminated");
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  write_file(path, "b1\n");
  auto d = drain(f);
  CHECK(d.lines == std::vector<std::string>{"a2", "unterminated", "b1"});
  CHECK(f.rotations() == 1);
  // The switch to the new file is marked, so the sink takes its offset 0.
  bool marked = false;
  for (auto& b : d.batches)
    if (b.restart && b.start_offset == 0 && b.path == path)
      marked = true;
  CHECK(marked);
}

TEST_CASE("a truncated file is read again from offset 0") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "one\ntwo\n");
  file_follower f{opts_for(path), std::nullopt};
  CHECK(drain(f).lines.size() == 2);
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  CHECK(drain(f).lines.empty());
  CHECK(f.truncations() == 1);
  write_file(path, "three\n");
  CHECK(drain(f).lines == std::vector<std::string>{"three"});
}

TEST_CASE("a deleted and re-created file is followed again from its start") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "one\n");
  file_follower f{opts_for(path), std::nullopt};
  CHECK(drain(f).lines.size() == 1);
  REQUIRE(std::remove(path.c_str()) == 0);
  CHECK(drain(f).last == follow_status::no_file);
  write_file(path, "again\n");
  CHECK(drain(f).lines == std::vector<std::string>{"again"});
}

TEST_CASE("resume finds a file renamed within its folder by identity, then moves on") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "one\ntwo\n");
  resume_position pos;
  {
    file_follower f{opts_for(path), std::nullopt};
    auto d = drain(f);
    pos = resume_position{f.open_file(), 4, path}; // only "one" was delivered
  }
  write_file(path, "three\n");
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  write_file(path, "new\n");
  file_follower f{opts_for(path, read_from::tail), pos};
  CHECK(drain(f).lines == std::vector<std::string>{"two", "three", "new"});
}

TEST_CASE("resume of a file that is gone starts with the file at the path") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "current\n");
  resume_position pos{file_identity{999999, 999999}, 50, dir / "gone.log"};
  file_follower f{opts_for(path), pos};
  CHECK(drain(f).lines == std::vector<std::string>{"current"});
  auto notices = f.take_notices();
  REQUIRE_FALSE(notices.empty());
  CHECK(notices.front().warning);
}

TEST_CASE("a path that is a directory is reported once and retried") {
  temp_dir dir;
  auto path = dir / "d";
  REQUIRE(::mkdir(path.c_str(), 0755) == 0);
  file_follower f{opts_for(path), std::nullopt};
  CHECK(drain(f).last == follow_status::no_file);
  CHECK(drain(f).last == follow_status::no_file);
  auto notices = f.take_notices();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].text.find("not a regular file") != std::string::npos);
  REQUIRE(::rmdir(path.c_str()) == 0);
  write_file(path, "now a file\n");
  CHECK(drain(f).lines == std::vector<std::string>{"now a file"});
}

TEST_CASE("an unreadable file is reported and read once permissions allow") {
  if (::geteuid() == 0)
    SUCCEED("running as root: permissions do not apply (the CLI test covers it as another user)");
  else {
    temp_dir dir;
    auto path = dir / "secret.log";
    write_file(path, "hidden\n");
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    file_follower f{opts_for(path), std::nullopt};
    CHECK(drain(f).last == follow_status::no_file);
    auto notices = f.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].text.find("Permission denied") != std::string::npos);
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    CHECK(drain(f).lines == std::vector<std::string>{"hidden"});
  }
}

TEST_CASE("a reused inode with other content is not taken for the delivered file") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "new file, new content\n");
  auto here = stat_path(path);
  // A position on this inode, but recorded for other bytes (the file that
  // had the inode before): it must not be resumed at offset 40.
  std::string old = "old content, long gone now, forty bytes\n";
  resume_position pos{here.id, 40, path};
  pos.file.prefix_len = static_cast<uint32_t>(old.size());
  pos.file.prefix_hash = hash_bytes(old.data(), old.size());
  file_follower f{opts_for(path), pos};
  CHECK(drain(f).lines == std::vector<std::string>{"new file, new content"});
}

TEST_CASE("a file shorter than the fingerprint is the same file once it grows past it") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto o = opts_for(path);
  o.fingerprint_bytes = 64;
  write_file(path, "short\n");
  file_follower f{o, std::nullopt};
  auto first = drain(f);
  auto short_id = first.batches.back().file;
  CHECK(short_id.prefix_len == 6);
  write_file(path, std::string(100, 'x') + "\n");
  auto second = drain(f);
  auto long_id = second.batches.back().file;
  CHECK(long_id.prefix_len == 64);
  // Different prefix lengths: (device, inode) decides, and it is the same.
  CHECK(same_file(short_id, long_id));
  // Once both are full fingerprints, content decides.
  CHECK(same_file(long_id, f.identity_at(200)));
}

TEST_CASE("two files with identical first bytes are taken for copies of each other (documented)") {
  temp_dir dir;
  auto path = dir / "a.log";
  auto o = opts_for(path);
  o.fingerprint_bytes = 16;
  std::string header = "HEADER-16-BYTES\n"; // the same first 16 bytes in both files
  write_file(path, header + "first file line\n");
  resume_position pos;
  {
    file_follower f{o, std::nullopt};
    drain(f);
    pos = resume_position{f.identity_at(32), 32, path};
  }
  // The first file goes away; another with the same header takes its place.
  REQUIRE(std::remove(path.c_str()) == 0);
  write_file(path, header + "other file line\nand more\n");
  file_follower f{o, pos};
  // Taken for the same file (content decides): read on at offset 32.
  CHECK(drain(f).lines == std::vector<std::string>{"and more"});
}

TEST_CASE("a resumed plain path reads files rotated meanwhile, oldest first, before the new one") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "a 0 x\na 1 x\n");
  resume_position pos;
  {
    file_follower f{opts_for(path), std::nullopt};
    drain(f);
    pos = resume_position{f.identity_at(6), 6, path}; // only "a 0" was delivered
  }
  // Two rotations while the key was not being read: A -> a.log.1, B -> a.log.2.
  auto now = std::filesystem::file_time_type::clock::now();
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  write_file(path, "b 0 x\nb 1 x\n");
  REQUIRE(std::rename(path.c_str(), (path + ".2").c_str()) == 0);
  write_file(path, "c 0 x\n");
  write_file(dir / "a.log.0.gz", "compressed, never read\n");
  write_file(dir / "other.log", "not a rotated name\n");
  std::filesystem::last_write_time(path + ".1", now - std::chrono::seconds(30));
  std::filesystem::last_write_time(path + ".2", now - std::chrono::seconds(20));
  std::filesystem::last_write_time(dir / "a.log.0.gz", now - std::chrono::seconds(10));
  file_follower f{opts_for(path), pos};
  CHECK(drain(f).lines == std::vector<std::string>{"a 1 x", "b 0 x", "b 1 x", "c 0 x"});
}

TEST_CASE("a resumed plain path reads a burst of rotations of one clock tick in creation order") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "a 0 x\na 1 x\n");
  resume_position pos;
  {
    file_follower f{opts_for(path), std::nullopt};
    drain(f);
    pos = resume_position{f.identity_at(6), 6, path};
  }
  // Four rotations within one mtime tick: every rotated file has the same
  // mtime. Each file is born on a later tick of the coarse clock that file
  // times come from (ext4 reuses freed inodes, so inode numbers alone do not
  // follow creation order while other tests delete files).
  std::vector<std::string> expected{"a 1 x"};
  for (int i = 1; i <= 4; ++i) {
    REQUIRE(std::rename(path.c_str(), (path + "." + std::to_string(i)).c_str()) == 0);
    wait_for_clock_after_birth_of(path + "." + std::to_string(i));
    auto line = std::string(1, static_cast<char>('a' + i)) + " 0 x";
    write_file(path, line + "\n");
    expected.push_back(line);
  }
  auto tick = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(5);
  for (int i = 1; i <= 4; ++i)
    std::filesystem::last_write_time(path + "." + std::to_string(i), tick);
  file_follower f{opts_for(path), pos};
  CHECK(drain(f).lines == expected);
}

TEST_CASE("a catch-up skips rotated files of the same tick that were delivered before") {
  temp_dir dir;
  auto path = dir / "a.log";
  // a.log.1 was read to its end before a.log.2; a.log.2 was being read.
  write_file(path + ".1", "old 0 x\n");
  wait_for_clock_after_birth_of(path + ".1");
  write_file(path + ".2", "mid 0 x\nmid 1 x\n");
  wait_for_clock_after_birth_of(path + ".2");
  write_file(path + ".3", "new 0 x\n");
  write_file(path, "cur 0 x\n");
  auto identity_of = [&](const std::string& p, uint64_t offset) {
    file_follower f{opts_for(p), std::nullopt};
    drain(f);
    return resume_position{f.identity_at(offset), offset, p};
  };
  auto old_done = identity_of(path + ".1", 8);
  auto mid = identity_of(path + ".2", 8);
  auto tick = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(5);
  for (auto* name : {".1", ".2", ".3"})
    std::filesystem::last_write_time(path + name, tick);
  auto o = opts_for(path);
  o.delivered = {mid, old_done};
  file_follower f{o, mid};
  CHECK(drain(f).lines == std::vector<std::string>{"mid 1 x", "new 0 x", "cur 0 x"});
}

TEST_CASE("a plain path resumed at an older file goes on in the file at the path where it was delivered") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "old 0 x\n");
  auto old_done = [&] {
    file_follower f{opts_for(path), std::nullopt};
    drain(f);
    return resume_position{f.identity_at(8), 8, path};
  }();
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  write_file(path, "new 0 x\nnew 1 x\n");
  auto new_part = [&] {
    file_follower f{opts_for(path), std::nullopt};
    drain(f);
    return resume_position{f.identity_at(8), 8, path};
  }();
  // The restart picked the old file (ties in time); the new one's position
  // is known too: "new 0" is not read again.
  auto o = opts_for(path);
  o.delivered = {old_done, new_part};
  file_follower f{o, old_done};
  CHECK(drain(f).lines == std::vector<std::string>{"new 1 x"});
}

TEST_CASE("a plain path that was being read does not read other rotated names") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path + ".7", "old rotated file\n");
  write_file(path, "a 0 x\n");
  file_follower f{opts_for(path), std::nullopt};
  drain(f);
  write_file(path + ".7", "touched later\n");
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  write_file(path, "b 0 x\n");
  CHECK(drain(f).lines == std::vector<std::string>{"b 0 x"});
}

TEST_CASE("after catching up, a burst larger than the first small read is read in one step") {
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "first\n");
  auto o = opts_for(path);
  o.read_block = 64 * 1024;
  file_follower f{o, std::nullopt};
  CHECK(drain(f).lines == std::vector<std::string>{"first"}); // caught up: next reads start small
  std::string burst;
  std::vector<std::string> lines;
  for (int i = 0; burst.size() < 40 * 1024; ++i) {
    lines.push_back("line " + std::to_string(i) + " " + std::string(i % 50, 'x'));
    burst += lines.back() + "\n";
  }
  write_file(path, burst + "partial");
  line_batch b;
  CHECK(f.step(b, 1 << 20) == follow_status::progress);
  CHECK(b.line_count() == lines.size()); // the whole burst, not just its first read
  CHECK(b.start_offset == 6);
  CHECK(b.end_offset == 6 + burst.size());
  CHECK(f.emitted_offset() == 6 + burst.size());
  line_batch none;
  CHECK(f.step(none, 1 << 20) == follow_status::at_end);
  CHECK(none.empty());
}

TEST_CASE("a copytruncate between the check of the first bytes and the read tears no line and skips none") {
  // The writer copies the file, truncates it and writes past our offset
  // again, all between the follower's check of the first bytes and its
  // read: the read finds new content at an old offset.
  temp_dir dir;
  auto path = dir / "a.log";
  std::string old_content, new_content;
  for (int i = 0; i < 40; ++i)
    old_content += "old " + std::to_string(i) + " some text here\n";
  for (int i = 0; i < 80; ++i)
    new_content += "new " + std::to_string(i) + " other text\n";
  write_file(path, old_content.substr(0, 300)); // the follower reads 300 bytes first: mid-line
  auto o = opts_for(path);
  file_follower f{o, std::nullopt};
  auto first = drain(f);
  REQUIRE(!first.lines.empty());
  write_file(path, old_content.substr(300)); // the rest of the old content
  bool struck = false;
  f.before_read = [&] {
    if (struck)
      return;
    struck = true;
    write_file(path + ".1", old_content, false);            // copy
    REQUIRE(::truncate(path.c_str(), 0) == 0);               // truncate
    write_file(path, new_content, true);                      // and more than we read
  };
  auto rest = drain(f);
  REQUIRE(struck);
  std::vector<std::string> all = first.lines;
  all.insert(all.end(), rest.lines.begin(), rest.lines.end());
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i)
    expected.push_back("old " + std::to_string(i) + " some text here");
  for (int i = 0; i < 80; ++i)
    expected.push_back("new " + std::to_string(i) + " other text");
  CHECK(all == expected);
}
