#include "actors/remote/session_table.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "actors/remote/collector_instance.hpp"
#include "test_support.hpp"

using namespace logcatch;

TEST_CASE("a hello opens a session whose credential alone names the node") {
  session_table<int> t;
  auto a = t.open("web-1", "aaaa", 1);
  REQUIRE_FALSE(a.credential.empty());
  CHECK_FALSE(a.replaced);
  REQUIRE(t.find(a.credential) != nullptr);
  CHECK(t.find(a.credential)->node == "web-1");
  CHECK(t.find(a.credential)->peer == 1);
  CHECK(t.find(session_credential{}) == nullptr);         // no hello
  CHECK(t.find(session_credential{a.credential.hi, a.credential.lo + 1}) == nullptr); // a guess
}

TEST_CASE("the same collector instance takes its node name over and its old credential dies") {
  session_table<int> t;
  auto first = t.open("web-1", "aaaa", 1);
  auto again = t.open("web-1", "aaaa", 2); // restarted or reconnected
  REQUIRE_FALSE(again.credential.empty());
  REQUIRE(again.replaced);
  CHECK(again.replaced->peer == 1);
  CHECK(t.find(first.credential) == nullptr);
  CHECK(t.find(again.credential)->peer == 2);
  CHECK(t.size() == 1);
}

TEST_CASE("a different collector asking for a live node name is refused with a reason") {
  session_table<int> t;
  auto first = t.open("dup", "aaaa", 1);
  auto other = t.open("dup", "bbbb", 2);
  CHECK(other.credential.empty());
  CHECK(other.refusal.find("node name 'dup' is held by another live collector") != std::string::npos);
  CHECK(t.find(first.credential) != nullptr); // the first one keeps it
  // Once the first one's connection is gone, the name is free.
  CHECK(t.close_peer(1) == std::vector<std::string>{"dup"});
  CHECK(t.find(first.credential) == nullptr);
  auto later = t.open("dup", "bbbb", 2);
  CHECK_FALSE(later.credential.empty());
}

TEST_CASE("a closed session's credential is refused and its name is free") {
  session_table<int> t;
  auto a = t.open("web-1", "aaaa", 1);
  CHECK(t.close(a.credential));
  CHECK_FALSE(t.close(a.credential));
  CHECK(t.find(a.credential) == nullptr);
  CHECK_FALSE(t.open("web-1", "bbbb", 3).credential.empty());
}

TEST_CASE("credentials are distinct and not all zero") {
  std::set<session_credential> seen;
  for (int i = 0; i < 10000; ++i) {
    auto c = session_credential::random();
    CHECK_FALSE(c.empty());
    seen.insert(c);
  }
  CHECK(seen.size() == 10000);
}

TEST_CASE("a collector's instance id is drawn once and kept in its state_dir") {
  test::temp_dir dir;
  auto id = collector_instance_id(dir.path());
  CHECK(valid_instance_id(id));
  CHECK(id.size() == 32);
  CHECK(collector_instance_id(dir.path()) == id);
  test::temp_dir other;
  CHECK(collector_instance_id(other.path()) != id);
  test::write_file(dir / "collector-instance", "not hex\n", false);
  CHECK_THROWS_WITH(collector_instance_id(dir.path()),
                    Catch::Contains(dir / "collector-instance") && Catch::Contains("delete it"));
}
