#include "actors/remote/hello_challenges.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace logcatch;

TEST_CASE("hello challenges: each is taken once, before it expires, and only so many are kept") {
  using clock = hello_challenges::clock;
  auto t0 = clock::now();
  hello_challenges challenges(4, std::chrono::seconds(10));
  auto a = challenges.issue(t0);
  auto b = challenges.issue(t0);
  CHECK(a.size() == 32);
  CHECK(a != b);
  CHECK(challenges.take(a, t0 + std::chrono::seconds(1)) == "");
  CHECK(challenges.take(a, t0 + std::chrono::seconds(1)) ==
        "its challenge was never issued, already used or dropped"); // replayed
  CHECK(challenges.take(b, t0 + std::chrono::seconds(11)) == "its challenge expired");
  CHECK(challenges.take(b, t0) != ""); // gone after its failed use too
  CHECK(challenges.take("00112233445566778899aabbccddeeff", t0) != "");
  // A stranger asking for many: at most 4 kept, the oldest dropped first.
  std::vector<std::string> issued;
  for (int i = 0; i < 1000; ++i)
    issued.push_back(challenges.issue(t0 + std::chrono::milliseconds(i)));
  CHECK(challenges.outstanding() == 4);
  CHECK(challenges.take(issued[0], t0 + std::chrono::seconds(1)) != "");
  CHECK(challenges.take(issued[999], t0 + std::chrono::seconds(1)) == "");
  // Expired ones go by themselves.
  challenges.issue(t0 + std::chrono::seconds(100));
  CHECK(challenges.outstanding() == 1);
}
