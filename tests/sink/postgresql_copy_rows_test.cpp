// COPY text encoding of the PostgreSQL sink's rows and positions.

#include <catch2/catch.hpp>

#include "actors/sink/postgresql_copy_rows.hpp"

using namespace logcatch;

namespace {

line_batch batch_of(const std::vector<std::string>& lines, uint64_t start = 100) {
  line_batch b;
  b.key = "app";
  b.path = "/var/log/app.log";
  b.file.device = 2049;
  b.file.inode = 77;
  b.start_offset = start;
  for (auto& l : lines) {
    b.data += l + "\n";
    b.ends.push_back(static_cast<uint32_t>(b.data.size()));
  }
  b.end_offset = start + b.data.size();
  return b;
}

} // namespace

TEST_CASE("timestamps are UTC with microseconds") {
  CHECK(postgresql_timestamp(0) == "1970-01-01 00:00:00.000000+00");
  CHECK(postgresql_timestamp(1795998194204123) == "2026-11-30 00:23:14.204123+00");
  CHECK(postgresql_timestamp(-1) == "1969-12-31 23:59:59.999999+00");
}

TEST_CASE("COPY text escapes backslash, tab, newline and carriage return only") {
  std::string out;
  append_copy_text(out, "a\\b\tc\nd\re \"q\" 'x'");
  CHECK(out == "a\\\\b\\tc\\nd\\re \"q\" 'x'");
  out.clear();
  append_copy_bytea(out, std::string("\x00\xff" "A", 3));
  CHECK(out == "\\\\x00ff41");
}

TEST_CASE("valid UTF-8 without NUL is exact text and anything else gets a readable form") {
  CHECK(exact_postgresql_text("plain ascii"));
  CHECK(exact_postgresql_text("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  CHECK_FALSE(exact_postgresql_text(std::string("nul\0here", 8)));
  CHECK_FALSE(exact_postgresql_text("bad \xff"));
  CHECK_FALSE(exact_postgresql_text("overlong \xc0\xaf"));
  CHECK_FALSE(exact_postgresql_text("surrogate \xed\xa0\x80"));
  CHECK_FALSE(exact_postgresql_text("cut \xe2\x82"));
  CHECK(readable_utf8("a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(readable_utf8(std::string("n\0", 2)) == "n\xef\xbf\xbd");
  CHECK(readable_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("line rows carry time, node, key, file, inode, offset, line, cut and raw") {
  auto b = batch_of({"first", "sec\tond", "bad \xff"});
  std::string out;
  append_line_rows(out, b, 0, 0);
  CHECK(out == "1970-01-01 00:00:00.000000+00\t\tapp\t/var/log/app.log\t77\t100\tfirst\tf\t\\N\n"
               "1970-01-01 00:00:00.000000+00\t\tapp\t/var/log/app.log\t77\t106\tsec\\tond\tf\t\\N\n"
               "1970-01-01 00:00:00.000000+00\t\tapp\t/var/log/app.log\t77\t114\tbad \xef\xbf\xbd\tf\t\\\\x62616420ff\n");
}

TEST_CASE("line rows start at first_line with file offsets and mark cut lines") {
  auto b = batch_of({"aaaa", "bbbb", "cccc"}, 0);
  b.node = "web-1";
  b.size_adjust.push_back({1, 1000}); // line 1 was 1005 bytes in the file, cut
  b.end_offset += 1000;
  std::string out;
  append_line_rows(out, b, 1, 1000000);
  CHECK(out == "1970-01-01 00:00:01.000000+00\tweb-1\tapp\t/var/log/app.log\t77\t5\tbbbb\tt\t\\N\n"
               "1970-01-01 00:00:01.000000+00\tweb-1\tapp\t/var/log/app.log\t77\t1010\tcccc\tf\t\\N\n");
  out.clear();
  append_line_rows(out, b, 3, 0);
  CHECK(out.empty());
}

TEST_CASE("position rows keep 64-bit ids bit for bit and paths as bytes") {
  delivered_position p;
  p.known = true;
  p.file = file_identity{2049, 77, 1024, 0xFFFFFFFFFFFFFFFFull};
  p.offset = 4096;
  p.path = "/var/log/\xff.log";
  p.updated_ms = 1500;
  p.reading = 0x8000000000000000ull;
  std::string out;
  append_position_rows(out, "web-1/app", {delivered_position{true, {}, 99, {}, 0, 0}, p});
  CHECK(out == "web-1\tapp\t0\t0\t0\t0\t0\t99\t\\\\x\t0\t1970-01-01 00:00:00.000000+00\n"
               "web-1\tapp\t1\t2049\t77\t1024\t-1\t4096\t\\\\x2f7661722f6c6f672fff2e6c6f67\t"
               "-9223372036854775808\t1970-01-01 00:00:01.500000+00\n");
  std::string bytes;
  CHECK(decode_bytea_hex("\\x2f7661722f6c6f672fff2e6c6f67", bytes));
  CHECK(bytes == p.path);
  CHECK_FALSE(decode_bytea_hex("2f76", bytes));
  CHECK_FALSE(decode_bytea_hex("\\x2", bytes));
}

TEST_CASE("position keys split into node and key") {
  CHECK(split_position_key("app").node.empty());
  CHECK(split_position_key("app").key == "app");
  CHECK(split_position_key("web-1/app").node == "web-1");
  CHECK(split_position_key("web-1/app").key == "app");
  CHECK(join_position_key("web-1", "app") == "web-1/app");
  CHECK(join_position_key("", "app") == "app");
}

TEST_CASE("COPY binary rows: header, one tuple of 9 fields per line, raw only when needed, trailer") {
  auto b = batch_of({"ok", "bad \xff"}, 100);
  std::string out;
  append_binary_copy_header(out);
  CHECK(out == std::string("PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0", 19));
  out.clear();
  append_line_rows_binary(out, b, 1, 946684800000000 + 1); // 2000-01-01 plus 1 us
  std::string expected;
  auto be = [&](uint64_t v, int bytes) {
    for (int s = (bytes - 1) * 8; s >= 0; s -= 8)
      expected += static_cast<char>((v >> s) & 0xFF);
  };
  auto field = [&](const std::string& bytes) {
    be(bytes.size(), 4);
    expected += bytes;
  };
  be(9, 2);
  be(8, 4), be(1, 8);                      // time
  field(""), field("app"), field("/var/log/app.log");
  be(8, 4), be(77, 8);                     // inode
  be(8, 4), be(103, 8);                    // offset
  field("bad \xef\xbf\xbd");               // the readable form
  be(1, 4), expected += '\0';              // not cut
  field("bad \xff");                       // raw: the exact bytes
  CHECK(out == expected);
  out.clear();
  append_line_rows_binary(out, batch_of({"ok"}), 0, 0);
  CHECK(out.substr(out.size() - 4) == std::string("\xff\xff\xff\xff", 4)); // raw NULL
  out.clear();
  append_binary_copy_trailer(out);
  CHECK(out == "\xff\xff");
}
