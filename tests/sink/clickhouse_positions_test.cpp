#include "actors/sink/clickhouse_positions.hpp"

#include <catch2/catch.hpp>

#include "actors/sink/clickhouse_row_binary.hpp"

using namespace logcatch;

namespace {

delivered_position at(uint64_t inode, uint64_t offset, uint64_t reading = 1,
                      uint32_t prefix_len = 8) {
  delivered_position p;
  p.known = true;
  p.file = file_identity{2, inode, prefix_len, inode * 1000};
  p.offset = offset;
  p.reading = reading;
  p.path = "/log/" + std::to_string(inode);
  p.updated_ms = static_cast<int64_t>(offset);
  return p;
}

clickhouse_row_position row(const std::string& key, const delivered_position& p, uint64_t stamp) {
  return {key, p, stamp};
}

/// Events through their RowBinary form, as the query answers them.
std::vector<clickhouse_position_event> round_trip(const std::vector<clickhouse_position_event>& e) {
  std::string data;
  encode_position_events(e, data);
  return decode_position_events(data);
}

} // namespace

TEST_CASE("clickhouse: a first write sets every position of its keys") {
  stored_positions after{{"a", {at(1, 10), at(2, 20)}}};
  auto events = clickhouse_position_events({}, after, 100);
  REQUIRE(events.size() == 2);
  CHECK(events[0].rank == 0);
  CHECK(events[1].rank == 1);
  CHECK(events[1].position.offset == 20);
  CHECK_FALSE(events[0].dropped);
}

TEST_CASE("clickhouse: a write that moves one file sends only that file's event") {
  stored_positions stored{{"a", {at(1, 10), at(2, 20)}}, {"b", {at(3, 5)}}};
  stored_positions after{{"a", {at(1, 10), at(2, 30)}}};
  auto events = clickhouse_position_events(stored, after, 100);
  REQUIRE(events.size() == 1);
  CHECK(events[0].position.file.inode == 2);
  CHECK(events[0].rank == 1);
}

TEST_CASE("clickhouse: a forgotten file is dropped and the key's list is set again") {
  stored_positions stored{{"a", {at(1, 10), at(2, 20)}}};
  stored_positions after{{"a", {at(2, 20)}}};
  auto events = round_trip(clickhouse_position_events(stored, after, 100));
  REQUIRE(events.size() == 2);
  CHECK(events[0].position.file.inode == 2);
  CHECK(events[0].rank == 0);
  CHECK(events[1].dropped);
  CHECK(events[1].position.file.inode == 1);
  auto merged = clickhouse_merge_positions(events, {});
  REQUIRE(merged.positions["a"].size() == 1);
  CHECK(merged.positions["a"][0].file.inode == 2);
}

TEST_CASE("clickhouse: the read-back keeps each key's order and reports the last stamp") {
  auto first = clickhouse_position_events({}, {{"a", {at(5, 1), at(3, 1), at(4, 1)}}}, 100);
  auto later = clickhouse_position_events({{"a", {at(5, 1), at(3, 1), at(4, 1)}}},
                                          {{"a", {at(5, 1), at(3, 9), at(4, 1)}}}, 200);
  // The latest event per file, as the query's LIMIT 1 BY answers.
  std::vector<clickhouse_position_event> latest{first[0], later[0], first[2]};
  auto merged = clickhouse_merge_positions(round_trip(latest), {});
  auto& list = merged.positions["a"];
  REQUIRE(list.size() == 3);
  CHECK(list[0].file.inode == 5);
  CHECK(list[1].file.inode == 3);
  CHECK(list[1].offset == 9);
  CHECK(list[2].file.inode == 4);
  CHECK(merged.last_stamp == 200);
  CHECK(merged.repaired.empty());
}

TEST_CASE("clickhouse: rows newer than their key's events move the position and ask for a repair") {
  auto events = clickhouse_position_events({}, {{"a", {at(1, 10)}}, {"b", {at(2, 10)}}}, 100);
  std::vector<clickhouse_row_position> rows{
    row("a", at(1, 10), 100),  // covered by the events
    row("b", at(2, 50), 150),  // written after b's events: they were lost
    row("c", at(7, 70), 160),  // a key whose first events were lost
  };
  auto merged = clickhouse_merge_positions(events, rows);
  CHECK(merged.positions["a"][0].offset == 10);
  REQUIRE(merged.positions["b"].size() == 1);
  CHECK(merged.positions["b"][0].offset == 50);
  REQUIRE(merged.positions["c"].size() == 1);
  CHECK(merged.positions["c"][0].offset == 70);
  CHECK(merged.repaired == std::set<std::string>{"b", "c"});
  CHECK(merged.last_stamp == 160);
  CHECK(clickhouse_rows_needed_from(events) == 100);
}

TEST_CASE("clickhouse: a newer row of a file whose hashed prefix grew replaces its old position") {
  auto events = clickhouse_position_events({}, {{"a", {at(1, 10, 4, 8)}}}, 100);
  auto grown = at(1, 4000, 4, 1024); // same inode and reading, longer prefix
  auto merged = clickhouse_merge_positions(events, {row("a", grown, 200)});
  REQUIRE(merged.positions["a"].size() == 1);
  CHECK(merged.positions["a"][0].file.prefix_len == 1024);
  CHECK(merged.positions["a"][0].offset == 4000);
}

TEST_CASE("clickhouse: a dropped file comes back when rows newer than the drop arrive") {
  auto events = clickhouse_position_events({{"a", {at(1, 10)}}}, {{"a", {}}}, 100);
  REQUIRE(events.size() == 1);
  CHECK(events[0].dropped);
  CHECK(clickhouse_merge_positions(events, {}).positions["a"].empty());
  auto merged = clickhouse_merge_positions(events, {row("a", at(1, 30), 120)});
  REQUIRE(merged.positions["a"].size() == 1);
  CHECK(merged.positions["a"][0].offset == 30);
}

TEST_CASE("clickhouse: a row position answer decodes node/key as the position key") {
  std::string data;
  row_binary_writer w(data);
  for (auto node : {"", "web1"}) {
    w.string(node);
    w.string("app");
    w.u64(2);
    w.u64(9);
    w.u32(8);
    w.u64(9000);
    w.u64(55);            // reading
    w.u64(1234);          // end_offset
    w.string("/log/app"); // file
    w.u64(7'000'123);     // stamp
  }
  auto rows = decode_row_positions(data);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].position_key == "app");
  CHECK(rows[1].position_key == "web1/app");
  CHECK(rows[1].position.offset == 1234);
  CHECK(rows[1].position.reading == 55);
  CHECK(rows[1].position.updated_ms == 7000);
  CHECK(rows[1].stamp == 7'000'123);
}

TEST_CASE("clickhouse: a write's events may wait only while its rows say the same positions") {
  stored_positions stored{{"a", {at(1, 10), at(2, 20)}}};
  // Rows moved file 1: reading back gives the same as the sink holds.
  CHECK(clickhouse_rows_say(stored, {row("a", at(1, 90), 500)}, {{"a", {at(1, 90), at(2, 20)}}}));
  // updated_ms is only a position's age: not compared.
  auto later = at(1, 90);
  later.updated_ms = 123456;
  CHECK(clickhouse_rows_say(stored, {row("a", at(1, 90), 500)}, {{"a", {later, at(2, 20)}}}));
  // Rows of two writes: the newest row per file counts.
  CHECK(clickhouse_rows_say(stored, {row("a", at(1, 90), 500), row("a", at(2, 70), 501)},
                            {{"a", {at(1, 90), at(2, 70)}}}));
  // A new key, all of it in rows.
  CHECK(clickhouse_rows_say(stored, {row("b", at(5, 50), 500)}, {{"b", {at(5, 50)}}}));
  // The rows stop short of the position (bytes consumed after the last line).
  CHECK_FALSE(clickhouse_rows_say(stored, {row("a", at(1, 80), 500)}, {{"a", {at(1, 90), at(2, 20)}}}));
  // A file forgotten, a new reading without rows, an order the rows cannot give.
  CHECK_FALSE(clickhouse_rows_say(stored, {row("a", at(1, 90), 500)}, {{"a", {at(1, 90)}}}));
  CHECK_FALSE(clickhouse_rows_say(stored, {}, {{"a", {at(1, 0, 2), at(2, 20)}}}));
  CHECK_FALSE(clickhouse_rows_say(stored, {row("a", at(3, 5), 500)}, {{"a", {at(3, 5), at(1, 10), at(2, 20)}}}));
  // A key with no positions left: only an event says so.
  CHECK_FALSE(clickhouse_rows_say(stored, {}, {{"a", {}}}));
  CHECK(clickhouse_rows_say(stored, {}, {{"c", {}}}));
}
