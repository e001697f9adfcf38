// The PostgreSQL destination alone (no actors) against a real private
// PostgreSQL: the database_destination contract the database sink relies on.

#include <catch2/catch.hpp>

#include "actors/sink/database_destination_postgresql.hpp"
#include "postgresql_support.hpp"
#include "test_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

database_sink_config config_for(const postgresql_server& pg) {
  database_sink_config cfg;
  cfg.dsn = pg.dsn();
  cfg.password = postgresql_server::password;
  cfg.table = "lines";
  return cfg;
}

line_batch batch_of(const std::string& key, uint64_t inode, uint64_t start,
                    const std::vector<std::string>& lines) {
  line_batch b;
  b.key = key;
  b.path = "/logs/" + key + ".log";
  b.file = file_identity{2049, inode, 0, 0};
  b.start_offset = start;
  for (auto& l : lines) {
    b.data += l + "\n";
    b.ends.push_back(static_cast<uint32_t>(b.data.size()));
  }
  b.end_offset = start + b.data.size();
  return b;
}

} // namespace

TEST_CASE("postgresql destination: positions come back exactly as written and a write replaces a key's list") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  postgresql_destination dest{config_for(pg)};
  REQUIRE(dest.prepare().ok());
  REQUIRE(dest.prepare().ok()); // again: the tables are there, and right
  stored_positions loaded;
  REQUIRE(dest.load_positions(loaded).ok());
  CHECK(loaded.empty());

  auto a = batch_of("app", 11, 0, {"one", "two"});
  delivered_position baseline{true, {}, 1795998194204, {}, 1795998194204, 0};
  delivered_position pos{true, file_identity{2049, 11, 1024, 0xFEDCBA9876543210ull}, a.end_offset,
                         "/logs/\xff" "app.log", 1795998194999, 0x8000000000000001ull};
  destination_write w;
  w.collected_us = 1795998195000123;
  w.batches.push_back({&a, 0});
  w.positions["app"] = {baseline, pos};
  w.positions["web-1/other"] = {baseline};
  REQUIRE(dest.write(w).ok());
  REQUIRE(dest.load_positions(loaded).ok());
  REQUIRE(loaded.size() == 2);
  REQUIRE(loaded["app"].size() == 2);
  auto& back = loaded["app"][1];
  CHECK(back.file.device == 2049);
  CHECK(back.file.inode == 11);
  CHECK(back.file.prefix_len == 1024);
  CHECK(back.file.prefix_hash == 0xFEDCBA9876543210ull);
  CHECK(back.offset == a.end_offset);
  CHECK(back.path == pos.path);
  CHECK(back.updated_ms == 1795998194999);
  CHECK(back.reading == 0x8000000000000001ull);
  CHECK(loaded["app"][0].offset == 1795998194204);
  CHECK(loaded["web-1/other"].size() == 1);
  CHECK(pg.query("SELECT node FROM lines_positions WHERE key = 'app' LIMIT 1")[0][0].empty());
  CHECK(pg.query("SELECT node FROM lines_positions WHERE key = 'other'")[0][0] == "web-1");
  auto rows = pg.query("SELECT \"time\", line, \"offset\" FROM lines ORDER BY \"offset\"");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "2026-11-30 00:23:15.000123+00");
  CHECK(rows[1][1] == "two");
  CHECK(rows[1][2] == "4");

  // The key's list replaced (one position left), the other key emptied.
  destination_write next;
  next.positions["app"] = {pos};
  next.positions["web-1/other"] = {};
  REQUIRE(dest.write(next).ok());
  REQUIRE(dest.load_positions(loaded).ok());
  CHECK(loaded.size() == 1);
  CHECK(loaded["app"].size() == 1);
  CHECK(pg.number("SELECT count(*) FROM lines") == 2);
}

TEST_CASE("postgresql destination: a write that fails leaves neither rows nor positions") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  postgresql_destination dest{config_for(pg)};
  REQUIRE(dest.prepare().ok());
  // A constraint the rows break makes the COPY fail mid-transaction.
  pg.query("ALTER TABLE lines ADD CONSTRAINT short_lines CHECK (length(line) < 10)");
  auto a = batch_of("app", 11, 0, {"short", "this one is too long"});
  destination_write w;
  w.batches.push_back({&a, 0});
  w.positions["app"] = {delivered_position{true, a.file, a.end_offset, a.path, 1, 1}};
  auto result = dest.write(w);
  CHECK(result.outcome == write_outcome::not_written);
  CHECK(result.error.find("short_lines") != std::string::npos);
  CHECK(pg.number("SELECT count(*) FROM lines") == 0);
  CHECK(pg.number("SELECT count(*) FROM lines_positions") == 0);
  // The next call reconnects first.
  REQUIRE(dest.prepare().ok());
  stored_positions loaded;
  REQUIRE(dest.load_positions(loaded).ok());
  CHECK(loaded.empty());
}

TEST_CASE("postgresql destination: an unreachable server is a retryable error and a wrong password a permanent one") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  auto cfg = config_for(pg);
  cfg.password = "wrong";
  auto wrong = postgresql_destination{cfg}.prepare();
  CHECK(wrong.permanent);
  CHECK(wrong.error.find("password authentication failed") != std::string::npos);
  auto gone = config_for(pg);
  gone.dsn = "host=127.0.0.1 port=1 dbname=postgres user=logcatch";
  auto refused = postgresql_destination{gone}.prepare();
  CHECK_FALSE(refused.ok());
  CHECK_FALSE(refused.permanent);
  CHECK(refused.outcome == write_outcome::not_written);
}

TEST_CASE("postgresql destination: a write moving 1 file of a 2,000-file key writes 1 position row, and reads back exactly") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  postgresql_destination dest{config_for(pg)};
  REQUIRE(dest.prepare().ok());
  stored_positions loaded;
  REQUIRE(dest.load_positions(loaded).ok());
  // Every row the positions table gets, counted by a trigger (exact and in
  // the same transaction, unlike the statistics views).
  pg.query("CREATE TABLE row_changes (op text)");
  pg.query("CREATE FUNCTION count_row() RETURNS trigger LANGUAGE plpgsql AS "
           "$$ BEGIN INSERT INTO row_changes VALUES (TG_OP); RETURN NULL; END $$");
  pg.query("CREATE TRIGGER count_rows AFTER INSERT OR UPDATE OR DELETE ON lines_positions "
           "FOR EACH ROW EXECUTE FUNCTION count_row()");
  auto changes = [&] {
    auto n = pg.number("SELECT count(*) FROM row_changes");
    pg.query("DELETE FROM row_changes");
    return n;
  };

  std::vector<delivered_position> list;
  list.push_back(delivered_position{true, {}, 1795998194204, {}, 1795998194204, 0}); // baseline
  for (uint64_t i = 1; i <= 2000; ++i)
    list.push_back(delivered_position{true, file_identity{2049, 100 + i, 0, 0}, 0,
                                      "/logs/glob/" + std::to_string(i) + ".log", 1795998194300,
                                      i});
  destination_write first;
  first.positions["glob"] = list;
  REQUIRE(dest.write(first).ok());
  CHECK(changes() == 2001);

  // One file of the key moves: one row changes, not 2,001.
  auto a = batch_of("glob", 100 + 777, 0, {"one", "two"});
  list[777].offset = a.end_offset;
  list[777].updated_ms = 1795998195000;
  destination_write one;
  one.collected_us = 1795998195000123;
  one.batches.push_back({&a, 0});
  one.positions["glob"] = list;
  REQUIRE(dest.write(one).ok());
  CHECK(changes() == 1);
  CHECK(pg.number("SELECT count(*) FROM lines") == 2);

  // A file forgotten and a new one: two rows.
  list.erase(list.begin() + 5);
  list.push_back(delivered_position{true, file_identity{2049, 9000, 0, 0}, 12, "/logs/glob/new.log",
                                    1795998196000, 9000});
  destination_write two;
  two.positions["glob"] = list;
  REQUIRE(dest.write(two).ok());
  CHECK(changes() == 2);

  auto check_same = [&](const stored_positions& back) {
    REQUIRE(back.size() == 1);
    auto& got = back.at("glob");
    REQUIRE(got.size() == list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      CHECK(got[i].file.inode == list[i].file.inode);
      CHECK(got[i].offset == list[i].offset);
      CHECK(got[i].path == list[i].path);
      CHECK(got[i].updated_ms == list[i].updated_ms);
      CHECK(got[i].reading == list[i].reading);
    }
  };
  REQUIRE(dest.load_positions(loaded).ok());
  check_same(loaded);

  // Another connection (a restart) reads the same list, and writes on it by rows too.
  postgresql_destination again{config_for(pg)};
  REQUIRE(again.prepare().ok());
  REQUIRE(again.load_positions(loaded).ok());
  check_same(loaded);
  list[1000].offset = 99;
  destination_write three;
  three.positions["glob"] = list;
  REQUIRE(again.write(three).ok());
  CHECK(changes() == 1);
  REQUIRE(again.load_positions(loaded).ok());
  check_same(loaded);
}

TEST_CASE("postgresql destination: binary COPY keeps every line's exact bytes, cut flags and time") {
  temp_dir dir;
  postgresql_server pg{dir.path()};
  postgresql_destination dest{config_for(pg)};
  REQUIRE(dest.prepare().ok());
  auto a = batch_of("app", 11, 40, {"plain", std::string("nul\0byte", 8), "bad \xff utf8",
                                    "tab\tback\\slash 'q' \"d\" \xc3\xa9", ""});
  a.size_adjust.push_back(size_adjustment{1, 5});
  a.node = "web-1";
  destination_write w;
  w.collected_us = 1795998195000123;
  w.batches.push_back({&a, 1}); // the first line is already in: skipped
  w.positions["web-1/app"] = {delivered_position{true, a.file, a.end_offset, a.path, 1, 1}};
  REQUIRE(dest.write(w).ok());
  auto rows = pg.query("SELECT \"time\", node, key, file, inode, \"offset\", line, cut, "
                       "encode(coalesce(raw, convert_to(line, 'UTF8')), 'hex') FROM lines "
                       "ORDER BY \"offset\"");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0][0] == "2026-11-30 00:23:15.000123+00");
  CHECK(rows[0][1] == "web-1");
  CHECK(rows[0][2] == "app");
  CHECK(rows[0][3] == "/logs/app.log");
  CHECK(rows[0][4] == "11");
  CHECK(rows[0][5] == "46");
  CHECK(rows[0][6] == "nul\xef\xbf\xbd" "byte");
  CHECK(rows[0][7] == "t");
  CHECK(rows[0][8] == "6e756c0062797465");
  CHECK(rows[1][6] == "bad \xef\xbf\xbd utf8");
  CHECK(rows[1][7] == "f");
  CHECK(rows[1][8] == "62616420ff2075746638");
  CHECK(rows[2][6] == "tab\tback\\slash 'q' \"d\" \xc3\xa9");
  CHECK(rows[3][6].empty());
  CHECK(pg.number("SELECT count(*) FROM lines WHERE raw IS NULL") == 2);
}
