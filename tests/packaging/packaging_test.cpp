// The install and the Debian package, checked on the real build tree:
// `cmake --install` into a staging root (DESTDIR), `cpack -G DEB` with
// `dpkg-deb` reading the result back, and `systemd-analyze verify` on the
// installed unit. Paths come from CMake (LOGCATCH_BUILD_DIR and friends), so
// the build folder may have any name.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "process_support.hpp"

using namespace logcatch::test;
namespace fs = std::filesystem;

namespace {

const auto process_deadline = std::chrono::minutes(5);

/// `name`'s full path on PATH, or "" when it is not there.
std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

/// Runs `argv` (argv[0] a full path) to completion, output captured in `dir`.
run_result run(const std::vector<std::string>& argv, const temp_dir& dir) {
  child_process child{argv, dir.path()};
  int code = child.wait(process_deadline);
  return run_result{code, child.out(), child.err()};
}

std::string describe(const std::vector<std::string>& argv, const run_result& r) {
  std::string text = "$";
  for (auto& a : argv)
    text += " " + a;
  return text + "\nexit " + std::to_string(r.code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

/// `cmake --install` of the build tree with `prefix`, into the staging root
/// `root` (DESTDIR), as a package build does.
void install_into(const std::string& root, const std::string& prefix, const temp_dir& dir) {
  std::vector<std::string> argv{"/usr/bin/env", "DESTDIR=" + root, LOGCATCH_CMAKE,
                                "--install", LOGCATCH_BUILD_DIR, "--prefix", prefix};
  auto r = run(argv, dir);
  INFO(describe(argv, r));
  REQUIRE(r.code == 0);
}

bool is_executable_file(const std::string& path) {
  return fs::is_regular_file(path) && ::access(path.c_str(), X_OK) == 0;
}

/// `text` without trailing newlines and spaces (a command's one-line answer).
std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

} // namespace

TEST_CASE("cmake --install puts the binary, man page, unit, default config and examples in place") {
  temp_dir dir;
  auto root = dir / "root";
  install_into(root, "/usr", dir);

  auto binary = root + "/usr/bin/logcatch";
  REQUIRE(is_executable_file(binary));
  auto help = run({binary, "--help"}, dir);
  CHECK(help.code == 0);
  CHECK(contains(help.out, "run"));
  // help2man titles the page with --version; the package carries the project version.
  auto version = run({binary, "--version"}, dir);
  CHECK(version.code == 0);
  CHECK(trimmed(version.out) == std::string("logcatch ") + LOGCATCH_VERSION);

  auto man = read_file(root + "/usr/share/man/man1/logcatch.1");
  CHECK(contains(man, ".TH LOGCATCH \"1\""));
  CHECK(contains(man, "logcatch run"));
  CHECK(contains(man, "\\-\\-config"));

  auto unit = read_file(root + "/usr/lib/systemd/system/logcatch.service");
  CHECK(contains(unit, "\nExecStart=/usr/bin/logcatch run --config /etc/logcatch/logcatch.yaml\n"));
  CHECK(contains(unit, "\nExecReload=/bin/kill -HUP $MAINPID\n"));
  CHECK(contains(unit, "\nRestart=on-failure\n"));
  CHECK(contains(unit, "\nNoNewPrivileges=yes\n"));
  CHECK(contains(unit, "\nProtectSystem=strict\n"));

  // The packaged config is valid as shipped.
  auto config = root + "/etc/logcatch/logcatch.yaml";
  REQUIRE(fs::is_regular_file(config));
  auto check = run({binary, "check", "--config", config}, dir);
  INFO(check.err);
  CHECK(check.code == 0);

  CHECK(fs::is_regular_file(root + "/usr/share/doc/logcatch/README.md"));
  CHECK(fs::is_regular_file(root + "/usr/share/doc/logcatch/examples/logcatch.yaml"));
  // The benchmark driver is a development tool.
  CHECK_FALSE(fs::exists(root + "/usr/bin/logcatch-bench"));
}

TEST_CASE("cmake --install to another prefix points the unit there and keeps an edited config") {
  temp_dir dir;
  auto root = dir / "root";
  install_into(root, "/opt/logcatch", dir);

  CHECK(is_executable_file(root + "/opt/logcatch/bin/logcatch"));
  auto unit = read_file(root + "/opt/logcatch/lib/systemd/system/logcatch.service");
  CHECK(contains(unit,
                 "\nExecStart=/opt/logcatch/bin/logcatch run --config /opt/logcatch/etc/logcatch/logcatch.yaml\n"));
  auto config = root + "/opt/logcatch/etc/logcatch/logcatch.yaml";
  REQUIRE(fs::is_regular_file(config));
  CHECK_FALSE(fs::exists(root + "/etc"));

  write_file(config, "# edited by the admin\n");
  install_into(root, "/opt/logcatch", dir);
  CHECK(contains(read_file(config), "# edited by the admin\n"));
}

TEST_CASE("cpack -G DEB builds a package with the files, control fields, conffile and maintainer scripts") {
  auto dpkg_deb = find_on_path("dpkg-deb");
  if (dpkg_deb.empty()) {
    WARN("SKIPPED: dpkg-deb is not installed (package dpkg), so the .deb cannot be read back");
    return;
  }
  temp_dir dir;
  auto out = dir / "out";
  std::vector<std::string> cpack{LOGCATCH_CPACK, "--config", std::string(LOGCATCH_BUILD_DIR) + "/CPackConfig.cmake",
                                 "-G", "DEB", "-B", out};
  auto built = run(cpack, dir);
  INFO(describe(cpack, built));
  REQUIRE(built.code == 0);

  std::string deb;
  for (auto& entry : fs::directory_iterator(out))
    if (entry.path().extension() == ".deb")
      deb = entry.path().string();
  REQUIRE(!deb.empty());
  // Debian's naming: NAME_VERSION_ARCH.deb.
  CHECK(fs::path(deb).filename().string().rfind(std::string("logcatch_") + LOGCATCH_VERSION + "_", 0) == 0);

  auto listing = run({dpkg_deb, "-c", deb}, dir);
  INFO(listing.out);
  REQUIRE(listing.code == 0);
  for (auto path : {"./usr/bin/logcatch", "./usr/share/man/man1/logcatch.1",
                    "./usr/lib/systemd/system/logcatch.service", "./etc/logcatch/logcatch.yaml",
                    "./usr/share/doc/logcatch/README.md", "./usr/share/doc/logcatch/examples/logcatch.yaml"}) {
    INFO(path);
    CHECK(contains(listing.out, std::string(" ") + path + "\n"));
  }
  CHECK_FALSE(contains(listing.out, "logcatch-bench"));
  CHECK_FALSE(contains(listing.out, "/tmp/"));

  auto field = [&](const std::string& name) {
    auto r = run({dpkg_deb, "-f", deb, name}, dir);
    CHECK(r.code == 0);
    return trimmed(r.out);
  };
  CHECK(field("Package") == "logcatch");
  CHECK(field("Version") == LOGCATCH_VERSION);
  CHECK(field("Section") == "admin");
  CHECK(!field("Maintainer").empty());
  CHECK(!field("Description").empty());
  auto depends = field("Depends");
  INFO("Depends: " << depends);
  CHECK(contains(depends, "libcaf-core0.17"));
  CHECK(contains(depends, "libcaf-io0.17"));
  CHECK(contains(depends, "libyaml-cpp0.7"));

  // The control area: the config is a conffile, the maintainer scripts are
  // executable shell that parses.
  auto control = dir / "control";
  auto extracted = run({dpkg_deb, "-e", deb, control}, dir);
  REQUIRE(extracted.code == 0);
  CHECK(contains(read_file(control + "/conffiles"), "/etc/logcatch/logcatch.yaml\n"));
  for (auto script : {"postinst", "prerm", "postrm"}) {
    INFO(script);
    auto path = control + "/" + script;
    REQUIRE(is_executable_file(path));
    auto parsed = run({"/bin/sh", "-n", path}, dir);
    CHECK(parsed.code == 0);
  }
}

TEST_CASE("systemd-analyze verify accepts the installed unit and reports a misspelt key") {
  auto analyze = find_on_path("systemd-analyze");
  if (analyze.empty()) {
    WARN("SKIPPED: systemd-analyze is not installed (package systemd), so the unit is not verified");
    return;
  }
  temp_dir dir;
  auto root = dir / "root";
  install_into(root, "/usr", dir);
  auto unit = read_file(root + "/usr/lib/systemd/system/logcatch.service");

  // verify checks that ExecStart's binary exists: point it at the installed
  // binary in the staging root. Nothing else in the unit is changed.
  const std::string exec_start = "\nExecStart=/usr/bin/logcatch ";
  auto at = unit.find(exec_start);
  REQUIRE(at != std::string::npos);
  unit.replace(at, exec_start.size(), "\nExecStart=" + root + "/usr/bin/logcatch ");

  // Documentation=man:logcatch(1) is checked against the installed page when
  // man is there.
  std::vector<std::string> prefix{"/usr/bin/env", "MANPATH=" + root + "/usr/share/man", analyze, "verify"};
  if (find_on_path("man").empty()) {
    WARN("man is not installed: Documentation=man:logcatch(1) is not checked");
    prefix = {analyze, "verify", "--man=no"};
  }
  // verify exits 0 on an unknown key, which it only prints: any message that
  // names the unit counts as a failure.
  auto verify = [&](const std::string& text, const std::string& folder) {
    fs::create_directories(dir / folder);
    auto path = dir / (folder + "/logcatch.service");
    write_file(path, text, false);
    auto argv = prefix;
    argv.push_back(path);
    auto r = run(argv, dir);
    r.err += r.out;
    return r;
  };

  auto good = verify(unit, "good");
  INFO(good.err);
  CHECK(good.code == 0);
  CHECK_FALSE(contains(good.err, "logcatch.service"));

  // The check can fail: the same unit with one key misspelt is reported.
  auto typo = unit;
  const std::string right = "\nNoNewPrivileges=";
  auto key = typo.find(right);
  REQUIRE(key != std::string::npos);
  typo.replace(key, right.size(), "\nNoNewPrivilegs=");
  auto bad = verify(typo, "typo");
  INFO(bad.err);
  CHECK(contains(bad.err, "logcatch.service"));
  CHECK(contains(bad.err, "NoNewPrivilegs"));
}
