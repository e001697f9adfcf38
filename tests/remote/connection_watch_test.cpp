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
