#include "actors/remote/session_endpoints.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;

TEST_CASE("a session's endpoint is known until its socket is gone, and one noted after the listing survives it") {
  session_endpoints e;
  e.add("127.0.0.1", 40001);
  CHECK(e.contains("127.0.0.1", 40001));
  CHECK(e.contains("::ffff:127.0.0.1", 40001)); // one peer, two spellings
  CHECK_FALSE(e.contains("127.0.0.1", 40002));
  auto listed_at = e.generation();
  e.add("127.0.0.1", 40002); // its socket was accepted after the listing
  e.retain({}, listed_at);   // neither socket was listed
  CHECK_FALSE(e.contains("127.0.0.1", 40001)); // closed: a stranger may get its port later
  CHECK(e.contains("127.0.0.1", 40002));
  e.retain({{"127.0.0.1", 40002}}, e.generation());
  CHECK(e.contains("127.0.0.1", 40002));
  CHECK(e.size() == 1);
}
