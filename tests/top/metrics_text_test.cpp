#include "main/top/metrics_text.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace logcatch;

TEST_CASE("parse_metrics_text reads names, labels and values and skips comments and blank lines",
          "[top][metrics_text]") {
  auto page = parse_metrics_text("# HELP logcatch_lines_read_total Lines read.\n"
                                 "# TYPE logcatch_lines_read_total counter\n"
                                 "logcatch_lines_read_total{key=\"app\"} 1027\n"
                                 "\n"
                                 "  # an indented comment\n"
                                 "logcatch_process_resident_memory_bytes 2.3456e+07\n"
                                 "logcatch_reloads_total{result=\"applied\",key=\"x\"} 0\n");
  CHECK(page.errors.empty());
  REQUIRE(page.samples.size() == 3);
  CHECK(page.samples[0].name == "logcatch_lines_read_total");
  CHECK(page.samples[0].labels == std::map<std::string, std::string>{{"key", "app"}});
  CHECK(page.samples[0].value == 1027);
  CHECK(page.samples[1].labels.empty());
  CHECK(page.samples[1].value == 23456000);
  CHECK(page.samples[2].labels.size() == 2);
  CHECK(page.samples[2].labels.at("result") == "applied");
}

TEST_CASE("parse_metrics_text unescapes backslash, quote and newline in label values",
          "[top][metrics_text]") {
  auto page = parse_metrics_text(
    R"(logcatch_tailer_last_failure_info{key="C:\\logs\\app",reason="open \"a.log\":\nEACCES"} 1)");
  REQUIRE(page.errors.empty());
  REQUIRE(page.samples.size() == 1);
  CHECK(page.samples[0].labels.at("key") == "C:\\logs\\app");
  CHECK(page.samples[0].labels.at("reason") == "open \"a.log\":\nEACCES");
  // A '}' or ',' inside a quoted value is part of the value.
  auto tricky = parse_metrics_text("m{a=\"x},y=\\\"z\",b=\"\"} 2\n");
  REQUIRE(tricky.samples.size() == 1);
  CHECK(tricky.samples[0].labels.at("a") == "x},y=\"z");
  CHECK(tricky.samples[0].labels.at("b").empty());
}

TEST_CASE("parse_metrics_text reads NaN, infinities, exponents and signs", "[top][metrics_text]") {
  auto page = parse_metrics_text("a NaN\nb +Inf\nc -Inf\nd 1.5e3\ne -2\nf +0.25\ng .5\n"
                                 "h_bucket{le=\"+Inf\"} 7\n");
  REQUIRE(page.errors.empty());
  REQUIRE(page.samples.size() == 8);
  CHECK(std::isnan(page.samples[0].value));
  CHECK(std::isinf(page.samples[1].value));
  CHECK(page.samples[1].value > 0);
  CHECK(std::isinf(page.samples[2].value));
  CHECK(page.samples[2].value < 0);
  CHECK(page.samples[3].value == 1500);
  CHECK(page.samples[4].value == -2);
  CHECK(page.samples[5].value == 0.25);
  CHECK(page.samples[6].value == 0.5);
  CHECK(page.samples[7].labels.at("le") == "+Inf");
}

TEST_CASE("parse_metrics_text accepts a timestamp, blanks around tokens, a trailing comma and CRLF",
          "[top][metrics_text]") {
  auto page = parse_metrics_text("logcatch_files_open{key=\"a\"} 3 1712345678901\r\n"
                                 "logcatch_files_open { key = \"b\" , } 4\t-5\n"
                                 "logcatch_process_open_fds\t12  \n");
  CHECK(page.errors.empty());
  REQUIRE(page.samples.size() == 3);
  CHECK(page.samples[0].value == 3);
  CHECK(page.samples[1].labels.at("key") == "b");
  CHECK(page.samples[1].value == 4);
  CHECK(page.samples[2].value == 12);
}

TEST_CASE("parse_metrics_text reports malformed lines with their number and keeps the good ones",
          "[top][metrics_text]") {
  auto page = parse_metrics_text("good 1\n"
                                 "<html>\n"
                                 "no_value\n"
                                 "bad_value{key=\"a\"} twelve\n"
                                 "open_labels{key=\"a\" 1\n"
                                 "unterminated{key=\"a} 1\n"
                                 "bad_escape{key=\"\\t\"} 1\n"
                                 "no_quotes{key=a} 1\n"
                                 "twice{key=\"a\",key=\"b\"} 1\n"
                                 "trailing 1 2 3\n"
                                 "float_time 1 2.5\n"
                                 "9starts_with_digit 1\n"
                                 "also_good{key=\"z\"} 2\n");
  REQUIRE(page.samples.size() == 2);
  CHECK(page.samples[0].name == "good");
  CHECK(page.samples[1].name == "also_good");
  REQUIRE(page.errors.size() == 11);
  for (std::size_t i = 0; i < page.errors.size(); ++i) {
    CHECK(page.errors[i].line == i + 2);
    CHECK_FALSE(page.errors[i].cause.empty());
  }
  CHECK(page.errors[2].cause == "bad value 'twelve'");
}

TEST_CASE("parse_metrics_text handles empty input, a missing final newline and arbitrary bytes",
          "[top][metrics_text]") {
  CHECK(parse_metrics_text("").samples.empty());
  CHECK(parse_metrics_text("\n\n# only comments\n").errors.empty());
  auto last = parse_metrics_text("a 1\nb 2");
  REQUIRE(last.samples.size() == 2);
  CHECK(last.samples[1].value == 2);
  std::string noise;
  for (int i = 0; i < 4096; ++i)
    noise += static_cast<char>((i * 131 + 7) % 256);
  auto page = parse_metrics_text(noise); // must not crash or throw
  CHECK(page.samples.size() + page.errors.size() > 0);
}
