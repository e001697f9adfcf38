#include "actors/sink/clickhouse_rows.hpp"

#include <catch2/catch.hpp>

#include "actors/sink/clickhouse_row_binary.hpp"
#include "actors/tailer/line_splitter.hpp"

using namespace logcatch;

namespace {

line_batch batch(const std::string& key, uint64_t inode, uint64_t start, const std::string& text,
                 std::size_t max_line = 1024) {
  line_splitter s{max_line};
  line_batch b;
  b.key = key;
  b.path = "/var/log/" + key + ".log";
  b.file = file_identity{3, inode, 16, 0xABCDEF};
  b.reading = 77;
  b.start_offset = start;
  s.feed(text.data(), text.size(), b);
  b.end_offset = start + text.size();
  return b;
}

struct decoded_row {
  uint32_t time_us;
  std::string node, key, file;
  uint64_t offset;
  std::string line;
  uint8_t cut;
  uint64_t device, inode;
  uint32_t prefix_len;
  uint64_t prefix_hash, reading, end_offset;
};

struct incoming_row {
  uint32_t time = 0;
  uint32_t deadline = 0;
};

std::vector<decoded_row> decode(const std::string& data,
                                std::vector<incoming_row>* incoming = nullptr) {
  std::vector<decoded_row> rows;
  row_binary_reader rb(data);
  while (!rb.done()) {
    decoded_row r;
    incoming_row in;
    if (incoming)
      in.time = rb.u32();
    r.time_us = rb.u32();
    r.node = rb.string();
    r.key = rb.string();
    r.file = rb.string();
    r.offset = rb.u64();
    r.line = rb.string();
    r.cut = rb.u8();
    r.device = rb.u64();
    r.inode = rb.u64();
    r.prefix_len = rb.u32();
    r.prefix_hash = rb.u64();
    r.reading = rb.u64();
    r.end_offset = rb.u64();
    if (incoming) {
      in.deadline = rb.u32();
      incoming->push_back(in);
    }
    rows.push_back(r);
  }
  return rows;
}

} // namespace

TEST_CASE("clickhouse: rows carry each line's bytes, offset and the position after it") {
  auto a = batch("app", 9, 100, "first\nsecond \xff bytes\n");
  auto b = batch("db", 4, 0, "x\ny\nz\n");
  destination_write w;
  w.batches = {{&a, 0}, {&b, 1}}; // b's first line is in already
  std::string data;
  REQUIRE(encode_rows_row_binary(w, 5'000'000'000'000'123ULL, data) == 4);
  auto rows = decode(data);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].line == "first");
  CHECK(rows[0].offset == 100);
  CHECK(rows[0].end_offset == 106);
  CHECK(rows[1].line == "second \xff bytes"); // bytes as they are, not escaped
  CHECK(rows[1].offset == 106);
  CHECK(rows[1].end_offset == a.end_offset);
  CHECK(rows[0].key == "app");
  CHECK(rows[0].file == "/var/log/app.log");
  CHECK(rows[0].device == 3);
  CHECK(rows[0].inode == 9);
  CHECK(rows[0].prefix_len == 16);
  CHECK(rows[0].prefix_hash == 0xABCDEF);
  CHECK(rows[0].reading == 77);
  CHECK(rows[0].time_us == 123);
  CHECK(rows[2].time_us == 124); // the next batch, the next stamp
  CHECK(rows[2].line == "y");
  CHECK(rows[2].offset == 2);
  CHECK(rows[3].end_offset == 6);
}

TEST_CASE("clickhouse: rows for the incoming table carry the write's second first and the deadline last") {
  auto a = batch("app", 9, 100, "first\nsecond \xff bytes\n");
  auto b = batch("db", 4, 0, "x\ny\nz\n");
  destination_write w;
  w.batches = {{&a, 0}, {&b, 1}};
  std::string plain, incoming;
  REQUIRE(encode_rows_row_binary(w, 1'700'000'000'000'123ULL, plain) == 4);
  REQUIRE(encode_incoming_row_binary(w, 1'700'000'000'000'123ULL, 4'000'000'000U, incoming) == 4);
  std::vector<incoming_row> extra;
  auto rows = decode(incoming, &extra);
  auto same = decode(plain);
  REQUIRE(rows.size() == 4);
  REQUIRE(extra.size() == 4);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(extra[i].time == 1'700'000'000U); // the write's one second
    CHECK(extra[i].deadline == 4'000'000'000U);
    CHECK(rows[i].line == same[i].line);
    CHECK(rows[i].offset == same[i].offset);
    CHECK(rows[i].end_offset == same[i].end_offset);
    CHECK(rows[i].time_us == same[i].time_us);
    CHECK(rows[i].inode == same[i].inode);
  }
  CHECK(incoming.size() == plain.size() + 4 * 8);
}

TEST_CASE("clickhouse: incoming rows encoded batch by batch are the whole write's, of the size said before") {
  auto a = batch("app", 9, 100, "first\nsecond \xff bytes\n");
  auto b = batch("db", 4, 0, "x\ny\nz\n");
  std::string long_line(300, 'q'); // a length of two varint bytes
  auto c = batch("app", 9, 124, long_line + "\nend\n");
  auto cut = batch("cut", 5, 0, "0123456789abcdef\nok\n", 8);
  destination_write w;
  w.batches = {{&a, 0}, {&b, 1}, {&c, 0}, {&cut, 0}, {&b, 3}}; // the last one: nothing new
  std::string whole;
  REQUIRE(encode_incoming_row_binary(w, 1'800'000'000'999'998ULL, 123, whole) == 8);
  std::string pieces;
  std::size_t rows = 0;
  for (std::size_t i = 0; i < w.batches.size(); ++i)
    rows += encode_incoming_batch(w, i, 1'800'000'000'999'998ULL, 123, pieces);
  CHECK(rows == 8);
  CHECK(pieces == whole);
  CHECK(incoming_row_binary_size(w) == whole.size());
}

TEST_CASE("clickhouse: a cut line is marked and its position counts the file's bytes") {
  auto a = batch("app", 9, 0, "0123456789abcdef\nok\n", 8);
  destination_write w;
  w.batches = {{&a, 0}};
  std::string data;
  REQUIRE(encode_rows_row_binary(w, 1, data) == 2);
  auto rows = decode(data);
  CHECK(rows[0].cut == 1);
  CHECK(rows[0].line.size() < 16);
  CHECK(rows[1].cut == 0);
  CHECK(rows[1].offset == 17);
  CHECK(rows[1].end_offset == 20);
}

TEST_CASE("clickhouse: stamps move past the last one and keep a write within one second") {
  CHECK(clickhouse_first_stamp(5'000'000, 0, 3) == 5'000'000);
  CHECK(clickhouse_first_stamp(5'000'000, 6'000'000, 3) == 6'000'001); // the clock went back
  // 3 batches from ...999,999 would cross into the next second.
  CHECK(clickhouse_first_stamp(5'999'999, 0, 3) == 6'000'000);
  CHECK(clickhouse_first_stamp(5'999'998, 0, 2) == 5'999'998);
}

TEST_CASE("clickhouse: JSONEachRow rows hold the same fields, with JSON's escaping") {
  auto a = batch("app", 9, 0, "say \"hi\"\n");
  destination_write w;
  w.batches = {{&a, 0}};
  std::string json;
  REQUIRE(encode_rows_json_each_row(w, 42, json) == 1);
  CHECK(json == "{\"time_us\":42,\"node\":\"\",\"key\":\"app\",\"file\":\"/var/log/app.log\","
                "\"offset\":0,\"line\":\"say \\\"hi\\\"\",\"cut\":0,\"device\":3,\"inode\":9,"
                "\"prefix_len\":16,\"prefix_hash\":11259375,\"reading\":77,\"end_offset\":9}\n");
}

TEST_CASE("clickhouse: RowBinary strings of any length read back as written") {
  std::string data;
  row_binary_writer w(data);
  std::string long_text(300, 'x');
  w.string(long_text);
  w.string("");
  w.u64(UINT64_MAX);
  w.i64(-5);
  row_binary_reader r(data);
  CHECK(r.string() == long_text);
  CHECK(r.string().empty());
  CHECK(r.u64() == UINT64_MAX);
  CHECK(r.i64() == -5);
  CHECK(r.done());
  std::string cut = data.substr(0, 100);
  row_binary_reader bad(cut);
  CHECK_THROWS(bad.string());
}
