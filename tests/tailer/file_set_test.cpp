#include "actors/tailer/file_set.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <set>
#include <unistd.h>
#include <zlib.h>

#include "bench/workload/delivery_verifier.hpp"
#include "bench/workload/numbered_writer.hpp"
#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

namespace {

file_set::options glob_opts(const std::string& pattern) {
  file_set::options o;
  o.pattern = pattern;
  o.follower.read_block = 4096;
  o.follower.fingerprint_bytes = 64;
  return o;
}

/// Steps (no scan) until nothing is left to do, at most `steps` times;
/// feeds every line to `v`.
void step_until_idle(file_set& set, delivery_verifier& v, int steps) {
  for (int i = 0; i < steps; ++i) {
    line_batch b;
    auto status = set.step(b, 1 << 20);
    uint32_t begin = 0;
    for (auto end : b.ends) {
      v.on_line(b.data.data() + begin, end - begin - 1);
      begin = end;
    }
    if (status != follow_status::progress)
      return;
  }
}

/// Scans, then steps until every file is read; feeds every line to `v`.
void drain(file_set& set, delivery_verifier& v) {
  set.scan();
  step_until_idle(set, v, 100000);
}

void require_clean(const delivery_verifier& v, const std::map<std::string, uint64_t>& written) {
  for (auto& r : v.report(written)) {
    INFO(r.stream << ": written " << r.written << " unique " << r.unique << " dup " << r.duplicated);
    CHECK(r.lost == 0);
    CHECK(r.duplicated == 0);
    CHECK(r.out_of_order == 0);
  }
}

/// Followers made by hand on one file_set as their registry (how the
/// tailer's claims meet): each step's lines gathered in `lines`.
struct registry_readers {
  file_set& set;
  std::vector<std::string> lines;

  std::unique_ptr<file_follower> follower_of(const std::string& path) {
    file_follower::options o;
    o.path = path;
    o.read_block = 4096;
    o.fingerprint_bytes = 64;
    o.registry = &set;
    return std::make_unique<file_follower>(o, std::nullopt);
  }
  /// Steps `f` until it has nothing more to do (at most 100 steps).
  void read_some(file_follower& f) {
    for (int i = 0; i < 100; ++i) {
      line_batch b;
      auto status = f.step(b, 1 << 20);
      uint32_t begin = 0;
      for (auto end : b.ends) {
        lines.push_back(b.data.substr(begin, end - begin - 1));
        begin = end;
      }
      if (status != follow_status::progress)
        break;
    }
  }
};

} // namespace

TEST_CASE("a glob follows every matching file and finds new ones, minus excluded and old ones") {
  temp_dir dir;
  write_file(dir / "a.log", "a 0 x\n");
  write_file(dir / "b.log", "b 0 x\n");
  write_file(dir / "c.log.gz", "gz 0 x\n");
  write_file(dir / "old.log", "old 0 x\n");
  auto old_time = std::filesystem::file_time_type::clock::now() - std::chrono::hours(48);
  std::filesystem::last_write_time(dir / "old.log", old_time);
  auto o = glob_opts(dir / "*.log*");
  o.exclude = {"*.gz"};
  o.ignore_older = std::chrono::hours(24);
  file_set set{o, {}};
  delivery_verifier v;
  drain(set, v);
  CHECK(set.files() == 2);
  write_file(dir / "d.log", "d 0 x\n");
  drain(set, v);
  CHECK(set.files() == 3);
  require_clean(v, {{"a", 1}, {"b", 1}, {"d", 1}});
  CHECK(v.unique("gz") == 0);
  CHECK(v.unique("old") == 0);
}

TEST_CASE("rotation by rename within a glob reads every line once") {
  temp_dir dir;
  numbered_writer::options w;
  w.path = dir / "app.log";
  w.stream = "app";
  w.rotate_every = 50;
  numbered_writer writer{w};
  file_set set{glob_opts(dir / "app.log*"), {}};
  delivery_verifier v;
  for (int round = 0; round < 12; ++round) {
    writer.write_lines(37); // rotations land between and during reads
    drain(set, v);
  }
  drain(set, v);
  CHECK(writer.rotations() >= 8);
  require_clean(v, {{"app", writer.written()}});
}

TEST_CASE("copytruncate within a glob reads every line once, the rest from the copy") {
  temp_dir dir;
  numbered_writer::options w;
  w.path = dir / "app.log";
  w.stream = "app";
  w.rotate_every = 40;
  w.mode = rotation_mode::copytruncate;
  numbered_writer writer{w};
  file_set set{glob_opts(dir / "app.log*"), {}};
  delivery_verifier v;
  for (int round = 0; round < 12; ++round) {
    writer.write_lines(31);
    drain(set, v);
  }
  drain(set, v);
  CHECK(writer.rotations() >= 8);
  require_clean(v, {{"app", writer.written()}});
}

TEST_CASE("read_from tail skips what the first scan finds, not files found later") {
  temp_dir dir;
  write_file(dir / "a.log", "a 0 old\n");
  auto o = glob_opts(dir / "*.log");
  o.follower.start = read_from::tail;
  file_set set{o, {}};
  delivery_verifier v;
  drain(set, v);
  write_file(dir / "a.log", "a 1 new\n");
  write_file(dir / "b.log", "b 0 new file\n");
  drain(set, v);
  CHECK(v.unique("a") == 1);
  CHECK(v.unique("b") == 1);
}

TEST_CASE("a glob key resumes each file at its known position") {
  temp_dir dir;
  write_file(dir / "a.log", "a 0 x\na 1 x\n");
  write_file(dir / "b.log", "b 0 x\n");
  std::vector<resume_position> known;
  {
    file_set first{glob_opts(dir / "*.log"), {}};
    delivery_verifier v;
    first.scan();
    line_batch b;
    // Read everything, remembering the positions as the sink would.
    for (int i = 0; i < 100; ++i) {
      line_batch batch;
      if (first.step(batch, 1 << 20) != follow_status::progress)
        break;
      if (!batch.empty())
        known.push_back(resume_position{batch.file, batch.end_offset, batch.path});
    }
  }
  write_file(dir / "a.log", "a 2 x\n");
  file_set again{glob_opts(dir / "*.log"), known};
  delivery_verifier v;
  drain(again, v);
  CHECK(v.unique("a") == 1); // only the new line
  CHECK(v.unique("b") == 0);
}

TEST_CASE("a glob of more files than its open-file budget reads each once, closing idle files and reopening them when they grow") {
  temp_dir dir;
  constexpr int files = 60;
  std::map<std::string, uint64_t> written;
  for (int i = 0; i < files; ++i) {
    auto stream = "f" + std::to_string(i);
    write_file(dir / (stream + ".log"), logcatch::test::numbered_lines(stream, 0, 20));
    written[stream] = 20;
  }
  open_file_budget budget{8};
  auto o = glob_opts(dir / "*.log");
  o.follower.budget = &budget;
  o.idle_close_after = std::chrono::milliseconds(0);
  file_set set(o, {});
  delivery_verifier v;
  drain(set, v);
  for (int round = 0; round < 200 && budget.in_use() <= 8; ++round) {
    set.look_at_all();
    drain(set, v);
  }
  CHECK(budget.in_use() <= 8);
  CHECK(set.idle_closes() >= files - 8);
  require_clean(v, written);
  // Every file grows, the closed ones too: found at the next look at all of them.
  for (int i = 0; i < files; ++i) {
    auto stream = "f" + std::to_string(i);
    write_file(dir / (stream + ".log"), logcatch::test::numbered_lines(stream, 20, 30));
    written[stream] = 30;
  }
  for (int round = 0; round < 200; ++round) {
    set.look_at_all();
    drain(set, v);
  }
  CHECK(budget.in_use() <= 8);
  require_clean(v, written);
  for (auto& r : v.report(written))
    CHECK(r.unique == 30);
}

TEST_CASE("a plain path's content copied away while its file was closed idle is not read again after the path is truncated twice") {
  // Found by the core simulation (seed 12737587202604730973): the file was
  // closed idle (open-file budget), then copytruncated and written past its
  // old offset, read anew from 0, and truncated again before a scan had
  // followed the copy. The second truncation's position dropped the one of
  // the copied content, and the copy was read from 0.
  temp_dir dir;
  auto log = dir / "ka.log";
  write_file(log, logcatch::test::numbered_lines("a", 0, 1)); // shorter than the fingerprint
  open_file_budget budget{1};
  auto o = glob_opts(log);
  o.follower.budget = &budget;
  o.idle_close_after = std::chrono::milliseconds(0);
  file_set set(o, {});
  delivery_verifier v;
  // Steps without a scan, as between a tailer's scans.
  auto read_on = [&] { step_until_idle(set, v, 1000); };
  drain(set, v);
  REQUIRE_FALSE(budget.try_take()); // another key wants a slot: the idle file closes
  read_on();
  REQUIRE(set.idle_closes() == 1);
  std::filesystem::copy_file(log, log + "-20260101");
  write_file(log, logcatch::test::numbered_lines("a", 1, 20), false);
  read_on(); // from 0: the path holds other content now
  write_file(log, "", false);
  read_on(); // truncated again: nothing to read
  budget.set_limit(2); // room for the copy, found by the scan
  drain(set, v);
  require_clean(v, {{"a", 20}});
}

namespace {

/// gzip -c SRC > DST, as logrotate's compress does.
void gzip_file(const std::string& src, const std::string& dst) {
  auto text = logcatch::test::read_file(src);
  auto* gz = gzopen(dst.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
  gzclose(gz);
}

} // namespace

TEST_CASE("the rest of a file that is left only compressed is read from its .gz, and nothing twice") {
  temp_dir dir;
  auto log = dir / "app.log";
  write_file(log, logcatch::test::numbered_lines("a", 0, 100));
  delivery_verifier v;
  resume_position where;
  {
    file_set first(glob_opts(log), {});
    first.scan();
    // Read part of the file, as a collector that is then stopped would.
    line_batch b;
    REQUIRE(first.step(b, 1 << 20) == follow_status::progress); // the marker or lines
    while (b.empty())
      first.step(b, 1 << 20);
    uint32_t begin = 0;
    std::size_t keep = b.ends.size() / 2; // half of what was read is delivered
    for (std::size_t i = 0; i < keep; ++i) {
      v.on_line(b.data.data() + begin, b.ends[i] - begin - 1);
      begin = b.ends[i];
    }
    where = resume_position{b.file, begin + b.start_offset, log, b.reading};
    // The identity at that offset, as the sink would hold it.
    where.file.prefix_len = static_cast<uint32_t>(std::min<uint64_t>(where.offset, 64));
    where.file.prefix_hash = hash_bytes(logcatch::test::read_file(log).data(), where.file.prefix_len);
  }
  // Down: rotated and compressed (no delaycompress), the original deleted.
  gzip_file(log, log + ".1.gz");
  std::filesystem::remove(log);
  write_file(log, logcatch::test::numbered_lines("a", 100, 120));
  file_set second(glob_opts(log), {where});
  drain(second, v);
  auto notices = second.take_notices();
  bool told = false;
  for (auto& n : notices)
    told = told || n.text.find("only copy left") != std::string::npos;
  CHECK(told);
  require_clean(v, {{"a", 120}});
  // A second collector that knows the .gz's position reads none of it again.
}

TEST_CASE("a .gz written on the inode of a .gz read before is looked at again, and the rest of the file it holds is read") {
  // The next rotation's compress replaces app.log.1.gz: the old one deleted,
  // the new one often gets its inode back (here: gzip -c over it, which
  // keeps it). The tailer had read the old .gz to its end; the new one holds
  // the rest of a file it was reading.
  temp_dir dir;
  auto log = dir / "app.log";
  auto gz = log + ".1.gz";
  const uint32_t fp = 64; // glob_opts
  auto position_of = [&](const std::string& path, const std::string& text, uint64_t offset) {
    auto st = stat_path(path);
    REQUIRE(st.exists);
    file_identity id{st.id.device, st.id.inode, fp, hash_bytes(text.data(), fp)};
    return resume_position{id, offset, path, 1};
  };
  auto old_text = logcatch::test::numbered_lines("a", 0, 50);
  write_file(dir / "old.src", old_text);
  gzip_file(dir / "old.src", gz);
  std::filesystem::remove(dir / "old.src");
  auto old_gz = position_of(gz, old_text, old_text.size()); // read to its end
  // The file the next rotation renames and compresses, read up to line 40.
  auto text = logcatch::test::numbered_lines("b", 0, 100);
  auto read = logcatch::test::numbered_lines("b", 0, 40);
  write_file(dir / "b.src", text);
  auto reading = position_of(dir / "b.src", text, read.size());
  reading.reading = 2;
  write_file(log, logcatch::test::numbered_lines("c", 0, 10));
  delivery_verifier v;
  v.on_text(old_text); // delivered before
  v.on_text(read);
  file_set set(glob_opts(log), {reading, old_gz});
  drain(set, v);
  REQUIRE(v.unique("a") == 50);
  REQUIRE(v.unique("b") == 40);
  auto inode = stat_path(gz).id.inode;
  gzip_file(dir / "b.src", gz);
  std::filesystem::remove(dir / "b.src");
  REQUIRE(stat_path(gz).id.inode == inode);
  drain(set, v);
  require_clean(v, {{"a", 50}, {"b", 100}, {"c", 10}});
}

TEST_CASE("a copy made while the file it copies is opened but not yet read is not read too") {
  // copytruncate between a follower's open and its first read: the follower
  // of the path opened it empty, lines were written and copied before it
  // read them. The copy starts with the same bytes: only one may read them.
  temp_dir dir;
  auto path = dir / "a.log";
  write_file(path, "");
  file_set set{glob_opts(path), {}};
  registry_readers readers{set, {}};
  auto& lines = readers.lines;
  auto follower_of = [&](const std::string& p) { return readers.follower_of(p); };
  auto read_some = [&](file_follower& f) { readers.read_some(f); };
  auto original = follower_of(path);
  read_some(*original); // opens the empty file: nothing read
  REQUIRE(original->has_file());
  REQUIRE(original->content_check().prefix_len == 0);
  std::string content;
  for (int i = 0; i < 50; ++i)
    content += "a " + std::to_string(i) + " some text\n";
  write_file(path, content, true);
  write_file(path + ".1", content);
  auto copy = follower_of(path + ".1");
  read_some(*copy);
  CHECK(lines.empty()); // waits: it starts like the file being followed
  read_some(*original);
  CHECK(lines.size() == 50);
  REQUIRE(::truncate(path.c_str(), 0) == 0); // the copytruncate finishes
  read_some(*original); // goes on in the copy, where it was
  read_some(*copy);
  CHECK(lines.size() == 50); // every line once
  // A file of other content is not held back.
  write_file(dir / "b.log", "b 0 other\n");
  auto other = follower_of(dir / "b.log");
  read_some(*other);
  CHECK(lines.size() == 51);
}

TEST_CASE("a copytruncate copy opened while still empty is not read too once it is written") {
  // copytruncate creates the copy empty, then writes it: a follower of the
  // copy's name (a rotated sibling) that opened it empty held it when the
  // path's follower opened the original and read it, so no claim compared
  // the two. Once the copy holds those bytes only one may read them (the
  // PostgreSQL simulation against the binary, seeds 15358499288132563554
  // and 18306956781923053621: a copy's lines twice, in one write).
  temp_dir dir;
  auto path = dir / "a.log";
  std::string content;
  for (int i = 0; i < 50; ++i)
    content += "a " + std::to_string(i) + " some text\n";
  write_file(path, content);
  write_file(path + ".1", ""); // the copy, just created
  file_set set{glob_opts(path), {}};
  registry_readers readers{set, {}};
  auto& lines = readers.lines;
  auto follower_of = [&](const std::string& p) { return readers.follower_of(p); };
  auto read_some = [&](file_follower& f) { readers.read_some(f); };
  auto copy = follower_of(path + ".1");
  read_some(*copy); // opens the empty copy
  REQUIRE(copy->has_file());
  auto original = follower_of(path);
  read_some(*original);
  REQUIRE(lines.size() == 50);
  write_file(path + ".1", content); // the copy is written
  REQUIRE(::truncate(path.c_str(), 0) == 0); // and the original cut
  write_file(path, "a 50 after the copy\n");
  SECTION("the copy's follower looks first") {
    read_some(*copy);
    read_some(*original);
  }
  SECTION("the original's follower sees the truncation first") {
    read_some(*original);
    read_some(*copy);
  }
  read_some(*original);
  read_some(*copy);
  read_some(*original);
  std::set<std::string> unique(lines.begin(), lines.end());
  CHECK(unique.size() == 51);
  CHECK(lines.size() == 51); // every line once
}
