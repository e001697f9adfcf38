#include "config/node_tokens.hpp"

#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "test_support.hpp"

using namespace logcatch;

TEST_CASE("a node tokens file maps each node to its own token") {
  auto t = parse_node_tokens("# per-node secrets\n\nweb-1: abc\ndb-2:  \"x y z\"  \r\n", "f");
  CHECK(t == node_token_map{{"web-1", "abc"}, {"db-2", "x y z"}});
}

TEST_CASE("a bad node tokens line names the file, the line and the cause") {
  CHECK_THROWS_WITH(parse_node_tokens("web-1: a\nweb 2: b\n", "tokens"),
                    Catch::Contains("tokens:2:1") && Catch::Contains("not a node name"));
  CHECK_THROWS_WITH(parse_node_tokens("web-1:\n", "tokens"),
                    Catch::Contains("tokens:1:") && Catch::Contains("token of node 'web-1' is empty"));
  CHECK_THROWS_WITH(parse_node_tokens("web-1: a\nweb-1: b\n", "tokens"),
                    Catch::Contains("node 'web-1' is listed twice"));
  CHECK_THROWS_WITH(parse_node_tokens("just-a-token\n", "tokens"),
                    Catch::Contains("expected 'node: token'"));
  test::temp_dir dir;
  test::write_file(dir / "empty", "# nothing\n", false);
  CHECK_THROWS_WITH(read_node_tokens_file(dir / "empty"), Catch::Contains("lists no node"));
  CHECK_THROWS_WITH(read_node_tokens_file(dir / "missing"), Catch::Contains("cannot open"));
}

TEST_CASE("a listed node needs its own token, an unlisted one the shared token or nothing gets in") {
  node_token_map t{{"web-1", "one"}};
  CHECK(token_for(t, "shared", "web-1").token == "one"); // the shared one is not enough
  CHECK(token_for(t, "shared", "web-2").token == "shared");
  CHECK_FALSE(token_for(t, "shared", "web-2").refused);
  CHECK(token_for(t, "", "web-2").refused);
  CHECK_FALSE(token_for({}, "", "web-2").refused); // no tokens at all: the old open mode
}
