#include "actors/root/restart_policy.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;
using namespace std::chrono_literals;

namespace {

supervision_config supervision() {
  supervision_config s;
  s.max_restarts = 3;
  s.window = 60s;
  s.backoff_initial = 10ms;
  s.backoff_max = 100ms;
  s.reset_after = 5s;
  return s;
}

} // namespace

TEST_CASE("backoff doubles from initial up to max") {
  restart_policy p{supervision()};
  auto t = restart_policy::clock::time_point{} + 1000s;
  std::vector<millis> delays;
  for (int i = 0; i < 3; ++i) {
    delays.push_back(p.on_failure(t, t - 1ms));
    t += 1ms;
  }
  CHECK(delays == std::vector<millis>{10ms, 20ms, 40ms});
}

TEST_CASE("backoff is capped at max") {
  auto s = supervision();
  s.max_restarts = 100;
  restart_policy p{s};
  auto t = restart_policy::clock::time_point{} + 1000s;
  millis last{};
  for (int i = 0; i < 50; ++i)
    last = p.on_failure(t, t);
  CHECK(last == 100ms);
}

TEST_CASE("a tailer that ran for reset_after starts again at the initial backoff") {
  restart_policy p{supervision()};
  auto t = restart_policy::clock::time_point{} + 1000s;
  p.on_failure(t, t);
  p.on_failure(t, t);
  CHECK(p.on_failure(t + 10s, t + 1s) == 10ms);
}

TEST_CASE("more than max_restarts within the window is failing, retried at max backoff") {
  restart_policy p{supervision()};
  auto t = restart_policy::clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i)
    p.on_failure(t + std::chrono::seconds(i), t);
  CHECK_FALSE(p.failing());
  CHECK(p.on_failure(t + 3s, t) == 100ms);
  CHECK(p.failing());
  // Failures that leave the window stop counting.
  CHECK(p.on_failure(t + 200s, t + 190s) == 10ms);
  CHECK_FALSE(p.failing());
}
