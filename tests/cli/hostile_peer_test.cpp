// Issue 12: a `logcatch aggregate` process attacked by peers on 127.0.0.1
// (real CAF nodes over TCP) while honest collectors ship lines: each attack
// costs the attacker at most its own session, and the honest collectors lose
// and duplicate nothing.

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>

#include "basp_peer.hpp"
#include "fake_collector.hpp"
#include "process_support.hpp"

using namespace logcatch;
using namespace logcatch::test;

namespace {

const std::string token = "s3cret-token";

std::unique_ptr<child_process> start_aggregator(const temp_dir& dir, uint16_t& port) {
  write_file(dir / "token", token + "\n", false);
  std::vector<std::string> argv{LOGCATCH_BINARY, "aggregate",        "--listen", "127.0.0.1:0",
                                "--sink-path",   dir / "out.json", "--format", "json",
                                "--auth-token-file", dir / "token"};
  auto child = std::make_unique<child_process>(argv, dir.path());
  std::string marker = "listening on 127.0.0.1:";
  REQUIRE(eventually([&] { return contains(child->err(), marker); }));
  auto err = child->err();
  port = static_cast<uint16_t>(std::stoul(err.substr(err.find(marker) + marker.size())));
  return child;
}

std::string line(const std::string& text) {
  return "\"line\":\"" + text + "\"";
}

/// Stops the aggregator gracefully and returns its output.
std::string stop(child_process& agg, const temp_dir& dir) {
  agg.signal(SIGTERM);
  INFO(agg.err());
  CHECK(agg.wait() == 0);
  return read_file(dir / "out.json");
}

} // namespace

TEST_CASE("exit, down and error messages from a peer without the token are dropped and the aggregator keeps writing") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, port);
  fake_collector honest;
  REQUIRE(honest.connect(port));
  REQUIRE(honest.hello("honest", token));
  REQUIRE(honest.deliver(batch_of(0, "honest 0 x\n", true)));
  {
    fake_collector stranger; // no hello: it knows only the published actor
    REQUIRE(stranger.connect(port));
    stranger.self->send_exit(stranger.aggregator, caf::exit_reason::user_shutdown);
    stranger.self->send_exit(stranger.aggregator, caf::exit_reason::kill); // not trappable by an actor
    stranger.self->send(stranger.aggregator,
                        caf::down_msg{stranger.self->address(), caf::exit_reason::kill});
    stranger.self->send(stranger.aggregator, caf::make_error(caf::sec::runtime_error));
    CHECK(eventually([&] { return contains(agg->err(), "dropped an exit message"); }));
  }
  // The sink still writes and acknowledges, and new collectors still get in.
  REQUIRE(honest.deliver(batch_of(11, "honest 1 x\n", false)));
  fake_collector late;
  late.instance = "1a7e";
  REQUIRE(late.connect(port));
  REQUIRE(late.hello("late", token));
  REQUIRE(late.deliver(batch_of(0, "late 0 x\n", true)));
  auto out = stop(*agg, dir);
  INFO(out);
  CHECK(count(out, line("honest 0 x")) == 1);
  CHECK(count(out, line("honest 1 x")) == 1);
  CHECK(count(out, line("late 0 x")) == 1);
}

TEST_CASE("a batch whose line ends run past its data ends its sender's session and no other collector notices") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, port);
  fake_collector honest;
  REQUIRE(honest.connect(port));
  REQUIRE(honest.hello("honest", token));
  REQUIRE(honest.deliver(batch_of(0, "honest 0 x\n", true)));
  fake_collector bad;
  bad.instance = "bad0";
  REQUIRE(bad.connect(port));
  REQUIRE(bad.hello("bad", token));
  auto b = batch_of(0, "bad 0 x\nbad 1 x\n", true);
  b.ends.back() = 0x7fffffff; // 2 GiB past the data: crashed the aggregator (SIGSEGV)
  b.session = bad.session;
  bad.self->send(bad.aggregator, b);
  CHECK(bad.refused());
  CHECK(contains(bad.last_error, "ends[1] = 2147483647 is past the 16 bytes of data"));
  CHECK(eventually([&] {
    return contains(agg->err(), "collector 'bad'") && contains(agg->err(), "is past the 16 bytes");
  }));
  // Its credential is dead: nothing more is taken from it without a new hello.
  CHECK_FALSE(bad.deliver(batch_of(0, "bad 2 x\n", true), std::chrono::seconds(5)));
  CHECK(agg->wait(std::chrono::milliseconds(0)) < 0); // still running
  REQUIRE(honest.deliver(batch_of(11, "honest 1 x\n", false)));
  REQUIRE(bad.hello("bad", token));
  REQUIRE(bad.deliver(batch_of(0, "bad 3 x\n", true)));
  auto out = stop(*agg, dir);
  INFO(out);
  CHECK(count(out, line("honest 0 x")) == 1);
  CHECK(count(out, line("honest 1 x")) == 1);
  CHECK(count(out, line("bad 3 x")) == 1);
  CHECK_FALSE(contains(out, "bad 0 x"));
  CHECK_FALSE(contains(out, "bad 2 x"));
}

TEST_CASE("a peer without the token cannot write as an authenticated collector nor learn its positions") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, port);
  fake_collector honest;
  REQUIRE(honest.connect(port));
  REQUIRE(honest.hello("honest", token));
  REQUIRE(honest.deliver(batch_of(0, "honest 0 x\n", true)));
  auto old = honest.session;
  REQUIRE(honest.hello("honest", token)); // reconnected: a new session, the old one is dead
  CHECK(honest.session != old);

  fake_collector stranger;
  REQUIRE(stranger.connect(port));
  auto forged = batch_of(11, "forged 0 x\n", false);
  forged.node = "honest"; // what it claims counts for nothing
  for (auto credential : {session_credential{}, session_credential{1, 2}, old}) {
    stranger.session = credential;
    CHECK_FALSE(stranger.deliver(forged, std::chrono::seconds(3)));
    CHECK_FALSE(stranger.sync("app", credential));
    CHECK(contains(stranger.last_error, "no live session"));
  }
  // A batch moving the position 50 MB on, with a live credential: refused
  // as inconsistent (its offsets do not match its lines).
  auto ahead = batch_of(11, "honest 1 x\n", false);
  ahead.end_offset += 50 * 1000 * 1000;
  CHECK_FALSE(honest.deliver(ahead, std::chrono::seconds(5)));
  REQUIRE(honest.hello("honest", token));
  REQUIRE(honest.deliver(batch_of(11, "honest 1 x\n", false)));
  CHECK(honest.sync("app", honest.session));
  CHECK(eventually([&] { return contains(agg->err(), "refused a batch from node"); }));
  auto out = stop(*agg, dir);
  INFO(out);
  CHECK_FALSE(contains(out, "forged"));
  CHECK(count(out, line("honest 0 x")) == 1);
  CHECK(count(out, line("honest 1 x")) == 1);
}

TEST_CASE("one node name is held by one live collector: another is refused on both sides, the same one takes it over") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, port);
  auto first = std::make_unique<fake_collector>();
  first->instance = "aaaa";
  REQUIRE(first->connect(port));
  REQUIRE(first->hello("dup", token));
  REQUIRE(first->deliver(batch_of(0, "first 0 x\n", true)));

  fake_collector second;
  second.instance = "bbbb";
  REQUIRE(second.connect(port));
  CHECK_FALSE(second.hello("dup", token));
  CHECK(contains(second.last_error, "node name 'dup' is held by another live collector"));
  CHECK(eventually([&] {
    return contains(agg->err(), "refused collector 'dup'") &&
           contains(agg->err(), "held by another live collector");
  }));

  // The first collector restarted (same instance id, new process and node id).
  auto restarted = std::make_unique<fake_collector>();
  restarted->instance = "aaaa";
  REQUIRE(restarted->connect(port));
  REQUIRE(restarted->hello("dup", token));
  CHECK_FALSE(first->deliver(batch_of(10, "first 1 x\n", false), std::chrono::seconds(3)));
  REQUIRE(restarted->deliver(batch_of(10, "first 1 x\n", false)));

  // Entries go with their connections: once both are gone the name is free.
  first.reset();
  restarted.reset();
  CHECK(eventually([&] { return second.hello("dup", token); }));
  auto out = stop(*agg, dir);
  INFO(out);
  CHECK(count(out, line("first 0 x")) == 1);
  CHECK(count(out, line("first 1 x")) == 1);
}

namespace {

int open_silent(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// True once the aggregator has closed `fd`'s connection: reads, past its
/// server handshake, see the end of the stream.
bool closed_by_peer(int fd) {
  char buffer[4096];
  for (;;) {
    auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0)
      continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("silent connections are cut after the handshake deadline and excess ones at once, while a collector ships") {
  temp_dir dir;
  write_file(dir / "token", token + "\n", false);
  child_process agg{{LOGCATCH_BINARY, "aggregate", "--listen", "127.0.0.1:0", "--sink-path",
                     dir / "out.json", "--format", "json", "--auth-token-file", dir / "token",
                     "--max-connections", "60"},
                    dir.path()};
  std::string marker = "listening on 127.0.0.1:";
  REQUIRE(eventually([&] { return contains(agg.err(), marker); }));
  auto err = agg.err();
  auto port = static_cast<uint16_t>(std::stoul(err.substr(err.find(marker) + marker.size())));
  auto idle_fds = open_fds(agg.pid());
  fake_collector honest;
  REQUIRE(honest.connect(port));
  REQUIRE(honest.hello("honest", token));
  REQUIRE(honest.deliver(batch_of(0, "honest 0 x\n", true)));

  std::vector<int> silent;
  for (int i = 0; i < 150; ++i) {
    int fd = open_silent(port);
    REQUIRE(fd >= 0);
    silent.push_back(fd);
  }
  auto started = std::chrono::steady_clock::now();
  // Beyond 60, the newest go within a look or two; the collector keeps its place.
  CHECK(eventually([&] { return open_fds(agg.pid()) <= idle_fds + 60 + 2; }, std::chrono::seconds(4)));
  REQUIRE(honest.deliver(batch_of(11, "honest 1 x\n", false)));
  // The rest go at the deadline (5 s): none sent a handshake.
  CHECK(eventually([&] {
    for (int fd : silent)
      if (!closed_by_peer(fd))
        return false;
    return true;
  }));
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(4500));
  CHECK(eventually([&] { return open_fds(agg.pid()) <= idle_fds + 2; }));
  for (int fd : silent)
    ::close(fd);
  REQUIRE(honest.deliver(batch_of(22, "honest 2 x\n", false)));
  // Each kind of cut is logged (rate-limited per kind: the excess cuts'
  // line, logged moments before the deadline, once hid this one).
  CHECK(eventually([&] {
    return contains(agg.err(), "that sent no handshake in time") &&
           contains(agg.err(), "beyond the connection limit");
  }));
  auto out = stop(agg, dir);
  INFO(out);
  for (int i = 0; i < 3; ++i)
    CHECK(count(out, line("honest " + std::to_string(i) + " x")) == 1);
}

TEST_CASE("a raw BASP peer claiming an authenticated collector's node id and actor gets nothing written, moved or answered") {
  temp_dir dir;
  uint16_t port = 0;
  auto agg = start_aggregator(dir, port);
  fake_collector honest;
  REQUIRE(honest.connect(port));
  REQUIRE(honest.hello("honest", token));
  REQUIRE(honest.deliver(batch_of(0, "honest 0 x\n", true)));

  // The forger's own actor system only serializes; it never connects.
  system_config cfg{true};
  caf::actor_system forger_sys{cfg};
  basp_peer forger{forger_sys, port};
  forger.handshake(honest.system.node()); // "I am the honest collector's node"
  auto forged = batch_of(11, "forged 0 x\n", false);
  forged.end_offset += 50 * 1000 * 1000; // and its position is 50 MB on
  forged.node = "honest";
  forger.send_message(honest.self->id(), forger.published, caf::make_message(forged));
  forger.send_message(honest.self->id(), forger.published,
                      caf::make_message(sync_atom::value, session_credential{}, std::string("app")),
                      caf::make_message_id(caf::message_priority::normal).integer_value() | 1);
  forger.send_message(honest.self->id(), forger.published,
                      caf::make_message(caf::exit_msg{{}, caf::exit_reason::kill}));
  CHECK(eventually([&] {
    return contains(agg->err(), "refused a batch from node") &&
           contains(agg->err(), "dropped an exit message");
  }));
  // The honest collector goes on from where it was: nothing was moved.
  REQUIRE(honest.deliver(batch_of(11, "honest 1 x\n", false)));
  REQUIRE(honest.sync("app", honest.session));

  // A header announcing 1 GiB that never comes is cut at the handshake deadline.
  basp_peer greedy{forger_sys, port};
  greedy.send_raw(greedy.header_bytes(caf::io::basp::message_type::client_handshake, 1u << 30));
  CHECK(greedy.closed_by_server(std::chrono::seconds(30)));
  REQUIRE(honest.deliver(batch_of(22, "honest 2 x\n", false)));

  auto out = stop(*agg, dir);
  INFO(out);
  CHECK_FALSE(contains(out, "forged"));
  for (int i = 0; i < 3; ++i)
    CHECK(count(out, line("honest " + std::to_string(i) + " x")) == 1);
}

TEST_CASE("with per-node tokens a leaked token speaks for its own node only") {
  temp_dir dir;
  write_file(dir / "shared", "shared-secret\n", false);
  write_file(dir / "nodes", "# per-node secrets\nweb-1: one-secret\nweb-2: two-secret\n", false);
  write_file(dir / "aggregator.yaml",
             "listen: 127.0.0.1:0\nauth_token_file: shared\nnode_tokens_file: nodes\n"
             "sink: {type: file, path: out.json, format: json}\n",
             false);
  child_process agg{{LOGCATCH_BINARY, "aggregate", "--config", dir / "aggregator.yaml"}, dir.path()};
  std::string marker = "listening on 127.0.0.1:";
  REQUIRE(eventually([&] { return contains(agg.err(), marker); }));
  auto err = agg.err();
  auto port = static_cast<uint16_t>(std::stoul(err.substr(err.find(marker) + marker.size())));
  fake_collector c;
  REQUIRE(c.connect(port));
  CHECK_FALSE(c.hello("web-1", "shared-secret")); // a listed node needs its own
  CHECK_FALSE(c.hello("web-1", "two-secret"));    // web-2's token is not web-1's
  CHECK(c.hello("other", "shared-secret"));       // an unlisted node: the shared one
  fake_collector web1;
  web1.instance = "0001";
  REQUIRE(web1.connect(port));
  REQUIRE(web1.hello("web-1", "one-secret"));
  REQUIRE(web1.deliver(batch_of(0, "web1 0 x\n", true)));
  CHECK(eventually([&] { return contains(agg.err(), "refused collector 'web-1'"); }));
  auto out = stop(agg, dir);
  CHECK(count(out, line("web1 0 x")) == 1);
  // A bad file is a config error naming it and the line.
  write_file(dir / "nodes", "web-1: one-secret\nweb 3: x\n", false);
  auto r = run_logcatch({"aggregate", "--config", dir / "aggregator.yaml"}, dir);
  CHECK(r.code == 2);
  CHECK(contains(r.err, dir / "nodes" + ":2:1"));
}
