#include "actors/tailer/change_waiter.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

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

TEST_CASE("other files' events do not end the wait early, a glob's own files do") {
  temp_dir dir;
  change_waiter plain{dir / "a.log"};
  change_waiter glob{dir / "b-*.log"};
  REQUIRE(plain.watching());
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) { // a busy neighbour
      write_file(dir / "other.log", "x\n");
      std::this_thread::sleep_for(5ms);
    }
    write_file(dir / "b-2.log", "y\n");
  });
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(plain.wait(60ms)); // the neighbour's writes are read and ignored
  CHECK(std::chrono::steady_clock::now() - start >= 55ms);
  bool woke = false;
  for (int i = 0; i < 10 && !woke; ++i)
    woke = glob.wait(30s);
  writer.join();
  CHECK(woke);
}

TEST_CASE("writes to an open file wake only the waiter reading it") {
  temp_dir dir;
  write_file(dir / "a.log", "a\n");
  write_file(dir / "b.log", "b\n");
  change_waiter a{dir / "a.log"};
  change_waiter b{dir / "b.log"};
  auto opened = [](const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return std::vector<open_file>{
      open_file{path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)}};
  };
  auto a_open = opened(dir / "a.log");
  auto b_open = opened(dir / "b.log");
  CHECK(a.wait(10ms, a_open)); // starts watching: look once
  CHECK(b.wait(10ms, b_open));
  write_file(dir / "a.log", "more\n");
  bool woke = false;
  for (int i = 0; i < 10 && !woke; ++i)
    woke = a.wait(30s, a_open);
  CHECK(woke);
  CHECK_FALSE(a.names_changed());
  CHECK_FALSE(b.wait(50ms, b_open)); // a's writes are not b's business
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

TEST_CASE("events lost to a full inotify queue make every file and name worth a look") {
  temp_dir dir;
  write_file(dir / "a-1.log", "a\n");
  write_file(dir / "a-2.log", "b\n");
  change_waiter w{dir / "a-*.log"};
  REQUIRE(w.watching());
  std::vector<open_file> open;
  for (auto name : {"a-1.log", "a-2.log"}) {
    struct stat st {};
    REQUIRE(::stat((dir / name).c_str(), &st) == 0);
    open.push_back(open_file{dir / name, static_cast<uint64_t>(st.st_dev),
                             static_cast<uint64_t>(st.st_ino)});
  }
  CHECK(w.wait(10ms, open)); // starts watching both
  w.take_touched();
  // Alternating writes are not merged into one event: more than the queue holds.
  long queue = 16384;
  if (std::FILE* f = std::fopen("/proc/sys/fs/inotify/max_queued_events", "r")) {
    if (std::fscanf(f, "%ld", &queue) != 1)
      queue = 16384;
    std::fclose(f);
  }
  int fd1 = ::open((dir / "a-1.log").c_str(), O_WRONLY | O_APPEND);
  int fd2 = ::open((dir / "a-2.log").c_str(), O_WRONLY | O_APPEND);
  REQUIRE(fd1 >= 0);
  REQUIRE(fd2 >= 0);
  long written = 0;
  for (long i = 0; i < queue; ++i)
    written += (::write(fd1, "x", 1) == 1) + (::write(fd2, "y", 1) == 1);
  CHECK(written == 2 * queue);
  ::close(fd1);
  ::close(fd2);
  CHECK(w.wait(1s, open));
  CHECK(w.names_changed()); // look for new files now, not at the next safety round
  CHECK(w.take_touched().empty()); // and at every file
}
