#include "actors/sink/resend_queue.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace logcatch;

TEST_CASE("a resend queue sends in order, pops on in-order acks and resends after a rewind",
          "[sink][remote]") {
  resend_queue<std::string> q;
  q.push("a", 10);
  q.push("b", 20);
  CHECK(q.bytes() == 30);
  bool resend = true;
  REQUIRE(q.next_to_send(&resend) != nullptr);
  CHECK_FALSE(resend);
  CHECK(*q.next_to_send() == "b");
  CHECK(q.next_to_send() == nullptr);
  CHECK(q.sent() == 2);

  CHECK(q.ack(10) == std::optional<std::string>("a"));
  CHECK(q.bytes() == 20);
  q.push("c", 5);

  // The connection drops: b (sent) and c (not yet) go out again, b as a resend.
  q.rewind();
  CHECK(q.sent() == 0);
  CHECK(*q.next_to_send(&resend) == "b");
  CHECK(resend);
  CHECK(*q.next_to_send(&resend) == "c");
  CHECK_FALSE(resend);
  CHECK(q.ack(20) == std::optional<std::string>("b"));
  CHECK(q.ack(5) == std::optional<std::string>("c"));
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("a resend queue refuses acks for nothing sent or of the wrong size", "[sink][remote]") {
  resend_queue<int> q;
  CHECK_FALSE(q.ack(1));
  q.push(1, 100);
  CHECK_FALSE(q.ack(100)); // not sent yet
  q.next_to_send();
  CHECK_FALSE(q.ack(99));  // out of step: nothing changes
  CHECK(q.size() == 1);
  CHECK(q.ack(100) == std::optional<int>(1));
}
