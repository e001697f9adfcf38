#include "actors/remote/connection_watch.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;
using namespace std::chrono_literals;

namespace {
const auto t0 = connection_watch::clock::time_point{} + 1h;
}

TEST_CASE("a connection without a handshake's bytes is cut at the deadline, not before") {
  connection_watch w{5s, 100};
  CHECK(w.look({{1, 0}, {2, 200}}, t0).silent.empty());
  CHECK(w.look({{1, 32}, {2, 200}}, t0 + 4900ms).silent.empty());
  auto v = w.look({{1, 32}, {2, 200}, {3, 0}}, t0 + 5s); // 32 bytes: one header, no payload
  CHECK(v.silent == std::vector<uint64_t>{1});
  CHECK(v.too_many.empty());
  // The one first seen later gets its own 5 s.
  CHECK(w.look({{2, 200}, {3, 0}}, t0 + 9s).silent.empty());
  CHECK(w.look({{2, 200}, {3, 0}}, t0 + 10s).silent == std::vector<uint64_t>{3});
}

TEST_CASE("beyond the connection limit the newest are cut and the oldest keep their places") {
  connection_watch w{5s, 3};
  CHECK(w.look({{10, 500}, {11, 500}}, t0).too_many.empty());
  auto v = w.look({{10, 500}, {11, 500}, {20, 0}, {21, 0}, {22, 0}}, t0 + 1s);
  CHECK(v.too_many == std::vector<uint64_t>{21, 22});
  // A connection that went away is forgotten: the same id later is new.
  CHECK(w.look({{11, 500}}, t0 + 2s).too_many.empty());
  v = w.look({{10, 0}, {11, 500}}, t0 + 3s);
  CHECK(v.silent.empty()); // 10 is new again: its deadline runs from now
}

TEST_CASE("beyond the connection limit a peer that spoke keeps its place even if first seen with the silent ones") {
  connection_watch w{5s, 2};
  // All first seen in one look; the collector (id 50) has the highest id.
  auto v = w.look({{10, 0}, {11, 0}, {12, 0}, {50, 900}}, t0);
  CHECK(v.too_many == std::vector<uint64_t>{11, 12});
}

TEST_CASE("beyond the connection limit connections carrying a session keep their places and strangers go") {
  connection_watch w{5s, 3};
  CHECK(w.look({{10, 900}, {11, 900}, {12, 900}}, t0).too_many.empty());
  // 1 is a collector's connection, newer than the strangers that spoke.
  auto v = w.look({{10, 900}, {11, 900}, {12, 900}, {1, 900, true}}, t0 + 1s);
  CHECK(v.too_many == std::vector<uint64_t>{12});
  CHECK(v.silent.empty());
}

TEST_CASE("a collector's new connection without a session yet beats strangers that spoke before it") {
  connection_watch w{5s, 3};
  CHECK(w.look({{10, 900}, {11, 900}, {12, 900}}, t0).too_many.empty());
  // 40 reconnects (its hello is not through yet): a stranger goes, not 40.
  auto v = w.look({{10, 900}, {11, 900}, {12, 900}, {40, 900}}, t0 + 1s);
  CHECK(v.too_many == std::vector<uint64_t>{12});
  // Once it has its session it stays whatever strangers do, and newer
  // strangers push out the ones that held their places without a session.
  v = w.look({{10, 900}, {11, 900}, {40, 900, true}, {50, 900}, {51, 900}}, t0 + 2s);
  CHECK(v.too_many == std::vector<uint64_t>{10, 11});
}

TEST_CASE("strangers may hold at most max - reserved connections; the reserve is for collectors") {
  connection_watch w{5s, 10, 4};
  std::vector<observed_connection> open;
  for (uint64_t id = 100; id < 110; ++id)
    open.push_back({id, 900});
  auto v = w.look(open, t0);
  CHECK(v.too_many.size() == 4); // 6 strangers kept
  std::vector<observed_connection> now;
  for (uint64_t id = 100; id < 106; ++id)
    now.push_back({id, 900});
  for (uint64_t id = 1; id <= 4; ++id)
    now.push_back({id, 900, true});
  CHECK(w.look(now, t0 + 1s).too_many.empty()); // 4 sessions fill the reserve
  // A reserve never takes every place.
  connection_watch tiny{5s, 1, 5};
  CHECK(tiny.look({{7, 900}}, t0).too_many.empty());
}
