#include <algorithm>
#include <catch2/catch.hpp>

#include "integration/collector_harness.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

constexpr long mib = 1024; // rss_kib() is in KiB

// ASan keeps freed memory in quarantine, so RSS says nothing about our bounds
// there; the plain build (the README's test command) checks them.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool rss_is_meaningful = false;
#else
constexpr bool rss_is_meaningful = true;
#endif

void check_rss_growth(long baseline, long peak, long limit) {
  INFO("RSS baseline " << baseline / mib << " MiB, peak " << peak / mib << " MiB");
  if (rss_is_meaningful)
    CHECK(peak - baseline < limit);
  else
    WARN("RSS bound not checked under AddressSanitizer");
}

/// Waits for `done` while recording the peak RSS seen.
template <class Condition>
bool wait_tracking_rss(Condition done, long& peak_kib) {
  return eventually([&] {
    peak_kib = std::max(peak_kib, rss_kib());
    return done();
  });
}

} // namespace

TEST_CASE("a 50 MB line without a newline keeps memory bounded and is cut, not lost") {
  temp_dir dir;
  auto path = dir / "big.log";
  auto log = log_key("big", path);
  log.max_line_bytes = 1024 * 1024;
  auto cfg = config_for(dir, {log});
  observed seen;
  collector running{cfg, seen.observer()};
  write_file(path, "big 0 before\n");
  REQUIRE(eventually([&] { return seen.lines.load() == 1; }));
  long baseline = rss_kib();
  long peak = baseline;
  std::string chunk(1024 * 1024, 'x');
  for (int i = 0; i < 50; ++i) {
    write_file(path, i == 0 ? "big 1 " + chunk : chunk);
    peak = std::max(peak, rss_kib());
  }
  write_file(path, "\nbig 2 after\n");
  CHECK(wait_tracking_rss([&] { return seen.lines.load() == 3; }, peak));
  running.stop();
  check_rss_growth(baseline, peak, 30 * mib);
  CHECK(seen.cut_lines.load() == 1);
  auto out = read_file(cfg.sink.path);
  // before, the cut line (1 MiB + '\n'), after
  CHECK(out.size() == 13 + 1024 * 1024 + 1 + 12);
  CHECK(out.substr(out.size() - 12) == "big 2 after\n");
}

TEST_CASE("a sink slower than the writer keeps memory bounded by the tailer's credit") {
  temp_dir dir;
  auto path = dir / "fast.log";
  // 64 MiB of numbered lines, written before the collector starts: without
  // credit the tailer would read all of it into the sink's mailbox at once.
  std::string padding(90, 'p');
  std::string block;
  uint64_t lines = 0;
  while (lines * 100 < 64ull * 1024 * 1024) {
    block += "fast " + std::to_string(lines++) + " " + padding + "\n";
    if (block.size() > 1024 * 1024) {
      write_file(path, block);
      block.clear();
    }
  }
  write_file(path, block);
  auto log = log_key("fast", path);
  log.max_inflight_bytes = 256 * 1024;
  auto cfg = config_for(dir, {log});
  cfg.sink.fault_write_delay = millis{2};
  observed seen;
  long baseline = rss_kib();
  long peak = baseline;
  collector running{cfg, seen.observer()};
  CHECK(wait_tracking_rss([&] { return seen.verifier.unique("fast") == lines; }, peak));
  running.stop();
  check_rss_growth(baseline, peak, 32 * mib);
  auto reports = seen.verifier.report({{"fast", lines}});
  CHECK(delivery_verifier::clean(reports, seen.verifier.malformed()));
}
