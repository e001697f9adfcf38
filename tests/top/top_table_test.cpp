#include "main/top/top_table.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <vector>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::lines_of;

namespace {

std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
    text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

top_key_row row(std::string key, double lines, double bytes, double lag, double restarts,
                std::string error = "", bool failing = false) {
  top_key_row r;
  r.key = std::move(key);
  r.lines_per_s = lines;
  r.bytes_per_s = bytes;
  r.lag_bytes = lag;
  r.restarts = restarts;
  r.last_error = std::move(error);
  r.failing = failing;
  return r;
}

top_view sample_view() {
  top_view view;
  view.rows.push_back(row("alpha", 1234, 3.4 * 1024 * 1024, 0, 0));
  view.rows.push_back(row("beta", 0.5, 50, 2048, 3, "open: permission denied", true));
  view.sink_lines_per_s = 1234.5;
  view.sink_bytes_per_s = 1024 * 1024;
  view.sink_write_errors = 0;
  view.resident_bytes = 12.3 * 1024 * 1024;
  view.uptime_seconds = 3720;
  view.version = "0.1.0";
  return view;
}

} // namespace

TEST_CASE("render_top_table prints a header, one aligned row per key and a footer",
          "[top][top_table]") {
  auto text = render_top_table(sample_view(), {});
  auto lines = lines_of(text);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].rfind("KEY", 0) == 0);
  CHECK(lines[1].rfind("alpha ", 0) == 0);
  CHECK(lines[2].rfind("beta ", 0) == 0);
  CHECK(lines[1].find("1.2k/s") != std::string::npos);
  CHECK(lines[1].find("3.4 MiB/s") != std::string::npos);
  CHECK(lines[2].find("0.5/s") != std::string::npos);
  CHECK(lines[2].find("2.0 KiB") != std::string::npos);
  CHECK(lines[2].find("FAILING: open: permission denied") != std::string::npos);
  CHECK(lines[3] == "sink 1.2k lines/s, 1.0 MiB/s, 0 write errors   rss 12.3 MiB   up 1h02m   logcatch 0.1.0");
  // Right-aligned numbers end in the same column as their header.
  for (const char* header : {"LINES/S", "BYTES/S", "RESTARTS"}) {
    auto end = lines[0].find(header) + std::string(header).size();
    CHECK(lines[1][end - 1] != ' ');
    CHECK(lines[2][end - 1] != ' ');
    CHECK((lines[1].size() == end || lines[1][end] == ' '));
  }
  CHECK(lines[0].find("LAST ERROR") == lines[2].find("FAILING"));
  for (const auto& line : lines)
    CHECK((line.empty() || line.back() != ' '));
}

TEST_CASE("render_top_table shows unknown rates as dashes and an empty view as no keys",
          "[top][top_table]") {
  top_view view;
  top_key_row r;
  r.key = "fresh";
  view.rows.push_back(r);
  auto lines = lines_of(render_top_table(view, {}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find(" - ") != std::string::npos);
  CHECK(lines[2].rfind("sink -, -", 0) == 0);
  auto empty = lines_of(render_top_table(top_view{}, {}));
  REQUIRE(empty.size() == 3);
  CHECK(empty[1] == "(no keys)");
}

TEST_CASE("render_top_table fits a width by cutting the error first, then long keys",
          "[top][top_table]") {
  auto view = sample_view();
  view.rows.push_back(row(std::string(60, 'k'), 1, 1, 1, 0, std::string(200, 'e')));
  top_table_options options;
  options.title = "logcatch top  http://127.0.0.1:9100/metrics  every 1s  (q quits)";
  for (std::size_t width : {40, 72, 100, 140}) {
    options.width = width;
    auto lines = lines_of(render_top_table(view, options));
    REQUIRE(lines.size() == 6);
    for (const auto& line : lines)
      CHECK(code_points(line) <= width);
    CHECK(lines[2].rfind("alpha", 0) == 0);
    CHECK(lines[4].find("...") != std::string::npos);
  }
  options.width = 140;
  auto wide = lines_of(render_top_table(view, options));
  CHECK(wide[3].find("FAILING: open: permission denied") != std::string::npos);
  CHECK(wide[4].rfind(std::string(60, 'k'), 0) == 0); // the key whole, the error cut
  options.width = 0;
  auto unlimited = lines_of(render_top_table(view, options));
  CHECK(unlimited[4].find(std::string(200, 'e')) != std::string::npos);
}

TEST_CASE("render_top_table summarizes rows beyond the height and shows the status line",
          "[top][top_table]") {
  top_view view;
  for (int i = 0; i < 30; ++i)
    view.rows.push_back(row("key" + std::to_string(100 + i), 1, 1, 1, 0));
  top_table_options options;
  options.title = "title";
  options.status = "error: http://127.0.0.1:1/metrics: cannot connect (retrying every 1s)";
  options.height = 10;
  auto lines = lines_of(render_top_table(view, options));
  REQUIRE(lines.size() == 10);
  CHECK(lines[0] == "title");
  CHECK(lines[1] == options.status);
  CHECK(lines[2].rfind("KEY", 0) == 0);
  CHECK(lines[3].rfind("key100", 0) == 0);
  CHECK(lines[8] == "... 25 more keys (make the window taller)");
  CHECK(lines[9].rfind("sink ", 0) == 0);
}

TEST_CASE("render_top_table makes control characters from the network harmless",
          "[top][top_table]") {
  top_view view;
  view.rows.push_back(row("evil\x1b[2Jkey", 1, 1, 1, 1, "line one\nline two\x07\x9b", false));
  auto text = render_top_table(view, {});
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find('\x9b') == std::string::npos);
  CHECK(text.find("evil?[2Jkey") != std::string::npos);
  CHECK(text.find("line one line two??") != std::string::npos);
  CHECK(printable("caf\xc3\xa9 \xe2\x86\x92 ok") == "caf\xc3\xa9 \xe2\x86\x92 ok");
  CHECK(printable("c1 \xc2\x9b end") == "c1 ?? end");
}

TEST_CASE("fit_width cuts on code points and marks the cut", "[top][top_table]") {
  CHECK(fit_width("short", 10) == "short");
  CHECK(fit_width("exactly10!", 10) == "exactly10!");
  CHECK(fit_width("much too long", 8) == "much ...");
  CHECK(fit_width("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4) == "\xc3\xa9...");
  CHECK(fit_width("abc", 2) == "ab");
  CHECK(fit_width("abc", 0).empty());
}
