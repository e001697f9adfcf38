#include "actors/sink/checkpoint_file.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::read_file;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

namespace {

/// Bitwise CRC-32 (IEEE), written independently of the one under test.
uint32_t reference_crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

/// `body` (header and records) closed by a correct trailer, so a test reaches
/// the record checks behind the checksum.
std::string with_trailer(const std::string& body) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08X", reference_crc32(body));
  return body + "crc32 " + hex + "\n";
}

file_checkpoint record(const std::string& key, uint64_t inode, uint64_t offset, const std::string& path) {
  file_checkpoint f;
  f.key = key;
  f.file = file_identity{2049, inode, 64, 0x9E3779B97F4A7C15ull};
  f.offset = offset;
  f.path = path;
  f.updated_ms = 1700000000123;
  return f;
}

sink_checkpoint sample() {
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_length = 123456;
  s.sink_path = "/var/log/collected all.log";
  s.has_sink_identity = true;
  s.sink_file = file_identity{2049, 77001, 1024, 0xC0FFEEull};
  s.files.push_back(record("app", 131, 4096, "/var/log/app.log"));
  s.files.push_back(record("web logs", 132, 17, "/var/log/web/access 100%.log"));
  s.files.push_back(record("multi\nline", 133, 0, "/tmp/new\nline"));
  return s;
}

sink_checkpoint round_trip(const sink_checkpoint& s) { return decode_checkpoint(encode_checkpoint(s), "test"); }

/// The decode error's cause, or "" when the text decodes.
std::string decode_error(const std::string& text) {
  try {
    decode_checkpoint(text, "src");
  } catch (const checkpoint_error& e) {
    return e.what();
  }
  return "";
}

/// A header, a sink record and one file record made of `fields`.
std::string file_record_text(const std::string& fields) {
  return "logcatch-state 1\nsink 0 out\nfile " + fields + "\n";
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string utc_stamp_at(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

} // namespace

TEST_CASE("a checkpoint round-trips through its text") {
  auto s = sample();
  auto back = round_trip(s);
  CHECK(back == s);
  REQUIRE(back.files.size() == 3);
  CHECK(back.files[1].file.prefix_len == 64);
  CHECK(back.files[1].file.prefix_hash == 0x9E3779B97F4A7C15ull);
  CHECK(back.files[2].key == "multi\nline");
}

TEST_CASE("keys and paths holding any byte round-trip") {
  std::string every_byte;
  for (int c = 0; c < 256; ++c)
    every_byte += static_cast<char>(c);
  std::string no_nul = every_byte.substr(1);
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_path = "/out/dir with space/%41%/" + no_nul;
  s.files.push_back(record(every_byte, 1, 1, "/logs/" + no_nul));
  s.files.push_back(record("", 2, 2, ""));
  s.files.push_back(record("-", 3, 3, "-"));
  s.files.push_back(record("%", 4, 4, "%2D"));
  s.files.push_back(record(" ", 5, 5, "  lead and trail  "));
  s.files.push_back(record("журнал ☃", 6, 6, "/var/log/ünïcødé/日志.log"));
  auto long_path = "/logs/" + std::string(255, 'n') + "/" + std::string(255, 'f');
  s.files.push_back(record(std::string(255, 'k'), 7, 7, long_path));
  s.files.push_back(record("\r\n\t\x7f\x01", 8, 8, "/x\r\n\x1b[31m"));
  CHECK(round_trip(s) == s);
}

TEST_CASE("the encoding keeps one record per line with no raw control bytes") {
  auto s = sample();
  s.files.push_back(record("k\n\r\t", 9, 9, "p\n\x01\x7f"));
  auto text = encode_checkpoint(s);
  std::size_t lines = 0;
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (c == '\n')
      ++lines;
    else
      CHECK((b >= 0x20 && b != 0x7F));
  }
  CHECK(lines == 1 + 1 + s.files.size() + 1);
  CHECK(text.find("  ") == std::string::npos);
}

TEST_CASE("the text format is stable and its trailer is zlib's crc32") {
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_length = 1234;
  s.sink_path = "/var/log/all.log";
  s.has_sink_identity = true;
  s.sink_file = file_identity{2049, 5521, 1024, 7};
  file_checkpoint a;
  a.key = "app";
  a.file = file_identity{2049, 131, 64, 99};
  a.offset = 4096;
  a.path = "/var/log/app log%.txt";
  a.updated_ms = 1700000000000;
  a.reading = 77;
  file_checkpoint dash;
  dash.key = "-";
  dash.updated_ms = -5;
  s.files = {a, dash};
  // The trailer was computed with Python's zlib.crc32 over the lines above it.
  CHECK(encode_checkpoint(s) == "logcatch-state 3\n"
                                "sink 1234 2049 5521 1024 7 /var/log/all.log\n"
                                "file app 2049 131 64 99 4096 1700000000000 77 /var/log/app%20log%25.txt\n"
                                "file %2D 0 0 0 0 0 -5 0 -\n"
                                "crc32 7C8CCE6C\n");
  CHECK(reference_crc32("123456789") == 0xCBF43926u);
}

TEST_CASE("an empty checkpoint of a stdout sink round-trips") {
  sink_checkpoint s;
  auto text = encode_checkpoint(s);
  CHECK(text == "logcatch-state 3\nsink - - - - - -\ncrc32 D48EB793\n");
  auto back = decode_checkpoint(text, "test");
  CHECK_FALSE(back.has_sink_length);
  CHECK_FALSE(back.has_sink_identity);
  CHECK(back.sink_path.empty());
  CHECK(back.files.empty());
}

TEST_CASE("a sink file of length zero keeps its length") {
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_path = "/out.log";
  auto back = round_trip(s);
  CHECK(back.has_sink_length);
  CHECK(back.sink_length == 0);
}

TEST_CASE("extreme numbers round-trip") {
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_length = UINT64_MAX;
  auto f = record("k", UINT64_MAX, UINT64_MAX, "/p");
  f.file = file_identity{UINT64_MAX, UINT64_MAX, UINT32_MAX, UINT64_MAX};
  f.updated_ms = INT64_MIN;
  s.files.push_back(f);
  f.updated_ms = INT64_MAX;
  s.files.push_back(f);
  f.file = file_identity{};
  f.offset = 0;
  f.updated_ms = 0;
  s.files.push_back(f);
  CHECK(round_trip(s) == s);
}

TEST_CASE("many records round-trip in order") {
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_length = 1ull << 40;
  s.sink_path = "/out.log";
  for (uint64_t i = 0; i < 20000; ++i)
    s.files.push_back(record("key " + std::to_string(i % 97), i + 1, i * 13, "/logs/f" + std::to_string(i)));
  CHECK(round_trip(s) == s);
}

TEST_CASE("a wrong or missing header is rejected") {
  CHECK(decode_error("") == "src: empty file (truncated)");
  CHECK(decode_error("logcatch-state 1") == "src:1: truncated header (no complete first line)");
  CHECK(decode_error(with_trailer("\nsink - -\n")) == "src:1: not a logcatch state file (bad header)");
  CHECK(decode_error(with_trailer("sink - -\n")) == "src:1: not a logcatch state file (bad header)");
  CHECK(decode_error(with_trailer("logcatch-state  1\nsink - -\n")) == "src:1: not a logcatch state file (bad header)");
  CHECK(decode_error(with_trailer("logcatch-state 1 x\nsink - -\n")) ==
        "src:1: not a logcatch state file (bad header)");
  CHECK(decode_error(with_trailer("LOGCATCH-STATE 1\nsink - -\n")) == "src:1: not a logcatch state file (bad header)");
}

TEST_CASE("an unknown version is rejected") {
  CHECK(decode_error(with_trailer("logcatch-state 4\nsink - - - - - -\n")) ==
        "src:1: unsupported version '4' (this build reads versions 1 to 3)");
  CHECK(decode_error(with_trailer("logcatch-state 0\nsink - -\n")) ==
        "src:1: unsupported version '0' (this build reads versions 1 to 3)");
  CHECK(decode_error(with_trailer("logcatch-state 01\nsink - -\n")) ==
        "src:1: unsupported version '01' (this build reads versions 1 to 3)");
  CHECK(decode_error(with_trailer("logcatch-state \nsink - -\n")) ==
        "src:1: unsupported version '' (this build reads versions 1 to 3)");
}

TEST_CASE("an unknown record type is rejected with its line") {
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink - -\nfiles k 1 2 3 4 5 6 p\n")) ==
        "src:3: unknown record type 'files'");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink - -\n\n")) == "src:3: unknown record type ''");
  CHECK(decode_error(with_trailer("logcatch-state 1\n crc32 00000000\nsink - -\n")) ==
        "src:2: unknown record type ''");
}

TEST_CASE("a record with the wrong number of fields is rejected with its line") {
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3"))) == "src:3: bad record: expected 9 fields, got 5");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 6 p extra"))) ==
        "src:3: bad record: expected 9 fields, got 10");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 6 p "))) ==
        "src:3: bad record: expected 9 fields, got 10");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink 5\n")) ==
        "src:2: bad sink record: expected 3 fields, got 2");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink 5 out x\n")) ==
        "src:2: bad sink record: expected 3 fields, got 4");
}

TEST_CASE("an empty field is rejected") {
  CHECK(decode_error(with_trailer(file_record_text(" 1 2 3 4 5 6 p"))) == "src:3: bad record: empty key field");
  CHECK(decode_error(with_trailer(file_record_text("k 1  3 4 5 6 p"))) ==
        "src:3: bad record: inode is not a number: ''");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink 5 \n")) == "src:2: bad record: empty sink path field");
}

TEST_CASE("non-numeric numbers are rejected") {
  CHECK(decode_error(with_trailer(file_record_text("k x1 2 3 4 5 6 p"))) ==
        "src:3: bad record: device is not a number: 'x1'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5x 6 p"))) ==
        "src:3: bad record: offset is not a number: '5x'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 -2 3 4 5 6 p"))) ==
        "src:3: bad record: inode is not a number: '-2'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 +3 4 5 6 p"))) ==
        "src:3: bad record: prefix_len is not a number: '+3'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 0x4 5 6 p"))) ==
        "src:3: bad record: prefix_hash is not a number: '0x4'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 - p"))) ==
        "src:3: bad record: updated_ms is not a number: '-'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 --6 p"))) ==
        "src:3: bad record: updated_ms is not a number: '--6'");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink 1e3 out\n")) ==
        "src:2: bad record: sink length is not a number: '1e3'");
}

TEST_CASE("numbers that overflow their field are rejected") {
  CHECK(decode_error(with_trailer(file_record_text("k 18446744073709551616 2 3 4 5 6 p"))) ==
        "src:3: bad record: device is out of range: '18446744073709551616'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 4294967296 4 5 6 p"))) ==
        "src:3: bad record: prefix_len is out of range: '4294967296'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 9223372036854775808 p"))) ==
        "src:3: bad record: updated_ms is out of range: '9223372036854775808'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 -9223372036854775809 p"))) ==
        "src:3: bad record: updated_ms is out of range: '-9223372036854775809'");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink 99999999999999999999 out\n")) ==
        "src:2: bad record: sink length is out of range: '99999999999999999999'");
  // The largest values are still accepted.
  auto ok = decode_checkpoint(
      with_trailer(file_record_text("k 18446744073709551615 2 4294967295 4 5 -9223372036854775808 p")), "src");
  CHECK(ok.files.at(0).file.device == UINT64_MAX);
  CHECK(ok.files.at(0).file.prefix_len == UINT32_MAX);
  CHECK(ok.files.at(0).updated_ms == INT64_MIN);
}

TEST_CASE("bad escapes and raw control bytes in strings are rejected") {
  CHECK(decode_error(with_trailer(file_record_text("k% 1 2 3 4 5 6 p"))) ==
        "src:3: bad record: invalid escape in key: 'k%25'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 6 p%2"))) ==
        "src:3: bad record: invalid escape in path: 'p%252'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 6 p%zz"))) ==
        "src:3: bad record: invalid escape in path: 'p%25zz'");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 6 p%2f"))) ==
        "src:3: bad record: invalid escape in path: 'p%252f'");
  CHECK(decode_error(with_trailer(file_record_text("k\t 1 2 3 4 5 6 p"))) ==
        "src:3: bad record: unescaped control byte in key");
  CHECK(decode_error(with_trailer(file_record_text("k 1 2 3 4 5 6 p\r"))) ==
        "src:3: bad record: unescaped control byte in path");
}

TEST_CASE("a missing or repeated sink record is rejected") {
  CHECK(decode_error(with_trailer("logcatch-state 1\n")) == "src: missing sink record");
  CHECK(decode_error(with_trailer("logcatch-state 1\nfile k 1 2 3 4 5 6 p\n")) == "src: missing sink record");
  CHECK(decode_error(with_trailer("logcatch-state 1\nsink - -\nsink 5 out\n")) == "src:3: duplicate sink record");
}

TEST_CASE("a missing or malformed checksum trailer is rejected") {
  CHECK(decode_error("logcatch-state 1\nsink - -\n") == "src: missing checksum trailer (file is truncated)");
  CHECK(decode_error("logcatch-state 1\n") == "src: missing checksum trailer (file is truncated)");
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32 DC31CE11") ==
        "src: missing checksum trailer (file is truncated)");
  const std::string bad_trailer = "bad checksum trailer: expected 'crc32' and 8 uppercase hex digits";
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32 dc31ce11\n") == "src:3: " + bad_trailer);
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32 C31CE11\n") == "src:3: " + bad_trailer);
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32 0DC31CE11\n") == "src:3: " + bad_trailer);
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32  DC31CE11\n") == "src:3: " + bad_trailer);
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32 \n") == "src:3: " + bad_trailer);
}

TEST_CASE("a checksum mismatch is reported as corruption") {
  CHECK(decode_error("logcatch-state 1\nsink - -\ncrc32 DC31CE12\n") == "src: checksum mismatch (file is corrupt)");
  CHECK(decode_error("logcatch-state 1\nsink 0 -\ncrc32 DC31CE11\n") == "src: checksum mismatch (file is corrupt)");
  // Damage inside a record reads as corruption, not as a bad field.
  auto text = encode_checkpoint(sample());
  text[text.find("4096")] = 'x';
  CHECK(decode_error(text) == "src: checksum mismatch (file is corrupt)");
}

TEST_CASE("bytes after the checksum trailer are rejected") {
  auto text = encode_checkpoint(sample());
  for (const auto& extra : std::vector<std::string>{"\n", "x", " ", "crc32 00000000\n", std::string(1, '\0')})
    CHECK(decode_error(text + extra) == "src:6: unexpected bytes after the checksum trailer");
}

TEST_CASE("a text cut short at any byte is rejected") {
  for (const auto& s : {sample(), sink_checkpoint{}}) {
    auto text = encode_checkpoint(s);
    for (std::size_t n = 0; n < text.size(); ++n) {
      INFO("cut at " << n << " of " << text.size());
      CHECK_THROWS_AS(decode_checkpoint(text.substr(0, n), "src"), checkpoint_error);
    }
    CHECK_NOTHROW(decode_checkpoint(text, "src"));
  }
}

TEST_CASE("a change to any byte is detected, the trailer's digits included") {
  auto text = encode_checkpoint(sample());
  for (std::size_t i = 0; i < text.size(); ++i)
    for (unsigned mask : {0x01u, 0x20u, 0x80u, 0xFFu}) {
      auto damaged = text;
      damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ mask);
      INFO("byte " << i << " ^ " << mask);
      CHECK_THROWS_AS(decode_checkpoint(damaged, "src"), checkpoint_error);
    }
}

TEST_CASE("errors carry the source, the line and the cause separately") {
  try {
    decode_checkpoint(with_trailer(file_record_text("k 1 2 3")), "/var/lib/logcatch/logcatch.state");
    FAIL("no error");
  } catch (const checkpoint_error& e) {
    CHECK(std::string(e.what()) == "/var/lib/logcatch/logcatch.state:3: bad record: expected 9 fields, got 5");
    CHECK(e.source() == "/var/lib/logcatch/logcatch.state");
    CHECK(e.line() == 3);
    CHECK(e.cause() == "bad record: expected 9 fields, got 5");
  }
}

TEST_CASE("loading a missing state file is a fresh start without a problem") {
  temp_dir dir;
  for (const auto& path : {dir / "logcatch.state", dir / "no/such/folder/logcatch.state"}) {
    checkpoint_file f{path};
    CHECK(f.path() == path);
    auto r = f.load();
    CHECK_FALSE(r.state.has_value());
    CHECK(r.problem.empty());
    CHECK(r.moved_to.empty());
  }
}

TEST_CASE("a saved state is loaded back after a restart") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  checkpoint_file{path}.save(sample());
  CHECK(read_file(path) == encode_checkpoint(sample()));
  CHECK_FALSE(exists(path + ".tmp"));

  checkpoint_file restarted{path};
  auto r = restarted.load();
  REQUIRE(r.state.has_value());
  CHECK(*r.state == sample());
  CHECK(r.problem.empty());
  CHECK(r.moved_to.empty());
  CHECK(exists(path));
}

TEST_CASE("each save replaces the previous state") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  checkpoint_file f{path};
  f.save(sample());
  sink_checkpoint stdout_state;
  f.save(stdout_state);
  auto r = checkpoint_file{path}.load();
  REQUIRE(r.state.has_value());
  CHECK(*r.state == stdout_state);
  CHECK_FALSE(exists(path + ".tmp"));
}

TEST_CASE("a stale temporary file from a killed save is overwritten") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  write_file(path + ".tmp", std::string(100000, 'x'));
  checkpoint_file{path}.save(sample());
  CHECK(read_file(path) == encode_checkpoint(sample()));
  CHECK_FALSE(exists(path + ".tmp"));
}

TEST_CASE("a state path without a folder saves in the working folder") {
  temp_dir dir;
  struct cwd_guard {
    std::filesystem::path old = std::filesystem::current_path();
    ~cwd_guard() { std::filesystem::current_path(old); }
  } guard;
  std::filesystem::current_path(dir.path());
  checkpoint_file f{"logcatch.state"};
  f.save(sample());
  auto r = f.load();
  REQUIRE(r.state.has_value());
  CHECK(*r.state == sample());
}

TEST_CASE("loading a corrupt state file moves it aside and says why") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  auto text = encode_checkpoint(sample());
  auto corrupt = text.substr(0, text.size() / 2);
  write_file(path, corrupt);

  auto r = checkpoint_file{path}.load();
  CHECK_FALSE(r.state.has_value());
  CHECK(r.problem == path + ": missing checksum trailer (file is truncated); moved aside to " + r.moved_to);
  REQUIRE_FALSE(r.moved_to.empty());
  CHECK(r.moved_to.rfind(path + ".corrupt-", 0) == 0);
  CHECK(r.moved_to.size() == path.size() + std::string(".corrupt-YYYYMMDDTHHMMSSZ").size());
  CHECK(read_file(r.moved_to) == corrupt);
  CHECK_FALSE(exists(path));

  // The next start is a fresh one.
  auto again = checkpoint_file{path}.load();
  CHECK_FALSE(again.state.has_value());
  CHECK(again.problem.empty());
}

TEST_CASE("corrupt state files moved aside never overwrite one another") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  // Take the names of this second and the next two, so the load below runs
  // into a taken name whichever second it lands in.
  auto now = std::time(nullptr);
  for (std::time_t t = now; t < now + 3; ++t)
    write_file(path + ".corrupt-" + utc_stamp_at(t), "taken");

  write_file(path, "first");
  auto a = checkpoint_file{path}.load();
  write_file(path, "second");
  auto b = checkpoint_file{path}.load();

  REQUIRE_FALSE(a.moved_to.empty());
  REQUIRE_FALSE(b.moved_to.empty());
  CHECK(a.moved_to != b.moved_to);
  CHECK(read_file(a.moved_to) == "first");
  CHECK(read_file(b.moved_to) == "second");
  CHECK(a.moved_to.substr(a.moved_to.size() - 2) == "-1");
  for (std::time_t t = now; t < now + 3; ++t)
    CHECK(read_file(path + ".corrupt-" + utc_stamp_at(t)) == "taken");
  CHECK_FALSE(exists(path));
}

TEST_CASE("a folder at the state path is reported and moved aside") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  std::filesystem::create_directory(path);
  write_file(path + "/inside", "kept");

  auto r = checkpoint_file{path}.load();
  CHECK_FALSE(r.state.has_value());
  CHECK(r.problem.find(path + ": state file is not a regular file") == 0);
  REQUIRE_FALSE(r.moved_to.empty());
  CHECK(read_file(r.moved_to + "/inside") == "kept");
  CHECK_FALSE(exists(path));
}

TEST_CASE("an unreadable state file is reported and moved aside") {
  if (::geteuid() == 0) {
    // Root reads through file permissions; the folder case covers the path.
    SUCCEED("skipped: running as root");
    return;
  }
  temp_dir dir;
  auto path = dir / "logcatch.state";
  checkpoint_file{path}.save(sample());
  ::chmod(path.c_str(), 0);

  auto r = checkpoint_file{path}.load();
  CHECK_FALSE(r.state.has_value());
  CHECK(r.problem == path + ": cannot open state file: Permission denied; moved aside to " + r.moved_to);
  REQUIRE_FALSE(r.moved_to.empty());
  ::chmod(r.moved_to.c_str(), 0644);
  CHECK(read_file(r.moved_to) == encode_checkpoint(sample()));
  CHECK_FALSE(exists(path));
}

TEST_CASE("a bad state file that cannot be moved aside is left in place and the problem says so") {
  temp_dir dir;
  // 240 bytes fit in a file name, but not with ".corrupt-..." appended.
  auto path = dir / std::string(240, 's');
  write_file(path, "garbage\n");

  auto r = checkpoint_file{path}.load();
  CHECK_FALSE(r.state.has_value());
  CHECK(r.moved_to.empty());
  CHECK(r.problem.find(path + ":1: not a logcatch state file (bad header); left in place (cannot rename it to ") == 0);
  CHECK(r.problem.find("File name too long") != std::string::npos);
  CHECK(read_file(path) == "garbage\n");
}

TEST_CASE("a save that cannot create its temporary file names it and keeps the previous state") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  checkpoint_file f{path};
  f.save(sample());
  // A folder in the way of PATH.tmp stops the save even for root.
  std::filesystem::create_directory(path + ".tmp");
  try {
    f.save(sink_checkpoint{});
    FAIL("save did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::is_a_directory);
    CHECK(std::string(e.what()).find(path + ".tmp: cannot create state file") == 0);
  }
  CHECK(read_file(path) == encode_checkpoint(sample()));
}

TEST_CASE("a save below a path component that is a file fails with ENOTDIR") {
  temp_dir dir;
  write_file(dir / "plain", "x");
  auto path = dir / "plain/logcatch.state";
  try {
    checkpoint_file{path}.save(sample());
    FAIL("save did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::not_a_directory);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  CHECK(read_file(dir / "plain") == "x");
}

TEST_CASE("a save that cannot replace the state removes its temporary file") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  std::filesystem::create_directory(path);
  write_file(path + "/inside", "x");
  try {
    checkpoint_file{path}.save(sample());
    FAIL("save did not throw");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find(path + ": cannot replace state file with " + path + ".tmp") == 0);
  }
  CHECK_FALSE(exists(path + ".tmp"));
  CHECK(read_file(path + "/inside") == "x");
}

TEST_CASE("a save into a read-only folder throws naming the path and keeps the previous state") {
  if (::geteuid() == 0) {
    // Root writes through folder permissions; the other failing-save tests
    // cover the error path.
    SUCCEED("skipped: running as root");
    return;
  }
  temp_dir dir;
  auto folder = dir / "ro";
  std::filesystem::create_directory(folder);
  auto path = folder + "/logcatch.state";
  checkpoint_file f{path};
  f.save(sample());
  ::chmod(folder.c_str(), 0555);
  try {
    f.save(sink_checkpoint{});
    FAIL("save did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::permission_denied);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  ::chmod(folder.c_str(), 0755);
  CHECK(read_file(path) == encode_checkpoint(sample()));
  CHECK_FALSE(exists(path + ".tmp"));
}

TEST_CASE("a save beyond the file size limit fails with EFBIG and keeps the previous state") {
  temp_dir dir;
  auto path = dir / "logcatch.state";
  sink_checkpoint small;
  checkpoint_file{path}.save(small);
  auto before = read_file(path);
  REQUIRE(before.size() < 100);

  sink_checkpoint big = sample();
  for (int i = 0; i < 100; ++i)
    big.files.push_back(record("k" + std::to_string(i), 1000 + i, 0, "/logs/f"));

  // A child process, so the limit and the ignored signal stay out of the tests.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {100, 100};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0)
      ::_exit(2);
    int code = 1;
    try {
      checkpoint_file{path}.save(big);
    } catch (const std::system_error& e) {
      bool names_path = std::string(e.what()).find(path) != std::string::npos;
      if (e.code() == std::errc::file_too_large && names_path && read_file(path) == before && !exists(path + ".tmp"))
        code = 0;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_file(path) == before);
}

TEST_CASE("a version 1 state file (no reading ids) is still read") {
  auto text = with_trailer("logcatch-state 1\nsink 10 out\nfile app 1 2 3 4 5 6 /p\n");
  auto s = decode_checkpoint(text, "src");
  REQUIRE(s.files.size() == 1);
  CHECK(s.files[0].offset == 5);
  CHECK(s.files[0].reading == 0);
  CHECK(s.files[0].path == "/p");
  CHECK(decode_error(with_trailer("logcatch-state 2\nsink 10 out\nfile app 1 2 3 4 5 6 /p\n")) ==
        "src:3: bad record: expected 10 fields, got 9");
}

TEST_CASE("a version 2 state file (no output identity) is still read, its identity unknown") {
  auto text = with_trailer("logcatch-state 2\nsink 10 out\nfile app 1 2 3 4 5 6 7 /p\n");
  auto s = decode_checkpoint(text, "src");
  CHECK(s.has_sink_length);
  CHECK(s.sink_length == 10);
  CHECK(s.sink_path == "out");
  CHECK_FALSE(s.has_sink_identity);
  REQUIRE(s.files.size() == 1);
  CHECK(s.files[0].reading == 7);
  CHECK(s.files[0].path == "/p");
  // Version 2 has no identity fields; version 3 requires them.
  CHECK(decode_error(with_trailer("logcatch-state 2\nsink 10 1 2 3 4 out\n")) ==
        "src:2: bad sink record: expected 3 fields, got 7");
  CHECK(decode_error(with_trailer("logcatch-state 3\nsink 10 out\n")) ==
        "src:2: bad sink record: expected 7 fields, got 3");
}

TEST_CASE("the output's device and inode round-trip, and an unknown identity stays unknown") {
  sink_checkpoint s;
  s.has_sink_length = true;
  s.sink_length = 42;
  s.sink_path = "/out.log";
  s.has_sink_identity = true;
  s.sink_file = file_identity{UINT64_MAX, 1, UINT32_MAX, UINT64_MAX};
  auto back = round_trip(s);
  CHECK(back == s);
  CHECK(back.sink_file.device == UINT64_MAX);
  CHECK(back.sink_file.inode == 1);
  CHECK(back.sink_file.prefix_len == UINT32_MAX);
  CHECK(back.sink_file.prefix_hash == UINT64_MAX);
  // The content hash is part of it: a reused inode is another output.
  auto reused = s;
  reused.sink_file.prefix_hash = 5;
  CHECK(reused != s);
  s.has_sink_identity = false;
  CHECK(encode_checkpoint(s).find("sink 42 - - - - /out.log\n") != std::string::npos);
  back = round_trip(s);
  CHECK_FALSE(back.has_sink_identity);
  CHECK(back == s);
  // Another output is another checkpoint.
  auto other = s;
  other.has_sink_identity = true;
  CHECK(other != s);
}

TEST_CASE("part of an output identity or a bad one is rejected") {
  CHECK(decode_error(with_trailer("logcatch-state 3\nsink 10 - 5 - - out\n")) ==
        "src:2: bad record: sink device is not a number: '-'");
  CHECK(decode_error(with_trailer("logcatch-state 3\nsink 10 5 6 7 - out\n")) ==
        "src:2: bad record: sink prefix_hash is not a number: '-'");
  CHECK(decode_error(with_trailer("logcatch-state 3\nsink 10 5 x 0 0 out\n")) ==
        "src:2: bad record: sink inode is not a number: 'x'");
  CHECK(decode_error(with_trailer("logcatch-state 3\nsink 10 99999999999999999999 1 0 0 out\n")) ==
        "src:2: bad record: sink device is out of range: '99999999999999999999'");
  CHECK(decode_error(with_trailer("logcatch-state 3\nsink 10 1 1 4294967296 0 out\n")) ==
        "src:2: bad record: sink prefix_len is out of range: '4294967296'");
}
