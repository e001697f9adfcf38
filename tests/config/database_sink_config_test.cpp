// The database sinks' config keys (postgresql, clickhouse): defaults, and
// every refusal located at FILE:LINE:COL.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "config/config_loader.hpp"
#include "test_support.hpp"

using namespace logcatch;

namespace {

collector_config load(const std::string& yaml) {
  return load_config_text(yaml, "t.yaml", "/cfg");
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

std::string with_sink(const std::string& sink) {
  return "logs:\n  app: /var/log/app.log\nsink:\n" + sink;
}

} // namespace

TEST_CASE("a postgresql sink takes a dsn, a password file, a table and batch bounds") {
  test::temp_dir dir;
  test::write_file(dir / "pg.pass", "hunter2\nignored\n");
  auto c = load(with_sink("  type: postgresql\n"
                          "  dsn: \"host=127.0.0.1 port=5432 dbname=logs user=logcatch\"\n"
                          "  password_file: " + (dir / "pg.pass") + "\n"
                          "  table: app_lines\n"
                          "  batch: {max_rows: 2000, max_bytes: 4MiB, max_delay: 100ms}\n"));
  CHECK(c.sink.type == sink_type::postgresql);
  CHECK(c.sink.database.dsn == "host=127.0.0.1 port=5432 dbname=logs user=logcatch");
  CHECK(c.sink.database.password == "hunter2");
  CHECK(c.sink.database.password_file == dir / "pg.pass");
  CHECK(c.sink.database.table == "app_lines");
  CHECK(c.sink.database.batch.max_rows == 2000);
  CHECK(c.sink.database.batch.max_bytes == 4u * 1024 * 1024);
  CHECK(c.sink.database.batch.max_delay == millis{100});
  CHECK(summarize(c).find("sink postgresql (table app_lines)") != std::string::npos);
}

TEST_CASE("a postgresql sink's defaults: table lines and batches of 20000 rows, 8MiB or 200ms") {
  auto c = load(with_sink("  type: postgresql\n  dsn: postgresql://logcatch@db.example:5433/logs\n"));
  CHECK(c.sink.database.table == "lines");
  CHECK(c.sink.database.password.empty());
  CHECK(c.sink.database.batch.max_rows == 20000);
  CHECK(c.sink.database.batch.max_bytes == 8u * 1024 * 1024);
  CHECK(c.sink.database.batch.max_delay == millis{200});
}

TEST_CASE("a clickhouse sink takes a url, database, table and user with its own batch defaults") {
  auto c = load(with_sink("  type: clickhouse\n  url: http://127.0.0.1:8123\n  database: logs\n"));
  CHECK(c.sink.type == sink_type::clickhouse);
  CHECK(c.sink.database.url == "http://127.0.0.1:8123");
  CHECK(c.sink.database.database == "logs");
  CHECK(c.sink.database.user == "default");
  CHECK(c.sink.database.table == "lines");
  CHECK(c.sink.database.batch.max_rows == 100000);
  CHECK(c.sink.database.batch.max_bytes == 16u * 1024 * 1024);
  CHECK(c.sink.database.batch.max_delay == millis{1000});
  auto d = load(with_sink("  type: clickhouse\n  url: http://ch\n"));
  CHECK(d.sink.database.database == "default");
}

TEST_CASE("a dsn that libpq cannot parse is refused at its line and column") {
  auto e = error_of([] { load(with_sink("  type: postgresql\n  dsn: \"host=127.0.0.1 port\"\n")); });
  CHECK(e.rfind("t.yaml:5:8: dsn: ", 0) == 0);
  CHECK(e.find("missing \"=\" after \"port\"") != std::string::npos);
  auto uri = error_of([] { load(with_sink("  type: postgresql\n  dsn: \"postgresql://h/db?nosuch=1\"\n")); });
  CHECK(uri.find("t.yaml:5:8: dsn: ") == 0);
  CHECK(uri.find("nosuch") != std::string::npos);
}

TEST_CASE("a postgresql sink without a dsn and a clickhouse sink without a url are refused") {
  CHECK(error_of([] { load(with_sink("  type: postgresql\n")); }) ==
        "t.yaml:3:1: sink: type postgresql needs a 'dsn' (e.g. \"host=127.0.0.1 dbname=logs user=logcatch\")");
  CHECK(error_of([] { load(with_sink("  type: clickhouse\n")); }) ==
        "t.yaml:3:1: sink: type clickhouse needs a 'url' (e.g. http://127.0.0.1:8123)");
}

TEST_CASE("a clickhouse url must be http or https to HOST with an optional port and no path") {
  auto e = [](const std::string& url) {
    return error_of([&] { load(with_sink("  type: clickhouse\n  url: \"" + url + "\"\n")); });
  };
  CHECK(e("tcp://127.0.0.1:9000").rfind("t.yaml:5:8: url: expected http://HOST:PORT", 0) == 0);
  CHECK(e("http://127.0.0.1:0").find("bad port '0'") != std::string::npos);
  CHECK(e("http://127.0.0.1:99999").find("bad port '99999'") != std::string::npos);
  CHECK(e("http://:8123").find("no host") != std::string::npos);
  CHECK(e("http://127.0.0.1:8123/query").find("no path or query") != std::string::npos);
  CHECK(e("https://ch.example/") == "no error");
  CHECK(e("http://[::1]:8123") == "no error");
}

TEST_CASE("an unreadable or empty password file is refused at its line and column") {
  test::temp_dir dir;
  auto missing = error_of([&] {
    load(with_sink("  type: postgresql\n  dsn: dbname=logs\n  password_file: " + (dir / "none") + "\n"));
  });
  CHECK(missing.rfind("t.yaml:6:18: password_file: " + (dir / "none") + ": cannot open: No such file", 0) == 0);
  test::write_file(dir / "empty", "\n");
  auto empty = error_of([&] {
    load(with_sink("  type: postgresql\n  dsn: dbname=logs\n  password_file: " + (dir / "empty") + "\n"));
  });
  CHECK(empty.find("its first line is empty") != std::string::npos);
}

TEST_CASE("database keys are refused with other sink types and with the other database") {
  CHECK(error_of([] { load(with_sink("  type: file\n  path: /out.log\n  table: x\n")); }) ==
        "t.yaml:6:3: table: only allowed with sink type postgresql or clickhouse");
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  url: http://ch:8123\n")); }) ==
        "t.yaml:5:3: url: not used by sink type postgresql (it takes 'dsn')");
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  dsn: dbname=x\n  database: logs\n")); }) ==
        "t.yaml:6:3: database: not used by sink type postgresql (name it in the dsn)");
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  dsn: dbname=x\n  format: json\n")); }) ==
        "t.yaml:3:1: format: not used by a database sink (its rows have columns)");
}

TEST_CASE("a table name must be a plain SQL name and batch bounds must be sane") {
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  dsn: dbname=x\n  table: \"lines; drop\"\n")); })
          .rfind("t.yaml:6:10: table: expected a table name of letters, digits and '_'", 0) == 0);
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  dsn: dbname=x\n  batch: {max_rows: 0}\n")); })
          .rfind("t.yaml:6:21: max_rows: must be at least 1", 0) == 0);
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  dsn: dbname=x\n  batch: {max_delay: 2m}\n")); })
          .rfind("t.yaml:6:22: max_delay: must be at most 60s", 0) == 0);
  CHECK(error_of([] { load(with_sink("  type: postgresql\n  dsn: dbname=x\n  batch: {max_rowz: 5}\n")); })
          .find("unknown key 'max_rowz' in sink.batch (did you mean 'max_rows'?)") != std::string::npos);
  CHECK(valid_sql_name("lines_2026"));
  CHECK_FALSE(valid_sql_name("2lines"));
  CHECK_FALSE(valid_sql_name(""));
  CHECK_FALSE(valid_sql_name(std::string(64, 'a')));
}

TEST_CASE("an aggregator takes a database sink and needs no state_dir for it") {
  auto pg = load_aggregator_config_text("sink:\n  type: postgresql\n  dsn: dbname=x\n", "a.yaml", "/cfg");
  CHECK(pg.sink.type == sink_type::postgresql);
  CHECK(pg.state_dir.empty());
  auto ch = load_aggregator_config_text("sink:\n  type: clickhouse\n  url: http://127.0.0.1:8123\n",
                                        "a.yaml", "/cfg");
  CHECK(ch.sink.type == sink_type::clickhouse);
  CHECK(ch.state_dir.empty());
  CHECK(error_of([] {
          load_aggregator_config_text("sink: {type: remote, address: 'a:1'}\n", "a.yaml", "/cfg");
        }).find("not type remote") != std::string::npos);
}
