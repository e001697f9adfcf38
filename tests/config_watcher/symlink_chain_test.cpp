#include "actors/config_watcher/symlink_chain.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <map>

#include "test_support.hpp"

using namespace logcatch;
using logcatch::test::temp_dir;
using logcatch::test::write_file;

namespace {

/// A filesystem of links only: path -> target; every other path is a plain
/// file or folder.
link_reader links(std::map<std::string, std::string> table) {
  return [table = std::move(table)](const std::string& path) -> std::optional<std::string> {
    auto it = table.find(path);
    if (it == table.end())
      return std::nullopt;
    return it->second;
  };
}

using chain = std::vector<watched_name>;

} // namespace

TEST_CASE("a plain file's chain is its own name in its folder") {
  CHECK(symlink_chain("/etc/app/config.yaml", "/", links({})) ==
        chain{{"/etc/app", "config.yaml"}});
}

TEST_CASE("a relative path is taken from the working folder, dots and all") {
  CHECK(symlink_chain("conf/./config.yaml", "/srv/app", links({})) ==
        chain{{"/srv/app/conf", "config.yaml"}});
  CHECK(symlink_chain("../conf/config.yaml", "/srv/app", links({})) ==
        chain{{"/srv/conf", "config.yaml"}});
}

TEST_CASE("a Kubernetes ConfigMap chain names the file, the ..data link and the target") {
  auto k8s = links({{"/etc/app/config.yaml", "..data/config.yaml"},
                    {"/etc/app/..data", "..2026_11_29_10_00_00.123"}});
  CHECK(symlink_chain("/etc/app/config.yaml", "/", k8s) ==
        chain{{"/etc/app", "config.yaml"},
              {"/etc/app", "..data"},
              {"/etc/app/..2026_11_29_10_00_00.123", "config.yaml"}});
}

TEST_CASE("a chain that leaves the folder names the target in the target's folder") {
  CHECK(symlink_chain("/etc/logcatch.yaml", "/",
                      links({{"/etc/logcatch.yaml", "/srv/cfg/logcatch.yaml"}})) ==
        chain{{"/etc", "logcatch.yaml"}, {"/srv/cfg", "logcatch.yaml"}});
  // Relative targets with "..", and a link to a link.
  CHECK(symlink_chain("/etc/a.yaml", "/",
                      links({{"/etc/a.yaml", "../srv/b.yaml"}, {"/srv/b.yaml", "cfg/c.yaml"}})) ==
        chain{{"/etc", "a.yaml"}, {"/srv", "b.yaml"}, {"/srv/cfg", "c.yaml"}});
}

TEST_CASE("a link among the folders above the file is part of the chain") {
  CHECK(symlink_chain("/etc/app/config.yaml", "/", links({{"/etc/app", "/opt/app/etc"}})) ==
        chain{{"/etc", "app"}, {"/opt/app/etc", "config.yaml"}});
}

TEST_CASE("a link loop stops instead of running forever, each name once") {
  auto loop = links({{"/c/a", "b"}, {"/c/b", "a"}});
  auto names = symlink_chain("/c/a", "/", loop);
  CHECK(names.size() <= 3);
  CHECK(names.front() == watched_name{"/c", "a"});
  CHECK(std::find(names.begin(), names.end(), watched_name{"/c", "b"}) != names.end());
}

TEST_CASE("a missing file still names where it will be") {
  temp_dir dir;
  auto base = std::filesystem::canonical(dir.path()).string();
  CHECK(symlink_chain(base + "/not/yet/config.yaml", "/") ==
        chain{{base + "/not/yet", "config.yaml"}});
}

TEST_CASE("on disk, the chain follows real links and changes with a ..data swap") {
  temp_dir dir;
  auto base = std::filesystem::canonical(dir.path()).string();
  std::filesystem::create_directories(base + "/..v1");
  std::filesystem::create_directories(base + "/..v2");
  write_file(base + "/..v1/config.yaml", "a\n");
  write_file(base + "/..v2/config.yaml", "b\n");
  std::filesystem::create_directory_symlink("..v1", base + "/..data");
  std::filesystem::create_symlink("..data/config.yaml", base + "/config.yaml");
  CHECK(symlink_chain(base + "/config.yaml", "/") ==
        chain{{base, "config.yaml"}, {base, "..data"}, {base + "/..v1", "config.yaml"}});
  std::filesystem::create_directory_symlink("..v2", base + "/..data_tmp");
  std::filesystem::rename(base + "/..data_tmp", base + "/..data");
  CHECK(symlink_chain("config.yaml", base) ==
        chain{{base, "config.yaml"}, {base, "..data"}, {base + "/..v2", "config.yaml"}});
}
