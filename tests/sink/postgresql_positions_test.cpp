// Which position rows a PostgreSQL write changes (postgresql_positions.hpp):
// reading the rows back in ordinal order always gives the new list, and a
// write that moves one file of a key of thousands changes one row.

#include <catch2/catch.hpp>

#include <random>

#include "actors/sink/postgresql_positions.hpp"

using namespace logcatch;

namespace {

delivered_position file_pos(uint64_t inode, uint64_t offset, int64_t ms = 1000) {
  delivered_position p;
  p.known = true;
  p.file = file_identity{2049, inode, 64, inode * 31};
  p.offset = offset;
  p.path = "/logs/f" + std::to_string(inode) + ".log";
  p.updated_ms = ms;
  p.reading = inode + 1000;
  return p;
}

/// What the table holds after applying `c` to `stored`, in ordinal order.
std::vector<ordinal_position> apply(std::vector<ordinal_position> stored,
                                    const position_rows_change& c) {
  std::map<int64_t, delivered_position> table;
  for (auto& row : stored)
    table[row.ordinal] = row.pos;
  for (auto o : c.deleted)
    table.erase(o);
  for (auto& row : c.upserted)
    table[row.ordinal] = row.pos;
  std::vector<ordinal_position> out;
  for (auto& [o, p] : table)
    out.push_back({o, p});
  return out;
}

void check_reads_back(const std::vector<ordinal_position>& stored,
                      const std::vector<delivered_position>& wanted,
                      const position_rows_change& c) {
  auto table = apply(stored, c);
  REQUIRE(table.size() == wanted.size());
  REQUIRE(c.after.size() == wanted.size());
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    CHECK(same_stored_position(table[i].pos, wanted[i]));
    CHECK(table[i].ordinal == c.after[i].ordinal);
    CHECK(same_stored_position(c.after[i].pos, wanted[i]));
  }
}

std::vector<ordinal_position> numbered(const std::vector<delivered_position>& list) {
  std::vector<ordinal_position> out;
  for (std::size_t i = 0; i < list.size(); ++i)
    out.push_back({static_cast<int64_t>(i), list[i]});
  return out;
}

} // namespace

TEST_CASE("positions: a write that moves one file of a 2,000-file key changes one row") {
  std::vector<delivered_position> list;
  for (uint64_t i = 0; i < 2000; ++i)
    list.push_back(file_pos(i + 1, 100));
  auto stored = numbered(list);
  auto wanted = list;
  wanted[1234].offset = 200;
  wanted[1234].updated_ms = 2000;
  auto c = change_positions(stored, wanted);
  CHECK(c.deleted.empty());
  REQUIRE(c.upserted.size() == 1);
  CHECK(c.upserted[0].ordinal == 1234);
  check_reads_back(stored, wanted, c);

  SECTION("a new file is one row appended after the last") {
    wanted.push_back(file_pos(5000, 10));
    auto added = change_positions(stored, wanted);
    CHECK(added.deleted.empty());
    REQUIRE(added.upserted.size() == 2);
    CHECK(added.upserted[1].ordinal == 2000);
    check_reads_back(stored, wanted, added);
  }
  SECTION("forgotten files are deleted rows, the rest untouched, even many at once") {
    wanted.erase(wanted.begin() + 10);
    wanted.erase(wanted.begin() + 100, wanted.begin() + 600); // 500 files rotated away
    auto forgot = change_positions(stored, wanted);
    CHECK(forgot.deleted.size() == 501);
    CHECK(forgot.upserted.size() == 1);
    check_reads_back(stored, wanted, forgot);
  }
  SECTION("nothing changed, nothing written") {
    auto same = change_positions(stored, list);
    CHECK(same.deleted.empty());
    CHECK(same.upserted.empty());
  }
  SECTION("a key emptied deletes its rows") {
    auto gone = change_positions(stored, {});
    CHECK(gone.deleted.size() == 2000);
    CHECK(gone.upserted.empty());
    CHECK(gone.after.empty());
  }
}

TEST_CASE("positions: sparse ordinals from earlier writes are kept, and an append past the limit renumbers") {
  std::vector<ordinal_position> stored{{3, file_pos(1, 10)}, {17, file_pos(2, 10)}, {40, file_pos(3, 10)}};
  std::vector<delivered_position> wanted{file_pos(1, 10), file_pos(3, 20), file_pos(4, 0)};
  auto c = change_positions(stored, wanted);
  CHECK(c.deleted == std::vector<int64_t>{17});
  REQUIRE(c.upserted.size() == 2);
  CHECK(c.upserted[0].ordinal == 40);
  CHECK(c.upserted[1].ordinal == 41);
  check_reads_back(stored, wanted, c);

  auto full = change_positions(stored, wanted, 40); // 41 is past the bound
  CHECK(full.after[0].ordinal == 0);
  CHECK(full.after[2].ordinal == 2);
  check_reads_back(stored, wanted, full);
}

TEST_CASE("positions: any edit of a list reads back exactly (random lists)") {
  std::mt19937_64 rng(13);
  for (int round = 0; round < 2000; ++round) {
    std::vector<ordinal_position> stored;
    int64_t ordinal = 0;
    auto n = rng() % 12;
    for (std::size_t i = 0; i < n; ++i) {
      ordinal += 1 + static_cast<int64_t>(rng() % 3);
      // Few inodes: several positions of one inode, as after copytruncate.
      stored.push_back({ordinal, file_pos(1 + rng() % 5, rng() % 4)});
    }
    std::vector<delivered_position> wanted;
    for (auto& row : stored) {
      auto r = rng() % 6;
      if (r == 0)
        continue; // forgotten
      auto p = row.pos;
      if (r == 1)
        p.offset += 1 + rng() % 3; // moved
      if (r == 2)
        p.file.inode = 1 + rng() % 5; // went on in another file
      wanted.push_back(p);
    }
    for (auto extra = rng() % 3; extra > 0; --extra)
      wanted.push_back(file_pos(1 + rng() % 5, rng() % 4));
    auto c = change_positions(stored, wanted, 1000);
    check_reads_back(stored, wanted, c);
  }
}
