#include "bench/workload/delivery_verifier.hpp"

#include <catch2/catch.hpp>

#include "bench/workload/numbered_writer.hpp"
#include "test_support.hpp"

using namespace logcatch;

TEST_CASE("the verifier counts lost, duplicated and out-of-order lines") {
  delivery_verifier v;
  v.on_text("s 0 a\ns 2 c\ns 1 b\ns 2 c\nt 0 x\n");
  auto r = v.report({{"s", 4}, {"t", 1}});
  REQUIRE(r.size() == 2);
  CHECK(r[0].unique == 3);
  CHECK(r[0].lost == 1);
  CHECK(r[0].duplicated == 1);
  CHECK(r[0].out_of_order == 1);
  CHECK(r[1].lost == 0);
  CHECK_FALSE(delivery_verifier::clean(r, v.malformed()));
}

TEST_CASE("lines the writer never wrote and garbage fail the check") {
  delivery_verifier v;
  v.on_text("s 0 a\ns 7 z\nnonsense\n");
  auto r = v.report({{"s", 1}});
  CHECK(r[0].duplicated == 1);
  CHECK(v.malformed() == 1);
  CHECK_FALSE(delivery_verifier::clean(r, v.malformed()));
}

TEST_CASE("what the writer writes, across rotations, verifies clean") {
  logcatch::test::temp_dir dir;
  numbered_writer::options o;
  o.path = dir / "a.log";
  o.stream = "s";
  o.rotate_every = 10;
  numbered_writer w{o};
  w.write_lines(35);
  CHECK(w.rotations() == 3);
  delivery_verifier v;
  for (auto name : {"a.log.1", "a.log.2", "a.log.3", "a.log"})
    v.on_text(logcatch::test::read_file(dir / name));
  auto r = v.report({{"s", 35}});
  CHECK(delivery_verifier::clean(r, v.malformed()));
}
