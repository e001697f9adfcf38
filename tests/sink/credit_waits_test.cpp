#include "actors/sink/credit_waits.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;

TEST_CASE("a sender out of credit with batches queued makes a write due", "[sink][database]") {
  credit_waits w;
  w.received(1, 100);
  w.received(1, 100);
  CHECK_FALSE(w.write_now()); // still reading: more may come
  w.waiting(1, 200);
  CHECK(w.write_now());
  w.taken(1);
  CHECK(w.write_now()); // one batch still queued
  w.taken(1);
  CHECK_FALSE(w.write_now()); // all in the write in flight: nothing to send
  w.acknowledged(1, 200);
  CHECK_FALSE(w.write_now());
  CHECK(w.size() == 0);
}

TEST_CASE("a wait said before acknowledgements reached the sender is stale", "[sink][database]") {
  credit_waits w;
  w.received(7, 300);
  w.taken(7);
  w.acknowledged(7, 300); // on its way while the sender says it waits with 300
  w.waiting(7, 300);
  w.received(7, 50); // the sender reads again once the ack is in
  CHECK_FALSE(w.write_now());
  w.received(8, 300);
  w.taken(8);
  w.acknowledged(8, 200); // part acknowledged: 100 left here, the sender said 300
  w.waiting(8, 300);
  w.received(8, 10);
  CHECK_FALSE(w.write_now());
}

TEST_CASE("one waiting sender is enough; a failed write's batches count again", "[sink][database]") {
  credit_waits w;
  w.received(1, 10);
  w.received(2, 10);
  w.waiting(2, 10);
  CHECK(w.write_now());
  w.taken(1);
  w.taken(2);
  CHECK_FALSE(w.write_now());
  w.requeued(2); // the write failed: back in the queue, the sender still waits
  w.requeued(1);
  CHECK(w.write_now());
  w.taken(1);
  w.taken(2);
  w.acknowledged(1, 10);
  w.acknowledged(2, 10);
  CHECK(w.size() == 0);
}

TEST_CASE("a wait from an unknown sender or one with nothing unacknowledged is ignored",
          "[sink][database]") {
  credit_waits w;
  w.waiting(3, 0);
  CHECK_FALSE(w.write_now());
  CHECK(w.size() == 0);
}
