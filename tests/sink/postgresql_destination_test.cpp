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
