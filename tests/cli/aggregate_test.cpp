// The aggregator end to end: a real `logcatch aggregate` process, and this
// test acting as a collector over CAF's network layer on 127.0.0.1.

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <csignal>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>

#include "fake_collector.hpp"
#include "process_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

std::unique_ptr<child_process> start_aggregator(const temp_dir& dir, std::vector<std::string> extra,
                                                uint16_t& port) {
  std::vector<std::string> argv{LOGCATCH_BINARY, "aggregate", "--listen", "127.0.0.1:0",
                                "--sink-path", dir / "out.json", "--format", "json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto child = std::make_unique<child_process>(argv, dir.path());
  std::string marker = "listening on 127.0.0.1:";
  REQUIRE(eventually([&] { return contains(child->err(), marker); }));
  auto err = child->err();
  port = static_cast<uint16_t>(std::stoul(err.substr(err.find(marker) + marker.size())));
  return child;
}

} // namespace

TEST_CASE("the aggregator writes a collector's lines once, with its node, across resends and a SIGKILL") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, {"--auth-token", "s3cret"}, port);
  auto b1 = batch_of(0, "app 0 x\napp 1 x\n", true);
  auto b2 = batch_of(16, "app 2 x\n", false);
  auto b3 = batch_of(24, "app 3 x\napp 4 x\n", false);
  {
    fake_collector c;
    REQUIRE(c.connect(port));
    REQUIRE(c.hello("web-1", "s3cret"));
    REQUIRE(c.deliver(b1));
    REQUIRE(c.deliver(b2));
    REQUIRE(c.deliver(b1)); // resent after a reconnect: acknowledged, not written again
  }
  REQUIRE(eventually([&] { return count(read_file(dir / "out.json"), "\"line\":\"app 2 x\"") == 1; }));
  agg->signal(SIGKILL);
  REQUIRE(agg->wait() == 128 + SIGKILL);
  agg = start_aggregator(dir, {"--auth-token", "s3cret"}, port);
  {
    fake_collector c;
    REQUIRE(c.connect(port));
    REQUIRE(c.hello("web-1", "s3cret"));
    // Everything not known to be committed is sent again.
    for (auto* b : {&b1, &b2, &b3})
      REQUIRE(c.deliver(*b));
  }
  agg->signal(SIGTERM);
  CHECK(agg->wait() == 0);
  auto out = read_file(dir / "out.json");
  INFO(out);
  for (int i = 0; i < 5; ++i)
    CHECK(count(out, "\"line\":\"app " + std::to_string(i) + " x\"") == 1);
  CHECK(count(out, "{\"node\":\"web-1\",\"key\":\"app\",\"file\":\"/var/log/app.log\"") == 5);
}

TEST_CASE("the aggregator refuses a wrong token and batches before a hello, and says so") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, {"--auth-token", "s3cret"}, port);
  fake_collector c;
  REQUIRE(c.connect(port));
  CHECK_FALSE(c.hello("intruder", "guess"));
  CHECK(eventually([&] {
    return contains(agg->err(), "refused collector 'intruder'") &&
           contains(agg->err(), "wrong or missing auth token");
  }));
  c.self->send(c.aggregator, batch_of(0, "sneaky 0 x\n", true));
  CHECK(eventually([&] { return contains(agg->err(), "no session credential (no hello)"); }));
  agg->signal(SIGTERM);
  CHECK(agg->wait() == 0);
  CHECK_FALSE(contains(read_file(dir / "out.json"), "sneaky"));
}

TEST_CASE("garbage bytes and a half-open connection do not stop the aggregator serving a collector") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, {}, port);
  int junk = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(junk >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(junk, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (auto& ch : bytes)
    ch = static_cast<char>(rng());
  CHECK(::send(junk, bytes.data(), bytes.size(), MSG_NOSIGNAL) > 0);
  int idle = ::socket(AF_INET, SOCK_STREAM, 0); // connected, never says a word
  REQUIRE(::connect(idle, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  {
    fake_collector c;
    REQUIRE(c.connect(port));
    REQUIRE(c.hello("web-2", ""));
    REQUIRE(c.deliver(batch_of(0, "good 0 x\n", true)));
  }
  ::close(junk);
  ::close(idle);
  agg->signal(SIGTERM);
  CHECK(agg->wait() == 0);
  CHECK(contains(read_file(dir / "out.json"), "\"node\":\"web-2\""));
}

TEST_CASE("aggregate --auth-token-file takes the first line, and a bad file is a usage error naming it") {
  temp_dir dir;
  auto missing = dir / "it's gone";
  auto r = run_logcatch({"aggregate", "--auth-token-file", missing}, dir);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--auth-token-file: " + missing + ": cannot open: No such file or directory"));
  write_file(dir / "empty", "\nsecond line\n", false);
  r = run_logcatch({"aggregate", "--auth-token-file", dir / "empty"}, dir);
  CHECK(r.code == 2);
  CHECK(contains(r.err, dir / "empty" + ": its first line is empty"));
}

TEST_CASE("aggregate --auth-token '' is a usage error, and a token given as a flag warns that others can read it") {
  temp_dir dir;
  auto r = run_logcatch({"aggregate", "--listen", "127.0.0.1:0", "--auth-token", ""}, dir);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--auth-token: the token is empty"));
  CHECK(contains(r.err, "--auth-token-file"));
  uint16_t port = 0;
  auto agg = start_aggregator(dir, {"--auth-token", "s3cret"}, port);
  CHECK(contains(agg->err(), "/proc/PID/cmdline"));
  CHECK(contains(agg->err(), "use --auth-token-file FILE"));
  agg->signal(SIGTERM);
  CHECK(agg->wait() == 0);
}

TEST_CASE("an aggregator whose output has lines but whose state file is gone refuses to start and says what to do") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, {"--auth-token", "s3cret"}, port);
  {
    fake_collector c;
    REQUIRE(c.connect(port));
    REQUIRE(c.hello("web-1", "s3cret"));
    REQUIRE(c.deliver(batch_of(0, "app 0 x\n", true)));
  }
  agg->signal(SIGTERM);
  REQUIRE(agg->wait() == 0);
  std::filesystem::remove(dir / "logcatch.state"); // a wiped state_dir, the output kept
  auto r = run_logcatch({"aggregate", "--listen", "127.0.0.1:0", "--sink-path", dir / "out.json",
                         "--auth-token", "s3cret"},
                        dir);
  CHECK(r.code == 1);
  CHECK(contains(r.err, dir / "out.json"));
  CHECK(contains(r.err, "there is no state file " + dir / "logcatch.state"));
  CHECK(contains(r.err, "--accept-output-without-state"));
  CHECK(contains(read_file(dir / "out.json"), "app 0 x")); // nothing cut or lost
  agg = start_aggregator(dir, {"--auth-token", "s3cret", "--accept-output-without-state"}, port);
  agg->signal(SIGTERM);
  CHECK(agg->wait() == 0);
  CHECK(contains(read_file(dir / "out.json"), "app 0 x"));
}
