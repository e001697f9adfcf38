#include "actors/metrics/http_request_head.hpp"

#include <catch2/catch.hpp>

using namespace logcatch;
using state = http_request_head::state;

TEST_CASE("a request head is complete at its blank line and names method and target") {
  CHECK(parse_http_request_head("GET /metrics HTTP/1.1\r\nHost: x\r\n").status == state::incomplete);
  auto h = parse_http_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(h.status == state::complete);
  CHECK(h.method == "GET");
  CHECK(h.target == "/metrics");
  CHECK(parse_http_request_head("HEAD /healthz HTTP/1.0\n\n").status == state::complete);
}

TEST_CASE("a request head that is not HTTP/1.x or grows past its bound is refused") {
  CHECK(parse_http_request_head("GARBAGE\r\n\r\n").status == state::bad);
  CHECK(parse_http_request_head("GET /metrics HTTP/9.9\r\n\r\n").status == state::bad);
  CHECK(parse_http_request_head("get /metrics HTTP/1.1\r\n\r\n").status == state::bad);
  CHECK(parse_http_request_head("GET metrics HTTP/1.1\r\n\r\n").status == state::bad);
  CHECK(parse_http_request_head("GET / HTTP/1.1\r\n" + std::string(9000, 'x')).status ==
        state::too_large);
}

TEST_CASE("a response says its length and closes the connection") {
  auto r = http_response(404, "text/plain", "not found\n");
  CHECK(r == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n"
             "Connection: close\r\n\r\nnot found\n");
  auto head = http_response(200, "text/plain", "ok\n", true);
  CHECK(head.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n"); // no body for HEAD
}
