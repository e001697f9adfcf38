#include "actors/sink/clickhouse_http.hpp"

#include <algorithm>
#include <random>

#include <httplib.h>

namespace logcatch {

namespace {

std::string url_encoded(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

/// The first line of a ClickHouse exception, enough for a log line.
std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

} // namespace

int clickhouse_error_code(const std::string& exception_text) {
  auto at = exception_text.find("Code: ");
  if (at != 0)
    return -1;
  int code = 0;
  std::size_t i = 6;
  for (; i < exception_text.size() && std::isdigit(static_cast<unsigned char>(exception_text[i])); ++i)
    code = code * 10 + (exception_text[i] - '0');
  return i == 6 ? -1 : code;
}

bool clickhouse_authentication_error(int code) {
  // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED
  // (18.16), AUTHENTICATION_FAILED (later releases).
  return code == 192 || code == 193 || code == 194 || code == 195 || code == 516;
}

bool parse_clickhouse_url(const std::string& url, clickhouse_endpoint& out, std::string& error) {
  auto scheme_end = url.find("://");
  out.scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (out.scheme != "http" && out.scheme != "https") {
    error = "url must start with http:// or https:// (ClickHouse's HTTP interface), got \"" +
            url + "\"";
    return false;
  }
  std::string rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos || rest.find('?') != std::string::npos) {
    error = "url must be " + out.scheme + "://HOST[:PORT], got \"" + url + "\"";
    return false;
  }
  auto colon = rest.rfind(':');
  bool bracketed = rest.front() == '[' && rest.rfind(']') != std::string::npos;
  if (colon == std::string::npos || (bracketed && colon < rest.rfind(']'))) {
    out.host = rest;
    out.port = out.scheme == "https" ? 8443 : 8123;
    return true;
  }
  out.host = rest.substr(0, colon);
  auto digits = rest.substr(colon + 1);
  out.port = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || out.port > 65535) {
      out.port = -1;
      break;
    }
    out.port = out.port * 10 + (c - '0');
  }
  if (out.host.empty() || digits.empty() || out.port <= 0 || out.port > 65535) {
    error = "url has no valid HOST:PORT: \"" + url + "\"";
    return false;
  }
  return true;
}

clickhouse_http::clickhouse_http(const clickhouse_endpoint& where, const std::string& user,
                                 const std::string& password, std::chrono::seconds read_timeout)
  : client_(std::make_unique<httplib::Client>(where.scheme + "://" + where.host + ":" +
                                              std::to_string(where.port))),
    where_(where.host + ":" + std::to_string(where.port)) {
  client_->set_connection_timeout(std::chrono::seconds(3));
  client_->set_read_timeout(read_timeout);
  client_->set_write_timeout(read_timeout);
  client_->set_keep_alive(true);
  client_->set_basic_auth(user.c_str(), password.c_str());
}

clickhouse_http::~clickhouse_http() = default;

std::string clickhouse_http::target(const std::string& sql_in_url, const settings& with) const {
  // wait_end_of_query: the status code is sent after the query ends, so an
  // HTTP 200 means it ran to its end (not a half-streamed answer).
  std::string path = "/?wait_end_of_query=1";
  for (auto& [name, value] : with)
    path += "&" + url_encoded(name) + "=" + url_encoded(value);
  if (!sql_in_url.empty())
    path += "&query=" + url_encoded(sql_in_url);
  return path;
}

template <class Result>
clickhouse_answer clickhouse_http::sort(Result&& result) const {
  clickhouse_answer a;
  if (!result) {
    auto e = result.error();
    // Refused or not reachable: nothing was sent. Anything else (a read or
    // write that failed, a timeout) may have reached the server.
    bool not_sent = e == httplib::Error::Connection || e == httplib::Error::ConnectionTimeout ||
                    e == httplib::Error::BindIPAddress;
    a.outcome = not_sent ? write_outcome::not_written : write_outcome::unknown;
    a.error = "ClickHouse at " + where_ + ": " + httplib::to_string(e) +
              (not_sent ? "" : " (the outcome is unknown)");
    return a;
  }
  a.body = std::move(result->body);
  if (result->status == 200)
    return a;
  a.outcome = write_outcome::not_written;
  int code = clickhouse_error_code(a.body);
  a.permanent = clickhouse_authentication_error(code);
  a.error = "ClickHouse at " + where_ + " answered HTTP " + std::to_string(result->status) +
            ": " + first_line(a.body);
  return a;
}

clickhouse_answer clickhouse_http::query(const std::string& sql, const settings& with) {
  return sort(client_->Post(target("", with), sql, "text/plain"));
}

clickhouse_answer clickhouse_http::insert(const std::string& sql, const std::string& data,
                                          const settings& with) {
  return sort(client_->Post(target(sql, with), data, "application/octet-stream"));
}

clickhouse_answer clickhouse_http::insert_in_place(const std::string& sql, const std::string& data,
                                                   const settings& with) {
  auto provide = [&data](size_t offset, size_t length, httplib::DataSink& sink) {
    return sink.write(data.data() + offset, std::min(length, data.size() - offset));
  };
  return sort(client_->Post(target(sql, with), {}, data.size(), provide,
                            "application/octet-stream"));
}

clickhouse_answer clickhouse_http::insert_streamed(const std::string& sql, std::size_t size,
                                                   const piece_source& next, std::string& piece,
                                                   const settings& with) {
  std::size_t given = 0; // bytes of the pieces handed to httplib
  std::size_t at = 0;    // in `piece`
  piece.clear();
  auto provide = [&](size_t offset, size_t length, httplib::DataSink& sink) {
    if (offset != given)
      return false; // httplib never rewinds a request; if it did, the pieces are gone
    while (at == piece.size()) {
      piece.clear();
      at = 0;
      if (!next(piece))
        return false; // fewer bytes than said: the request is cancelled
    }
    std::size_t n = std::min(length, piece.size() - at);
    if (!sink.write(piece.data() + at, n))
      return false;
    at += n;
    given += n;
    return true;
  };
  return sort(client_->Post(target(sql, with), {}, size, provide, "application/octet-stream"));
}

void clickhouse_http::begin_table(std::string& body, const std::string& name) {
  // Random like httplib's own: binary rows could hold any fixed string.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  boundary_ = "--logcatch-";
  for (int i = 0; i < 32; ++i)
    boundary_ += alnum[rng() % (sizeof(alnum) - 1)];
  body.clear();
  body += "--" + boundary_ + "\r\n";
  body += "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name + "\"\r\n";
  body += "Content-Type: application/octet-stream\r\n\r\n";
}

clickhouse_answer clickhouse_http::query_with_table(const std::string& sql, const std::string& name,
                                                    const std::string& structure,
                                                    const std::string& format,
                                                    std::string& body,
                                                    const settings& with) {
  auto all = with;
  all[name + "_structure"] = structure;
  all[name + "_format"] = format;
  body += "\r\n--" + boundary_ + "--\r\n";
  const std::string& sent = body;
  auto provide = [&sent](size_t offset, size_t length, httplib::DataSink& sink) {
    return sink.write(sent.data() + offset, std::min(length, sent.size() - offset));
  };
  return sort(client_->Post(target(sql, all), {}, body.size(), provide,
                            "multipart/form-data; boundary=" + boundary_));
}

} // namespace logcatch
