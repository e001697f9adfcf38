#include "actors/config_watcher/reload_debounce.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;
using namespace std::chrono_literals;

namespace {
const auto t0 = reload_debounce::clock::time_point{} + 1000s;
}

TEST_CASE("nothing is due before an event") {
  reload_debounce d{150ms, 1s};
  CHECK_FALSE(d.pending());
  CHECK_FALSE(d.due(t0 + 1h));
}

TEST_CASE("a single event is applied once the file has been quiet for the quiet time") {
  reload_debounce d{150ms, 1s};
  d.on_event(t0);
  CHECK(d.pending());
  CHECK_FALSE(d.due(t0 + 149ms));
  CHECK(d.due(t0 + 150ms));
  CHECK(d.due_at() == t0 + 150ms);
}

TEST_CASE("each event of a burst moves the reload to the quiet time after it") {
  reload_debounce d{150ms, 1s};
  d.on_event(t0);
  d.on_event(t0 + 100ms);
  CHECK_FALSE(d.due(t0 + 200ms));
  CHECK(d.due(t0 + 250ms));
}

TEST_CASE("a file written without pause is still applied at the maximum delay") {
  reload_debounce d{150ms, 1s};
  auto now = t0;
  bool applied = false;
  // An event every 10 ms for 5 s: without the maximum the quiet time never comes.
  int reloads = 0;
  for (; now < t0 + 5s; now += 10ms) {
    d.on_event(now);
    if (d.due(now)) {
      if (!applied)
        CHECK(now - t0 <= 1s);
      applied = true;
      ++reloads;
      d.reset();
    }
  }
  CHECK(applied);
  CHECK(reloads >= 4); // about once a second while it lasts
  CHECK(reloads <= 6);
}

TEST_CASE("after a reload the next event starts a new burst") {
  reload_debounce d{150ms, 1s};
  d.on_event(t0);
  REQUIRE(d.due(t0 + 150ms));
  d.reset();
  CHECK_FALSE(d.pending());
  d.on_event(t0 + 5s);
  CHECK_FALSE(d.due(t0 + 5s + 149ms));
  CHECK(d.due_at() == t0 + 5s + 150ms);
}
