#include "actors/config_watcher/config_file_watch.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "test_support.hpp"

using namespace logcatch;
using namespace std::chrono_literals;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

namespace {

/// Rewrites `path` every 2 ms, and saves a state file the way the committer
/// does (temporary file, rename), until destroyed: the unrelated traffic of
/// a config's folder while logs flow.
class busy_neighbour {
public:
  explicit busy_neighbour(const std::string& folder)
    : thread_([this, folder] {
        for (int i = 0; !stop_.load(); ++i) {
          write_file(folder + "/noise.txt", std::to_string(i) + "\n", false);
          write_file(folder + "/logcatch.state.tmp", std::to_string(i) + "\n", false);
          std::rename((folder + "/logcatch.state.tmp").c_str(), (folder + "/logcatch.state").c_str());
          std::this_thread::sleep_for(2ms);
        }
      }) {}
  ~busy_neighbour() {
    stop_ = true;
    thread_.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// Waits (each wait at most 30 s, generous) until the watch reports an event.
bool wakes(config_file_watch& w) {
  for (int i = 0; i < 10; ++i)
    if (w.wait(30s))
      return true;
  return false;
}

} // namespace

TEST_CASE("other files in the config's folder never end the wait, however busy") {
  temp_dir dir;
  write_file(dir / "config.yaml", "a\n");
  config_file_watch w{dir / "config.yaml"};
  REQUIRE(w.watching());
  busy_neighbour noise{dir.path()};
  std::this_thread::sleep_for(20ms); // let the neighbour get going
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(w.wait(300ms));
  CHECK(std::chrono::steady_clock::now() - start >= 290ms);
}

TEST_CASE("a write in place to the config ends the wait while the folder is busy") {
  temp_dir dir;
  write_file(dir / "config.yaml", "a\n");
  config_file_watch w{dir / "config.yaml"};
  busy_neighbour noise{dir.path()};
  std::thread editor([&] {
    std::this_thread::sleep_for(50ms);
    write_file(dir / "config.yaml", "b\n", false);
  });
  CHECK(wakes(w));
  editor.join();
}

TEST_CASE("an editor's save by rename, and a deleted config, end the wait") {
  temp_dir dir;
  write_file(dir / "config.yaml", "a\n");
  config_file_watch w{dir / "config.yaml"};
  write_file(dir / ".config.yaml.swp", "b\n");
  CHECK_FALSE(w.wait(20ms)); // the temporary file is not the config
  std::filesystem::rename(dir / ".config.yaml.swp", dir / "config.yaml");
  CHECK(wakes(w));
  // The renamed-in file is a new inode: writes to it are watched too.
  CHECK_FALSE(w.wait(20ms));
  write_file(dir / "config.yaml", "c\n", false);
  CHECK(wakes(w));
  std::filesystem::remove(dir / "config.yaml");
  CHECK(wakes(w));
}

TEST_CASE("a Kubernetes ..data swap ends the wait, and then the new target is watched") {
  temp_dir dir;
  auto base = std::filesystem::canonical(dir.path()).string();
  std::filesystem::create_directories(base + "/..v1");
  write_file(base + "/..v1/config.yaml", "a\n");
  std::filesystem::create_directory_symlink("..v1", base + "/..data");
  std::filesystem::create_symlink("..data/config.yaml", base + "/config.yaml");
  config_file_watch w{base + "/config.yaml"};
  REQUIRE(w.watching());
  busy_neighbour noise{base};
  std::filesystem::create_directories(base + "/..v2");
  write_file(base + "/..v2/config.yaml", "b\n");
  std::filesystem::create_directory_symlink("..v2", base + "/..data_tmp");
  CHECK_FALSE(w.wait(50ms)); // a new folder and a temporary link are not the config yet
  std::filesystem::rename(base + "/..data_tmp", base + "/..data");
  CHECK(wakes(w));
  std::filesystem::remove_all(base + "/..v1"); // as the kubelet cleans up
  while (w.wait(50ms)) {
  } // the old target's folder going away may be reported too
  CHECK(w.names().back() == watched_name{base + "/..v2", "config.yaml"});
  write_file(base + "/..v2/config.yaml", "c\n", false);
  CHECK(wakes(w));
}

TEST_CASE("a link that leaves the folder is followed to the target's folder") {
  temp_dir dir;
  auto base = std::filesystem::canonical(dir.path()).string();
  std::filesystem::create_directories(base + "/etc");
  std::filesystem::create_directories(base + "/srv/cfg");
  write_file(base + "/srv/cfg/logcatch.yaml", "a\n");
  std::filesystem::create_symlink(base + "/srv/cfg/logcatch.yaml", base + "/etc/logcatch.yaml");
  config_file_watch w{base + "/etc/logcatch.yaml"};
  REQUIRE(w.watching());
  busy_neighbour etc_noise{base + "/etc"};
  busy_neighbour srv_noise{base + "/srv/cfg"};
  CHECK_FALSE(w.wait(50ms));
  // A save by rename in the target's folder.
  write_file(base + "/srv/cfg/logcatch.yaml.new", "b\n");
  std::filesystem::rename(base + "/srv/cfg/logcatch.yaml.new", base + "/srv/cfg/logcatch.yaml");
  CHECK(wakes(w));
  // The link pointed elsewhere.
  write_file(base + "/srv/other.yaml", "c\n");
  std::filesystem::create_symlink(base + "/srv/other.yaml", base + "/etc/logcatch.yaml.tmp");
  std::filesystem::rename(base + "/etc/logcatch.yaml.tmp", base + "/etc/logcatch.yaml");
  CHECK(wakes(w));
  CHECK_FALSE(w.wait(20ms)); // the old target's folder is busy, but no longer ours
  write_file(base + "/srv/other.yaml", "d\n", false);
  CHECK(wakes(w));
}

TEST_CASE("a missing config folder is watched once it exists") {
  temp_dir dir;
  config_file_watch w{dir / "sub/config.yaml"};
  CHECK_FALSE(w.watching());
  CHECK_FALSE(w.wait(10ms));
  std::filesystem::create_directories(dir / "sub");
  w.wait(10ms);
  CHECK(w.watching());
  write_file(dir / "sub/config.yaml", "a\n");
  CHECK(wakes(w));
}
