#include "actors/tailer/change_waiter.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "test_support.hpp"

using namespace logcatch;
using namespace std::chrono_literals;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

TEST_CASE("a write to the followed file wakes the waiter") {
  temp_dir dir;
  auto path = dir / "a.log";
  change_waiter w{path};
  REQUIRE(w.watching());
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    write_file(path, "x\n");
  });
  // Generous: the wait returns on the event, long before the timeout.
  bool woke = false;
  for (int i = 0; i < 10 && !woke; ++i)
    woke = w.wait(30s);
  writer.join();
  CHECK(woke);
}

TEST_CASE("writes to other files in the folder do not count as a change") {
  temp_dir dir;
  change_waiter w{dir / "a.log"};
  write_file(dir / "other.log", "x\n");
  CHECK_FALSE(w.wait(50ms));
}

TEST_CASE("a missing folder falls back to sleeping and is watched once it exists") {
  temp_dir dir;
  auto path = dir / "sub/a.log";
  change_waiter w{path};
  CHECK_FALSE(w.watching());
  CHECK_FALSE(w.wait(10ms));
  std::filesystem::create_directories(dir / "sub");
  w.wait(10ms);
  CHECK(w.watching());
}
