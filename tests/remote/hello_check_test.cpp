#include "actors/remote/hello_check.hpp"

#include <catch2/catch.hpp>

#include "actors/remote/ack_route.hpp"

using namespace logcatch;

TEST_CASE("a hello is accepted only with a good node name, the right token and an instance id") {
  node_token_map none;
  CHECK_FALSE(check_hello("web-1", "tok", "abcd", "tok", none).refused());
  CHECK_FALSE(check_hello("web-1", "anything", "abcd", "", none).refused()); // no token configured
  CHECK(check_hello("web-1", "tok2", "abcd", "tok", none).reply == "wrong auth token");
  CHECK(check_hello("web-1", "to", "abcd", "tok", none).reply == "wrong auth token");
  CHECK(check_hello("web/1", "tok", "abcd", "tok", none).reply == "bad node name");
  CHECK(check_hello("", "tok", "abcd", "tok", none).reply == "bad node name");
  CHECK(check_hello("web-1", "tok", "", "tok", none).reply == "bad instance id");
  CHECK(check_hello("web-1", "tok", std::string(65, 'a'), "tok", none).reply == "bad instance id");
}

TEST_CASE("per-node tokens: a listed node needs its own, an unlisted one the shared one or nothing") {
  node_token_map tokens{{"web-1", "own"}};
  CHECK_FALSE(check_hello("web-1", "own", "abcd", "", tokens).refused());
  CHECK(check_hello("web-1", "shared", "abcd", "shared", tokens).refused());
  auto unlisted = check_hello("db-1", "own", "abcd", "", tokens);
  CHECK(unlisted.reply == "wrong auth token");
  CHECK(unlisted.log.find("does not list it") != std::string::npos);
  CHECK_FALSE(check_hello("db-1", "shared", "abcd", "shared", tokens).refused());
}

TEST_CASE("acknowledgements are routed to each batch's peer in arrival order, and out of step never") {
  ack_route<int> route;
  route.push(1, 100);
  route.push(2, 50);
  route.push(1, 70);
  CHECK_FALSE(route.pop(50)); // not the oldest one's size: nothing is guessed
  CHECK(route.size() == 3);
  CHECK(route.pop(100) == 1);
  CHECK(route.pop(50) == 2);
  CHECK(route.pop(70) == 1);
  CHECK_FALSE(route.pop(70));
  CHECK(route.size() == 0);
}
