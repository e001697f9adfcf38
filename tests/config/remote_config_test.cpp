// Distributed mode's config: the remote sink's keys, an aggregator's own
// config file, and the address / node name rules they share.

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "config/network_names.hpp"

using namespace logcatch;
namespace fs = std::filesystem;

namespace {

collector_config load(const std::string& yaml) {
  return load_config_text(yaml, "t.yaml", "/cfg");
}

aggregator_config load_aggregator(const std::string& yaml, const std::string& base = "/cfg") {
  return load_aggregator_config_text(yaml, "a.yaml", base);
}

/// The error's "FILE:LINE:COL: cause", for matching.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("HOST:PORT is parsed strictly", "[config][network]") {
  auto a = parse_host_port("127.0.0.1:7140");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 7140);
  auto v6 = parse_host_port("[::1]:9");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9);
  CHECK(parse_host_port("agg.example.com:0")->port == 0);
  for (auto bad : {"", "7140", ":7140", "host:", "host:65536", "host:71x", "host:-1", "a b:1"})
    CHECK_FALSE(parse_host_port(bad));
}

TEST_CASE("node names are printable, short and free of '/'", "[config][network]") {
  CHECK(valid_node_name("web-1.example.com"));
  CHECK(valid_node_name(default_node_name()));
  CHECK_FALSE(valid_node_name(""));
  CHECK_FALSE(valid_node_name("a/b"));
  CHECK_FALSE(valid_node_name("a b"));
  CHECK_FALSE(valid_node_name(std::string(129, 'x')));
  CHECK_FALSE(valid_node_name(std::string("a\nb")));
}

TEST_CASE("a remote sink reads address, node, token and window, with defaults", "[config][remote]") {
  auto c = load("logs: {a: /var/log/a.log}\n"
                "sink: {type: remote, address: 10.0.0.5:7140, node: web-1, auth_token: s3cret,\n"
                "       max_inflight_bytes: 8MiB}\n");
  CHECK(c.sink.type == sink_type::remote);
  CHECK(c.sink.host == "10.0.0.5");
  CHECK(c.sink.port == 7140);
  CHECK(c.sink.node == "web-1");
  CHECK(c.sink.auth_token == "s3cret");
  CHECK(c.sink.max_inflight_bytes == 8u * 1024 * 1024);
  CHECK_FALSE(c.sink.tls.enabled());
  CHECK(summarize(c) == "t.yaml: ok: 1 key (a), sink remote (aggregator 10.0.0.5:7140 as node "
                        "web-1), max_restarts 10 in 60s");

  auto d = load("logs: {a: /var/log/a.log}\nsink: {type: remote, address: 'agg:7140'}\n");
  CHECK(d.sink.node == default_node_name());
  CHECK(d.sink.max_inflight_bytes == 64u * 1024 * 1024);
  CHECK(d.sink.auth_token.empty());
}

TEST_CASE("remote sink mistakes are located and explained", "[config][remote]") {
  auto base = std::string("logs: {a: /var/log/a.log}\n");
  CHECK(has(error_of([&] { load(base + "sink: {type: remote}\n"); }),
            "t.yaml:2:1: sink: type remote needs an 'address'"));
  CHECK(has(error_of([&] { load(base + "sink: {type: remote, address: 'agg'}\n"); }),
            "t.yaml:2:31: address: expected HOST:PORT of an aggregator"));
  CHECK(has(error_of([&] { load(base + "sink: {type: remote, address: 'agg:0'}\n"); }),
            "expected HOST:PORT of an aggregator"));
  CHECK(has(error_of([&] { load(base + "sink: {type: remote, address: 'a:1', node: 'a/b'}\n"); }),
            "node: expected a node name"));
  CHECK(has(error_of([&] { load(base + "sink: {type: file, path: o.log, node: n}\n"); }),
            "t.yaml:2:33: node: only allowed with sink type remote"));
  CHECK(has(error_of([&] { load(base + "sink: {type: remote, address: 'a:1', path: o.log}\n"); }),
            "path: only allowed with sink type file"));
  CHECK(has(error_of([&] {
              load(base + "sink: {type: remote, address: 'a:1', auth_token: x, auth_token_file: t}\n");
            }),
            "auth_token_file: the token is already set by 'auth_token'"));
  CHECK(has(error_of([&] {
              load(base + "sink: {type: remote, address: 'a:1', max_inflight_bytes: 4KiB}\n");
            }),
            "at least 1MiB"));
  CHECK(has(error_of([&] {
              load(base + "sink: {type: remote, address: 'a:1', auth_token_file: /nonexistent/t}\n");
            }),
            "auth_token_file: /nonexistent/t: cannot open: No such file or directory"));
  CHECK(has(error_of([&] {
              load(base + "sink: {type: remote, address: 'a:1', tls: {certificate: /etc/hostname}}\n");
            }),
            "tls: needs certificate, key and cafile"));
  CHECK(has(error_of([&] {
              load(base + "sink: {type: remote, address: 'a:1', tls: {key: /nonexistent/k}}\n");
            }),
            "key: /nonexistent/k: cannot read"));
}

TEST_CASE("an aggregator config file sets listen, token, sink, state and log", "[config][aggregator]") {
  auto dir = fs::temp_directory_path() / ("logcatch_agg_cfg_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "token") << "t0ken\n";
  auto a = load_aggregator("listen: 0.0.0.0:7141\n"
                           "auth_token_file: token\n"
                           "sink: {type: file, path: out/all.log, format: json}\n"
                           "log: {level: warn}\n",
                           dir.string());
  CHECK(a.host == "0.0.0.0");
  CHECK(a.port == 7141);
  CHECK(a.auth_token == "t0ken");
  CHECK(a.sink.type == sink_type::file);
  CHECK(a.sink.path == (dir / "out/all.log").string());
  CHECK(a.sink.format == output_format::json);
  CHECK(a.state_dir == (dir / "out").string()); // next to the output by default
  CHECK(a.log.level == "warn");
  fs::remove_all(dir);

  auto defaults = load_aggregator("state_dir: /var/lib/agg\n");
  CHECK(defaults.host == "127.0.0.1");
  CHECK(defaults.port == 7140);
  CHECK(defaults.sink.type == sink_type::stdout_sink);
  CHECK(defaults.state_dir == "/var/lib/agg");
}

TEST_CASE("aggregator config mistakes are located", "[config][aggregator]") {
  CHECK(has(error_of([] { load_aggregator("listen: nowhere\n"); }),
            "a.yaml:1:9: listen: expected HOST:PORT to listen on"));
  CHECK(has(error_of([] { load_aggregator("logs: {a: /x}\n"); }),
            "a.yaml:1:1: unknown key 'logs' at top level of an aggregator config"));
  CHECK(has(error_of([] { load_aggregator("sink: {type: remote, address: 'a:1'}\n"); }),
            "a.yaml:1:1: sink: an aggregator writes to stdout, a file or a database, not type remote"));
  CHECK(has(error_of([] { load_aggregator("lisen: 1.2.3.4:5\n"); }), "did you mean 'listen'?"));
}

TEST_CASE("an aggregator's tls may require certificate names to equal node names; a collector's may not", "[config][aggregator]") {
  auto tls = std::string("tls: {certificate: /etc/hostname, key: /etc/hostname, cafile: /etc/hostname");
  auto a = load_aggregator(tls + "}\n");
  CHECK(a.tls.enabled());
  CHECK_FALSE(a.tls.require_node_name);
  auto b = load_aggregator(tls + ", require_node_name: true}\n");
  CHECK(b.tls.require_node_name);
  CHECK(has(error_of([&] { load_aggregator(tls + ", require_node_name: maybe}\n"); }),
            "require_node_name: expected true or false"));
  CHECK(has(error_of([&] {
              load("logs: {a: /var/log/a.log}\nsink: {type: remote, address: 'a:1', " + tls +
                   ", require_node_name: true}}\n");
            }),
            "require_node_name: only an aggregator's tls has it"));
}
